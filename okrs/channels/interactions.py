"""The glue every chat channel shares: claiming a button press once, knowing which answers of a
submitted form are milestones', and showing the key results as they stand after a check-in.

A channel's handlers call these instead of keeping their own copy; the check-ins themselves
go through okrs.goals.checkins.services like every other submission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from okrs.channels.base import DueKeyResult
from okrs.channels.models import HandledInteraction
from okrs.goals.checkins.services import statuses
from okrs.goals.models import KeyResult, Kind

# Long after a message could still be pressed: old claims are dropped as new ones come in.
MEMORY = dt.timedelta(days=30)
KEY_LENGTH = HandledInteraction._meta.get_field("key").max_length or 300


def claim_interaction(*, channel: str, key: str) -> bool:
    """True for the first request about this press, False for a repeat (any worker, any
    process: the unique row decides)."""
    try:
        with transaction.atomic():
            HandledInteraction.objects.create(channel=channel, key=key[:KEY_LENGTH])
    except IntegrityError:
        return False
    HandledInteraction.objects.filter(created_at__lt=timezone.now() - MEMORY).delete()
    return True


def release_interaction(*, channel: str, key: str) -> None:
    """Forget a claim whose press changed nothing (a refused Save): the same press sent again
    must be tried again."""
    HandledInteraction.objects.filter(channel=channel, key=key[:KEY_LENGTH]).delete()


def shown_after_checkin(key_result_ids: Sequence[int], now: dt.datetime) -> list[DueKeyResult]:
    """The key results as a confirmation (or a form answered back) shows them, with their
    status after the check-in."""
    return [
        DueKeyResult.of(state.key_result, state.result, said=state.said_by_a_person)
        for state in statuses(key_result_ids, as_of=now)
    ]


def milestone_ids(key_results: Mapping[int, KeyResult]) -> frozenset[int]:
    """Those of `key_results` (as a submitted form's, read once to record them) whose value is
    a milestone's, done (1) or not done (0): the answer is read as a choice for them whatever
    the form sent, so a forged form cannot give a milestone some other number."""
    return frozenset(kr_id for kr_id, kr in key_results.items() if kr.kind == Kind.MILESTONE)
