"""okrs: self-hosted OKRs for engineering and ops teams."""

__version__ = "0.1.0"
