"""Email: the fallback channel every person can be reached on (docs/nudges.md)."""

from okrs.channels.email.channel import EmailChannel

__all__ = ["EmailChannel"]
