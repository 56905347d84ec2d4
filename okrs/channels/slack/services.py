"""Writes made from Slack: check-ins from the modal and the "No change" button, and the
installation's life cycle (install, uninstall), each audited.

Permission to check in is decided by record_checkin, never here: a Slack button only says
which key results the message listed.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from slack_sdk.errors import SlackApiError

from okrs.channels.base import DueKeyResult
from okrs.channels.slack import blocks
from okrs.channels.slack.models import HandledClick, Installation, SlackAccount
from okrs.channels.slack.people import web_client
from okrs.checkins.models import CheckIn, Source
from okrs.checkins.services import (
    CheckInInvalid,
    CheckInsRefused,
    key_results_by_id,
    record_checkin,
    record_checkins,
)
from okrs.goals.evaluation import evaluate_key_result
from okrs.goals.models import KeyResult
from okrs.org.audit import Actor, record
from okrs.org.models import Organisation, Person
from okrs.org.permissions import PermissionDenied

logger = logging.getLogger(__name__)

CHANNEL = "slack"


class SubmissionRefused(Exception):
    """Some check-ins of a modal were refused; none was recorded. Errors keyed by block id."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(errors.values()))
        self.errors = errors


def record_modal_checkins(
    *, person: Person, entries: Sequence[blocks.CheckInEntry], now: dt.datetime | None = None
) -> list[CheckIn]:
    """Record every check-in of a submitted modal, or none of them (SubmissionRefused)."""
    try:
        return record_checkins(actor=Actor(person, CHANNEL), entries=entries, at=now)
    except CheckInsRefused as exc:
        automatic = {entry.key_result_id for entry in entries if entry.value is None}
        # An automatic key result has no value input: its error goes beside the confidence.
        raise SubmissionRefused(
            {
                (
                    blocks.confidence_block_id(kr_id)
                    if kr_id in automatic
                    else blocks.value_block_id(kr_id)
                ): blocks.short_error(message)
                for kr_id, message in exc.errors.items()
            }
        ) from exc


# Long after a message could still be clicked: old claims are dropped as new ones come in.
CLICK_MEMORY = dt.timedelta(days=30)


def claim_click(*, key: str) -> bool:
    """True for the first request about this button of this message, False for a repeat."""
    try:
        with transaction.atomic():
            HandledClick.objects.create(key=key[:200])
    except IntegrityError:
        return False
    HandledClick.objects.filter(created_at__lt=timezone.now() - CLICK_MEMORY).delete()
    return True


def latest_confidence(kr: KeyResult) -> str | None:
    """The confidence of the latest check-in by a person: what "No change" confirms."""
    row = (
        CheckIn.objects.filter(key_result=kr)
        .exclude(source=Source.SYNC)
        .order_by("-at", "-id")
        .values_list("confidence", flat=True)
        .first()
    )
    return row or None


@dataclass(frozen=True)
class NoChangeResult:
    recorded: list[CheckIn]
    problems: list[str]  # one sentence per key result that could not be confirmed


def record_no_change(
    *, person: Person, key_result_ids: Sequence[int], now: dt.datetime | None = None
) -> NoChangeResult:
    """Keep each value and confirm its confidence; one refusal does not block the others."""
    actor = Actor(person, CHANNEL)
    key_results = key_results_by_id(key_result_ids)
    recorded: list[CheckIn] = []
    problems: list[str] = []
    for kr_id in key_result_ids:
        kr = key_results.get(kr_id)
        if kr is None:
            continue  # deleted since the nudge went out: nothing to confirm
        try:
            recorded.append(
                record_checkin(
                    key_result=kr,
                    value=None,
                    actor=actor,
                    confidence=latest_confidence(kr),
                    at=now,
                )
            )
        except (CheckInInvalid, PermissionDenied) as exc:
            problems.append(f"{kr.title}: {exc}")
    return NoChangeResult(recorded, problems)


def states_of(key_result_ids: Sequence[int], now: dt.datetime) -> list[DueKeyResult]:
    """The key results as a confirmation shows them, with their status after the check-in."""
    org = Organisation.current()
    key_results = key_results_by_id(key_result_ids)
    shown = []
    for kr_id in key_result_ids:
        kr = key_results.get(kr_id)
        if kr is None:
            continue
        result = evaluate_key_result(kr, as_of=now, organisation=org).result
        shown.append(DueKeyResult.of(kr, result))
    return shown


def _public(installation: Installation) -> dict[str, object]:
    """What the audit log keeps of an installation: never its tokens."""
    return {
        "team_id": installation.team_id,
        "team_name": installation.team_name,
        "enterprise_id": installation.enterprise_id,
        "bot_user_id": installation.bot_user_id,
        "scopes": installation.bot_scopes,
    }


def forget_workspace(*, enterprise_id: str, team_id: str) -> None:
    """Slack says the app was uninstalled or its bot token revoked: drop the workspace."""
    actor = Actor(None, CHANNEL, trusted=True)
    for installation in Installation.objects.filter(enterprise_id=enterprise_id, team_id=team_id):
        uninstall(actor=actor, installation=installation, revoke=False)


@transaction.atomic
def record_installation(*, actor: Actor, enterprise_id: str, team_id: str) -> Installation | None:
    """Note who installed the app (the OAuth flow has saved the row) in the row and the log."""
    installation = Installation.objects.filter(enterprise_id=enterprise_id, team_id=team_id).first()
    if installation is None:
        return None
    Installation.objects.filter(pk=installation.pk).update(installed_by=actor.person)
    record(
        actor,
        action="create",
        entity="slack_installation",
        ref=team_id or enterprise_id,
        after=_public(installation),
    )
    return installation


def uninstall(*, actor: Actor, installation: Installation, revoke: bool = True) -> None:
    """Forget a workspace: its token, and who is who in it. The token is revoked at Slack too
    (unless Slack itself told us it is gone); a failed revocation does not block the uninstall."""
    token = installation.bot_token
    with transaction.atomic():
        before = _public(installation)
        SlackAccount.objects.filter(team_id=installation.team_id).delete()
        installation.delete()
        record(
            actor,
            action="delete",
            entity="slack_installation",
            ref=before["team_id"] or before["enterprise_id"],  # type: ignore[arg-type]
            before=before,
        )
    if not revoke:
        return
    try:
        web_client(token).auth_revoke()
    except (SlackApiError, OSError) as exc:
        logger.info("slack: revoking the token of an uninstalled workspace failed: %s", exc)
