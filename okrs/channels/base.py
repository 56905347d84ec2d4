"""The one interface every channel implements, and the registry that finds them by name.

Adding a channel means one new package `okrs.channels.<name>` with a `Channel` subclass and one
line in CHANNELS (docs/channels.md has the checklist): the choices of `Person.channel` and of a
check-in's source, the installed apps and the site's URLs are all read from the registry, so
nothing else changes and no migration is needed. The nudge sender only ever talks to this
interface: it builds a `NudgeMessage`, asks `channel_for(person)` for the channel, and maps a
`DeliveryError` to the nudge row's next state.

This module imports nothing of Django or of the channels at import time: the settings read the
registry before Django is set up.
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    from okrs.goals.models import KeyResult
    from okrs.goals.scoring import KeyResultScore
    from okrs.org.models import Person


@dataclass(frozen=True)
class AdminPage:
    """A channel's page for admins, linked from the settings page."""

    url_name: str
    title: str
    summary: str  # what an admin does there


@dataclass(frozen=True)
class Registered:
    """One channel package, `okrs.channels.<name>`, as the registry knows it."""

    channel: str  # dotted path of its Channel subclass
    label: str  # how a person chooses it on their settings page
    app: bool = False  # it keeps rows: the package is a Django app (apps.py, models, migrations)
    urls: bool = False  # it has endpoints or pages: its urls.py is included at the site root
    admin: AdminPage | None = None


PACKAGE = "okrs.channels"

# The fallback: every person can be reached by email.
EMAIL = "email"

# channel name (Person.channel, a check-in's source; at most 8 characters) -> its package
CHANNELS: dict[str, Registered] = {
    EMAIL: Registered("okrs.channels.email.EmailChannel", "Email"),
    "slack": Registered(
        "okrs.channels.slack.channel.SlackChannel",
        "Slack",
        app=True,
        urls=True,
        admin=AdminPage("slack_settings", "Slack", "install the app, match people"),
    ),
    "teams": Registered(
        "okrs.channels.teams.channel.TeamsChannel",
        "Teams",
        app=True,
        urls=True,
        admin=AdminPage("teams_settings", "Microsoft Teams", "app package, who is linked"),
    ),
}


def package_of(name: str) -> str:
    return f"{PACKAGE}.{name}"


def channel_choices() -> list[tuple[str, str]]:
    """(name, label) of every channel: the choices of `Person.channel`, read when validating,
    so that adding a channel needs no migration."""
    return [(name, registered.label) for name, registered in CHANNELS.items()]


def channel_apps() -> list[str]:
    """The Django apps of the channels: the shared one (handled interactions), then each
    channel package that keeps rows."""
    return [PACKAGE, *(package_of(n) for n, r in CHANNELS.items() if r.app)]


def admin_pages() -> list[AdminPage]:
    """The channels' pages for admins, in the registry's order."""
    return [r.admin for r in CHANNELS.values() if r.admin is not None]


def channel_url_modules() -> list[str]:
    """The URL modules of the channels with endpoints or pages, each included at the root."""
    return [f"{package_of(n)}.urls" for n, r in CHANNELS.items() if r.urls]


@dataclass(frozen=True)
class CheckInEntry:
    """One key result's check-in read from a chat form (a Slack modal, a Teams card): a
    submitted check-in for the one submission path."""

    key_result_id: int
    value: float | None  # None: keep the value (an automatic key result)
    confidence: str
    note: str


def checkin_field_id(kr_id: int, field: str) -> str:
    """The id of a check-in's `field` (value, confidence, note) for one key result in a chat
    form, by which the answer is read back and an error placed beside its input."""
    return f"kr-{kr_id}-{field}"


# A milestone's check-in in a chat form: a choice of these (stored as 0 or 1), or none (its
# state kept). Anything else sent back is refused with MILESTONE_ERROR under the field.
MILESTONE_CHOICES = (("0", "Not done"), ("1", "Done"))
MILESTONE_LABEL = "Done?"
MILESTONE_PLACEHOLDER = "Choose not done or done"
MILESTONE_ERROR = "Choose not done or done."


def read_milestone(raw: object) -> tuple[float | None, bool]:
    """A milestone's answer as a chat form sent it back: (0.0 or 1.0, True) for a choice,
    (None, True) for none (the current state kept, as "No change" does), (None, False) for
    anything else (a forged or stale value: refused, nothing recorded)."""
    if raw is None or isinstance(raw, bool):
        return None, raw is None
    text = str(raw).strip()
    if text == "":
        return None, True
    if text in {value for value, _ in MILESTONE_CHOICES}:
        return float(text), True
    return None, False


