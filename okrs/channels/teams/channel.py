"""Microsoft Teams channel (being built)."""

from __future__ import annotations

from okrs.channels.base import Channel


class TeamsChannel(Channel):
    name = "teams"

    def is_configured(self) -> bool:
        return False
