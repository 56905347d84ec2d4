"""Signed "my check-ins" links in nudge emails, and the page a lead's mail links to.

The link carries the person and the nudge, signed with the secret key and a salt of its own
(so no other signed value of the project can be replayed as a link). It is valid until the end
of the nudge's cycle week. Anyone holding the link may check in on that person's due key
results, as an email reply would: the same trust as a password-reset link.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "okrs.nudges.checkin-link"


class LinkInvalid(Exception):
    """The link was altered or is not one of ours (answered with 400)."""


class LinkExpired(Exception):
    """The link's cycle week is over (answered with 410)."""


@dataclass(frozen=True)
class CheckinLink:
    person_id: int
    nudge_id: int
    expires_at: dt.datetime


def make_token(*, person_id: int, nudge_id: int, expires_at: dt.datetime) -> str:
    payload = {"p": person_id, "n": nudge_id, "e": int(expires_at.timestamp())}
    return signing.dumps(payload, salt=SALT, compress=True)


def checkin_url(*, person_id: int, nudge_id: int, expires_at: dt.datetime) -> str:
    token = make_token(person_id=person_id, nudge_id=nudge_id, expires_at=expires_at)
    return f"{settings.BASE_URL}/nudges/checkin/{token}/"


def teams_url(team_keys: Sequence[str]) -> str:
    """Where a lead acts on a mail about their teams: the team's page when it is about one
    (its sub-teams are on it), else the dashboard."""
    if len(team_keys) == 1:
        return settings.BASE_URL + reverse("team", kwargs={"key": team_keys[0]})
    return f"{settings.BASE_URL}/"


def read_token(token: str, *, now: dt.datetime) -> CheckinLink:
    try:
        payload = signing.loads(token, salt=SALT)
        link = CheckinLink(
            person_id=int(payload["p"]),
            nudge_id=int(payload["n"]),
            expires_at=dt.datetime.fromtimestamp(int(payload["e"]), dt.UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError) as exc:
        raise LinkInvalid("this link is not valid: it may have been cut or changed") from exc
    if now >= link.expires_at:
        raise LinkExpired(
            "this link expired at the end of its check-in week "
            f"({link.expires_at:%Y-%m-%d %H:%M} UTC)"
        )
    return link