class DeliveryError(Exception):
    """A message could not be delivered.

    `permanent` failures (revoked token, unknown user, bad address) will not get better by
    retrying: the nudge is marked failed, falls back to email and the error is shown to admins.
    Temporary ones are retried with backoff, or after `retry_after` seconds when the provider
    said so (HTTP 429 with Retry-After).
    """

    def __init__(
        self, message: str, *, permanent: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after


@dataclass(frozen=True)
class DueKeyResult:
    """One key result in a nudge, as the person will see it."""

    id: int
    ref: str
    title: str
    unit: str
    current: float | None  # the value to prefill: latest check-in or synced value
    target: float | None
    status: str  # on_track | at_risk | off_track | not_started | ...
    automatic: bool  # bound to a metric source: ask only for confidence and a note
    confidence: str | None = None
    kind: str = ""  # a milestone's value reads "done" or "not done", and is asked as a choice
    # `current` is what a person's latest check-in said (not a sync, not a milestone's starting
    # 0): only then does a milestone's choice start with it.
    said: bool = False

    @classmethod
    def of(cls, kr: KeyResult, result: KeyResultScore, *, said: bool = False) -> DueKeyResult:
        """The key result as its evaluation `result` shows it; `said`: its latest check-in is a
        person's."""
        return cls(
            id=kr.pk,
            ref=kr.ref,
            title=kr.title,
            unit=kr.unit,
            current=result.current,
            target=kr.target,
            status=result.status or "not_started",
            automatic=bool(kr.source),
            confidence=result.confidence,
            kind=kr.kind,
            said=said,
        )


@dataclass(frozen=True)
class NudgeMessage:
    """Everything a channel needs to render one nudge. One message lists all of a person's
    due key results."""

    nudge_id: int
    person_id: int
    cycle_name: str
    key_results: tuple[DueKeyResult, ...]
    checkin_url: str  # absolute URL of the signed "my check-ins" link (used by email)
    reminder: bool = False
    week_start: dt.date | None = None
    # Whether a snooze pressed now would still come back inside the check-in week: when not,
    # the channel offers none and says why (okrs.nudges.services.snooze_time).
    snooze_offered: bool = True


@dataclass(frozen=True)
class AlertMessage:
    """A short notice to one person: a drifting or off-track key result, a lead's digest."""

    subject: str
    text: str  # plain text, complete on its own
    url: str = ""  # where to act on it
    lines: tuple[str, ...] = field(default_factory=tuple)


class Channel:
    """Base class of a channel. Implementations raise DeliveryError on failure."""

    name: str = ""

    def is_configured(self) -> bool:
        """Whether the channel can deliver at all (credentials installed)."""
        return True

    def can_reach(self, person: Person) -> bool:
        """Whether this person can be reached here (e.g. matched to a Slack user)."""
        return self.is_configured()

    def prepare(self, people: Iterable[Person]) -> None:
        """Read at once what messaging these people will need (the sender calls this once per
        batch, before `can_reach` and the sends); channels with nothing to read ignore it."""

    def send_nudge(self, person: Person, message: NudgeMessage) -> str:
        """Deliver a nudge; return the provider's message id (or "" when there is none)."""
        raise NotImplementedError

    def send_alert(self, person: Person, message: AlertMessage) -> str:
        raise NotImplementedError


def load_channel(name: str) -> Channel:
    try:
        dotted = CHANNELS[name].channel
    except KeyError:
        raise LookupError(f"no channel named {name!r}") from None
    module_name, _, class_name = dotted.rpartition(".")
    channel_class = getattr(importlib.import_module(module_name), class_name)
    channel: Channel = channel_class()
    return channel


def channel_for(person: Person, loaded: dict[str, Channel] | None = None) -> Channel:
    """The person's own channel when it can reach them, else email (the fallback).

    `loaded` holds the channels already made for this batch of messages, by name: the sender
    makes each channel once per batch, so that what it read for the batch is reused.
    """
    loaded = {} if loaded is None else loaded

    def get(name: str) -> Channel:
        if name not in loaded:
            loaded[name] = load_channel(name)
        return loaded[name]

    if person.channel != EMAIL and person.channel in CHANNELS:
        channel = get(person.channel)
        if channel.can_reach(person):
            return channel
    return get(EMAIL)
