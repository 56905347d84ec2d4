"""The glue every chat channel shares: claiming a button press once, and showing the key
results as they stand after a check-in.

A channel's handlers call these instead of keeping their own copy; the check-ins themselves
go through okrs.goals.checkins.services like every other submission.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone

from okrs.channels.base import DueKeyResult
from okrs.channels.models import HandledInteraction
from okrs.goals.checkins.services import statuses

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
    """The key results as a confirmation shows them, with their status after the check-in."""
    return [DueKeyResult.of(kr, result) for kr, result in statuses(key_result_ids, as_of=now)]
