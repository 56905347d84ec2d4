"""Who words the message of an insights row: one builder per nudge kind, registered.

The sender (okrs/nudges/sender.py) delivers alerts, leadership digests and retrospective
prompts but knows nothing of how they are worded: the package that plans a kind registers its
builder here when its app is ready (okrs/insights/messages.py). A builder returns the message
from the current state, or None when the row no longer applies (the sender cancels it).
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from okrs.channels.base import AlertMessage
from okrs.nudges.models import Nudge


class InsightMessageBuilder(Protocol):
    def __call__(self, nudge: Nudge, *, now: dt.datetime) -> AlertMessage | None: ...


BUILDERS: dict[str, InsightMessageBuilder] = {}


def register_insight_message(kind: str, builder: InsightMessageBuilder) -> None:
    """Make `builder` the one that words the rows of `kind`; registering a kind twice is a bug."""
    if BUILDERS.get(kind, builder) is not builder:
        raise ValueError(f"a message builder is already registered for {kind}")
    BUILDERS[kind] = builder


def build_insight(nudge: Nudge, *, now: dt.datetime) -> AlertMessage | None:
    """The message of an insights row, worded by the builder registered for its kind."""
    builder = BUILDERS.get(nudge.kind)
    if builder is None:
        raise ValueError(f"no message builder is registered for {nudge.kind}")
    return builder(nudge, now=now)
