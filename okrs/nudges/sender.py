"""Sending nudges exactly once.

A worker claims a row with one conditional UPDATE (pending and due -> sending, or a claim not
renewed for claims.LEASE taken over from a worker that died) and checks the row count: only the
worker whose UPDATE changed the row talks to the provider. The claim is committed before the
provider is called, so two workers, a retry of the task, or a restart all find the row taken;
while the provider is called, `claimed_at` is renewed (okrs/claims.py), so a slow provider is
not mistaken for a dead worker and a killed worker's row is taken over within two minutes.
Every outcome is written with another conditional UPDATE on (state = sending, claimed_by = me),
so a worker that lost its claim to a takeover can never overwrite the newer result.

Batches: a pass claims up to BATCH_SIZE due rows with that one conditional UPDATE (on
PostgreSQL the candidates are picked FOR UPDATE SKIP LOCKED, so two workers take different
rows instead of queueing behind each other's), renews them with one keeper, and builds every
message of the batch from one reading of what is due (selectors.due_key_results_of) and one
reading of who is who on each channel (Channel.prepare). Each row's outcome is still written
alone, right after its provider answered, so the window in which a crash could send a message
twice stays a few milliseconds.

Failures: a provider's Retry-After puts the row back to pending at that time (not counted as
an attempt); a short one (at most WAIT_IN_PASS) is waited out instead, holding the claims, and
the same row is tried again: a pass under a rate limit sends at the limit's pace rather than
stopping until the next minute's tick. A temporary failure retries with exponential backoff; a
permanent one (or too many temporary ones) marks the row failed with its error, shown to admins
on /settings/nudges/, and queues an email copy of the same message as a row of its own.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from okrs import claims
from okrs.channels.base import (
    CHANNELS,
    Channel,
    DeliveryError,
    NudgeMessage,
    channel_for,
    load_channel,
)
from okrs.nudges import schedule
from okrs.nudges.insight_messages import build_insight
from okrs.nudges.models import INSIGHT_KINDS, Nudge, NudgeKind, NudgeState
from okrs.nudges.services import build_alert, build_message, build_messages
from okrs.org.models import Person

log = logging.getLogger(__name__)

SENT = "sent"
FAILED = "failed"
RETRY = "retry"
CANCELLED = "cancelled"
SKIPPED = "skipped"  # someone else holds the row
WAIT = "wait"  # rate limited for a moment: wait, then try the same row again

# Rows claimed at once. A batch is read in a fixed number of queries, so larger batches cost
# fewer statements per message; but its messages are built when it starts, so a batch should
# not outlast a few seconds at a chat API's pace (Slack: about a hundred messages a second).
BATCH_SIZE = 50
# A Retry-After up to this long is waited out within the pass (claims held and renewed);
# a longer one puts the rows back to pending and ends the pass for that channel.
WAIT_IN_PASS = dt.timedelta(seconds=10)
# How many times one row waits within a pass before it is put back like a long wait.
WAITS_PER_ROW = 3
# How long one batch may wait in all: its claims are renewed for claims.LONGEST_HOLD at most,
# and the rows it has not reached should go back to the pool well before that.
WAITING_PER_BATCH = dt.timedelta(minutes=1)


def worker_name() -> str:
    """Who holds a claim: host, process and thread, for admins reading a stuck row."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:100]


def claimable(now: dt.datetime) -> Q:
    return Q(state=NudgeState.PENDING, next_attempt_at__lte=now) | Q(
        state=NudgeState.SENDING, claimed_at__lt=now - claims.LEASE
    )


