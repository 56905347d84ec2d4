"""Writes made from Slack about the installation's life cycle (install, uninstall), each
audited. Check-ins from the modal and the "No change" button go through
okrs.goals.checkins.services like every other submission (see handlers.py)."""

from __future__ import annotations

import logging

from django.db import transaction
from slack_sdk.errors import SlackApiError

from okrs.channels.slack.models import Installation, SlackAccount
from okrs.channels.slack.people import web_client
from okrs.org.audit import Actor, record

logger = logging.getLogger(__name__)

CHANNEL = "slack"


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