def claim(nudge_id: int, *, worker: str, now: dt.datetime) -> bool:
    """Take the row for sending; True only for the one worker whose UPDATE changed it."""
    changed = Nudge.objects.filter(claimable(now), pk=nudge_id).update(
        state=NudgeState.SENDING,
        claimed_at=now,
        claimed_by=worker,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    return changed == 1


def claim_batch(*, worker: str, now: dt.datetime, limit: int) -> tuple[bool, list[int]]:
    """Claim up to `limit` due rows; whether any was due, and the ids this worker got.

    The claim is the same conditional UPDATE as `claim`'s, for many rows at once: only rows
    still claimable change, and the rows that carry this claim afterwards (this worker, this
    instant) are ours. Candidates locked by another worker's claim are skipped, not waited for.
    """
    with transaction.atomic():
        candidates = Nudge.objects.filter(claimable(now)).order_by("next_attempt_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("id", flat=True)[:limit])
        if not ids:
            return False, []
        Nudge.objects.filter(claimable(now), pk__in=ids).update(
            state=NudgeState.SENDING,
            claimed_at=now,
            claimed_by=worker,
            attempts=F("attempts") + 1,
            updated_at=now,
        )
    mine = Nudge.objects.filter(
        pk__in=ids, state=NudgeState.SENDING, claimed_by=worker, claimed_at=now
    ).values_list("id", flat=True)
    return True, list(mine)


def renew(nudge_id: int, worker: str, at: dt.datetime) -> bool:
    """Mark our claim alive at `at`; False once another worker holds the row."""
    held = Nudge.objects.filter(pk=nudge_id, state=NudgeState.SENDING, claimed_by=worker)
    return held.update(claimed_at=at) == 1


def describe(channel_name: str, exc: BaseException) -> str:
    """The error as admins read it, naming the channel once."""
    text = str(exc)
    if not channel_name or text.startswith(f"{channel_name}:"):
        return text
    return f"{channel_name}: {text}"


def _finish(nudge_id: int, worker: str, **fields: object) -> bool:
    """Write an outcome, only while we still hold the claim."""
    changed = Nudge.objects.filter(pk=nudge_id, state=NudgeState.SENDING, claimed_by=worker).update(
        claimed_at=None, claimed_by="", **fields
    )
    if changed != 1:
        log.warning(
            "nudge %s: claim lost to another worker before its result was written", nudge_id
        )
    return changed == 1


def _channel(nudge: Nudge, loaded: dict[str, Channel] | None = None) -> Channel:
    # An email copy stays email, whatever the person's channel has become since.
    if nudge.fallback_of_id is not None:
        if loaded is None:
            return load_channel("email")
        if "email" not in loaded:
            loaded["email"] = load_channel("email")
        return loaded["email"]
    return channel_for(nudge.person, loaded)


@dataclass
class Pauses:
    """Channels that answered "slow down" during this pass, and until when."""

    until: dict[str, dt.datetime] = field(default_factory=dict)


def send_one(
    nudge_id: int,
    *,
    worker: str | None = None,
    now: dt.datetime | None = None,
    pauses: Pauses | None = None,
) -> str:
    """Claim and send one row; the outcome (SENT, RETRY, FAILED, CANCELLED or SKIPPED)."""
    worker = worker or worker_name()
    moment = now or timezone.now()
    if not claim(nudge_id, worker=worker, now=moment):
        return SKIPPED
    [outcome] = _send_batch(
        [nudge_id], worker=worker, clock=lambda: moment, pauses=pauses, sleep=None
    )
    return outcome


class _Held:
    """The rows of a batch still claimed and unfinished, renewed together by one keeper."""

    def __init__(self, ids: Sequence[int], worker: str) -> None:
        self._ids = set(ids)
        self._worker = worker
        self._lock = threading.Lock()

    def done(self, nudge_id: int) -> None:
        with self._lock:
            self._ids.discard(nudge_id)

    def renew(self, at: dt.datetime) -> bool:
        """Mark our unfinished claims alive at `at`; False once none of them is ours."""
        with self._lock:
            ids = list(self._ids)
        if not ids:
            return False
        held = Nudge.objects.filter(pk__in=ids, state=NudgeState.SENDING, claimed_by=self._worker)
        return held.update(claimed_at=at) > 0


def _send_batch(
    ids: Sequence[int],
    *,
    worker: str,
    clock: Callable[[], dt.datetime],
    pauses: Pauses | None,
    sleep: Callable[[float], None] | None,
) -> list[str]:
    """Send the claimed rows `ids`; their outcomes. `sleep` None: never wait for a rate limit."""
    started = clock()
    held = _Held(ids, worker)
    # Renewed while the providers are talked to; a worker that dies stops renewing.
    with claims.kept(held.renew, claimed_at=started):
        nudges = list(
            Nudge.objects.select_related("person", "cycle")
            .filter(pk__in=ids)
            .order_by("next_attempt_at", "id")
        )
        loaded = _prepared_channels(nudges)
        messages = _messages(nudges, started)
        outcomes = []
        budget = WAITING_PER_BATCH.total_seconds() if sleep is not None else 0.0
        for nudge in nudges:
            waits = 0
            while True:
                outcome, wait_for = _send_claimed(
                    nudge, worker, clock(), pauses, loaded, messages,
                    may_wait=budget if waits < WAITS_PER_ROW else 0.0,
                )  # fmt: skip
                if outcome != WAIT or sleep is None:
                    break
                # The provider asked for a moment: wait it out holding the claim, then the
                # same row again (the rest of the batch waits too, it would only be refused).
                waits += 1
                budget -= wait_for
                sleep(wait_for)
            held.done(nudge.pk)
            outcomes.append(outcome)
        return outcomes


def _messages(nudges: list[Nudge], now: dt.datetime) -> dict[int, NudgeMessage]:
    """The messages of the batch's nudges (not alerts or digests), read in one go."""
    asks = [n for n in nudges if n.kind not in INSIGHT_KINDS and n.kind != NudgeKind.DIGEST]
    if not asks:
        return {}
    try:
        return build_messages(asks, now=now)
    except Exception:
        # One row's bad data must not hold the others: each is then built on its own when it
        # is sent, where a failure retries that row only (see _send_claimed).
        log.exception("building a batch of %d nudges failed; building them one by one", len(asks))
        return {}


def _prepared_channels(nudges: list[Nudge]) -> dict[str, Channel]:
    """Each channel the batch may use, made once and told whom it will message."""
    loaded: dict[str, Channel] = {}
    by_channel: dict[str, list[Person]] = {}
    for nudge in nudges:
        name = "email" if nudge.fallback_of_id is not None else nudge.person.channel
        if name in CHANNELS:
            by_channel.setdefault(name, []).append(nudge.person)
    for name, people in by_channel.items():
        try:
            loaded[name] = load_channel(name)
            loaded[name].prepare(people)
        except Exception:  # a broken channel package: each row reports it (see _send_claimed)
            log.exception("preparing channel %s failed", name)
            loaded.pop(name, None)
    return loaded


def _send_claimed(
    nudge: Nudge,
    worker: str,
    now: dt.datetime,
    pauses: Pauses | None,
    loaded: dict[str, Channel],
    messages: dict[int, NudgeMessage],
    *,
    may_wait: float,
) -> tuple[str, float]:
    """One claimed row: its outcome, and with WAIT the seconds to wait before trying again.

    `may_wait`: how many seconds of a rate limit this row may wait out (0: none)."""
    nudge_id = nudge.pk
    person = nudge.person
    if nudge.expires_at is not None and now >= nudge.expires_at:
        _finish(nudge_id, worker, state=NudgeState.CANCELLED, updated_at=now,
                last_error="its check-in week ended before it could be sent")  # fmt: skip
        return CANCELLED, 0.0
    if not person.is_active:
        _finish(nudge_id, worker, state=NudgeState.CANCELLED, updated_at=now,
                last_error="the person is no longer active")  # fmt: skip
        return CANCELLED, 0.0
    try:
        channel = _channel(nudge, loaded)
    except Exception as exc:  # a broken channel package must not stop the other nudges
        log.exception("nudge %s: choosing a channel failed", nudge_id)
        return _failed_temporarily(nudge, worker, now, "", DeliveryError(str(exc))), 0.0
    if pauses is not None and channel.name in pauses.until and pauses.until[channel.name] > now:
        # The provider asked us to wait: hand the row back untouched rather than be refused.
        _finish(nudge_id, worker, state=NudgeState.PENDING, updated_at=now,
                next_attempt_at=pauses.until[channel.name], attempts=F("attempts") - 1)  # fmt: skip
        return RETRY, 0.0
    try:
        if nudge.kind in INSIGHT_KINDS:
            # Alerts, the leadership digest, the retrospective prompt: worded now from the
            # current state by the builder registered for the kind; None: no longer applies.
            alert = build_insight(nudge, now=now)
            if alert is None:
                _finish(nudge_id, worker, state=NudgeState.CANCELLED, channel=channel.name,
                        updated_at=now, last_error="")  # fmt: skip
                log.info("%s %s cancelled: it no longer applies", nudge.kind, nudge_id)
                return CANCELLED, 0.0
            message_id = channel.send_alert(person, alert)
        elif nudge.kind == NudgeKind.DIGEST:
            message_id = channel.send_alert(person, build_alert(nudge, now=now))
        else:
            message = messages.get(nudge_id) or build_message(nudge, now=now)
            if not message.key_results:
                _finish(nudge_id, worker, state=NudgeState.CANCELLED, channel=channel.name,
                        updated_at=now, last_error="")  # fmt: skip
                log.info("nudge %s cancelled: nothing is due any more", nudge_id)
                return CANCELLED, 0.0
            message_id = channel.send_nudge(person, message)
    except DeliveryError as exc:
        if _short_rate_limit(exc, may_wait):
            return WAIT, float(exc.retry_after or 0.0)
        return _delivery_failed(nudge, worker, now, channel.name, exc, pauses), 0.0
    except Exception as exc:  # an unexpected bug in a channel: retry, never lose the nudge
        log.exception("nudge %s: channel %s raised", nudge_id, channel.name)
        error = DeliveryError(repr(exc))
        return _failed_temporarily(nudge, worker, now, channel.name, error), 0.0
    # `now` is the pass's clock (the tests' and the benchmark's too), a few ms before the send.
    _finish(nudge_id, worker, state=NudgeState.SENT, sent_at=now, channel=channel.name,
            provider_message_id=(message_id or "")[:200], updated_at=now)  # fmt: skip
    return SENT, 0.0


def _short_rate_limit(exc: DeliveryError, may_wait: float) -> bool:
    return (
        not exc.permanent
        and exc.retry_after is not None
        and exc.retry_after <= min(WAIT_IN_PASS.total_seconds(), may_wait)
    )


def _delivery_failed(
    nudge: Nudge,
    worker: str,
    now: dt.datetime,
    channel_name: str,
    exc: DeliveryError,
    pauses: Pauses | None,
) -> str:
    error = describe(channel_name, exc)
    if exc.retry_after is not None and not exc.permanent:
        resume = now + dt.timedelta(seconds=max(0.0, float(exc.retry_after)))
        if pauses is not None:
            pauses.until[channel_name] = max(resume, pauses.until.get(channel_name, resume))
        # A rate limit is not the message's fault: it does not count as an attempt.
        _finish(nudge.pk, worker, state=NudgeState.PENDING, next_attempt_at=resume,
                attempts=F("attempts") - 1, channel=channel_name, last_error=error,
                updated_at=now)  # fmt: skip
        return RETRY
    if not exc.permanent and nudge.attempts < schedule.MAX_ATTEMPTS:
        return _failed_temporarily(nudge, worker, now, channel_name, exc)
    return _failed_permanently(nudge, worker, now, channel_name, error)


def _failed_temporarily(
    nudge: Nudge, worker: str, now: dt.datetime, channel_name: str, exc: DeliveryError
) -> str:
    _finish(nudge.pk, worker, state=NudgeState.PENDING,
            next_attempt_at=now + schedule.backoff(nudge.attempts), channel=channel_name,
            last_error=describe(channel_name, exc),
            updated_at=now)  # fmt: skip
    return RETRY


@transaction.atomic
def _failed_permanently(
    nudge: Nudge, worker: str, now: dt.datetime, channel_name: str, error: str
) -> str:
    if not _finish(nudge.pk, worker, state=NudgeState.FAILED, channel=channel_name,
                   last_error=error, updated_at=now):  # fmt: skip
        return SKIPPED
    log.warning("nudge %s to person %s failed: %s", nudge.pk, nudge.person_id, error)
    if channel_name != "email" and nudge.fallback_of_id is None:
        # The same message by email, as a row of its own: claimed, retried and counted like
        # any other, so the fallback is exactly-once too.
        try:
            with transaction.atomic():
                Nudge.objects.create(
                    person_id=nudge.person_id,
                    kind=nudge.kind,
                    week_start=nudge.week_start,
                    cycle_id=nudge.cycle_id,
                    key_result_ids=nudge.key_result_ids,
                    team_keys=nudge.team_keys,
                    key_result_id=nudge.key_result_id,
                    due_at=now,
                    next_attempt_at=now,
                    expires_at=nudge.expires_at,
                    channel="email",
                    fallback_of=nudge,
                    created_at=now,
                    updated_at=now,
                )
        except IntegrityError:
            pass  # already queued
    return FAILED


@dataclass
class SendReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    skipped: int = 0

    def add(self, outcome: str) -> None:
        attribute = {SENT: "sent", RETRY: "retried", FAILED: "failed", CANCELLED: "cancelled"}
        name = attribute.get(outcome, "skipped")
        setattr(self, name, getattr(self, name) + 1)

    def __str__(self) -> str:
        return (
            f"{self.sent} sent, {self.retried} to retry, {self.failed} failed, "
            f"{self.cancelled} cancelled, {self.skipped} taken by another worker"
        )


def due_ids(now: dt.datetime, limit: int | None = None) -> list[int]:
    query = Nudge.objects.filter(claimable(now)).order_by("next_attempt_at", "id")
    ids = query.values_list("id", flat=True)
    return list(ids[:limit] if limit else ids)


def send_due(
    *,
    now: Callable[[], dt.datetime] = timezone.now,
    worker: str | None = None,
    limit: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SendReport:
    """Send every row due now (and every email fallback they queue); returns the counts.

    Rows are claimed `limit` (default BATCH_SIZE) at a time until none is due. `sleep` waits
    out a short Retry-After (tests give a recorder).
    """
    worker = worker or worker_name()
    report = SendReport()
    pauses = Pauses()
    while True:
        any_due, ids = claim_batch(worker=worker, now=now(), limit=limit or BATCH_SIZE)
        if not any_due:
            return report
        if not ids:
            continue  # another worker claimed those first; others may be left
        for outcome in _send_batch(ids, worker=worker, clock=now, pauses=pauses, sleep=sleep):
            report.add(outcome)
