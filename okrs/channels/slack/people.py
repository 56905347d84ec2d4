"""Who is who: a person in okrs and their user in a Slack workspace, matched by email.

Both directions are cached in SlackAccount. Outgoing (a nudge to a person) uses
`users.lookupByEmail`; incoming (a click by a Slack user) uses `users.info` and the email of
the profile. An unknown Slack user is never cached, so adding them to okrs works at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from okrs.channels.base import DeliveryError
from okrs.channels.slack.errors import USER_MISSING, delivery_error, slack_error_code
from okrs.channels.slack.models import Installation, SlackAccount
from okrs.org.models import Person

# A person not found in a workspace is looked up again after this long.
MISS_TTL = dt.timedelta(days=1)


def web_client(token: str | None = None) -> WebClient:
    """A Web API client for settings.SLACK_API_URL.

    With no retry handlers: a 429 or a dropped connection comes back to the caller at once, and
    the nudge row (not the client, sleeping in a worker) decides when to try again.
    """
    return WebClient(token=token, base_url=settings.SLACK_API_URL, retry_handlers=[], timeout=15)


@transaction.atomic
def remember(*, person: Person, team_id: str, user_id: str) -> None:
    """Cache a match (or, with user_id "", a miss) for this person in this workspace."""
    if user_id:
        # The Slack user was someone else in okrs before (an email changed hands).
        SlackAccount.objects.filter(team_id=team_id, user_id=user_id).exclude(
            person=person
        ).delete()
    SlackAccount.objects.update_or_create(
        person=person,
        team_id=team_id,
        defaults={"user_id": user_id, "checked_at": timezone.now()},
    )


def forget(*, person: Person, team_id: str) -> None:
    SlackAccount.objects.filter(person=person, team_id=team_id).delete()


def find_slack_user(person: Person) -> tuple[Installation, str]:
    """The workspace and user id to message this person, looking them up by email if needed.

    Raises DeliveryError: permanent when no installed workspace knows the person, temporary
    (or with retry_after) when Slack could not answer now.
    """
    installations = list(Installation.objects.order_by("installed_at", "id"))
    if not installations:
        raise DeliveryError("slack: the app is not installed in any workspace", permanent=True)
    accounts = {a.team_id: a for a in SlackAccount.objects.filter(person=person)}
    now = timezone.now()
    # What went wrong in the workspaces that did not find the person, other than "no such user".
    failures: list[DeliveryError] = []
    for installation in installations:
        account = accounts.get(installation.team_id)
        if account and account.user_id:
            return installation, account.user_id
        if account and now - account.checked_at < MISS_TTL:
            continue  # not there a moment ago
        try:
            answer = web_client(installation.bot_token).users_lookupByEmail(email=person.email)
        except SlackApiError as exc:
            if slack_error_code(exc) in USER_MISSING:
                remember(person=person, team_id=installation.team_id, user_id="")
            else:
                failures.append(delivery_error(exc))
            continue
        except OSError as exc:
            failures.append(delivery_error(exc))
            continue
        user_id = str(answer["user"]["id"])
        with contextlib.suppress(IntegrityError):  # another worker cached it at the same moment
            remember(person=person, team_id=installation.team_id, user_id=user_id)
        return installation, user_id
    # A workspace that could not answer now may still know the person: try again later.
    temporary = [f for f in failures if not f.permanent]
    if temporary:
        raise max(temporary, key=lambda f: f.retry_after or 0)
    if failures:
        raise failures[0]  # e.g. token_revoked: the admin has to reinstall
    raise DeliveryError(f"slack: no Slack user with the email of {person.email}", permanent=True)


def person_for_slack_user(*, client: WebClient, team_id: str, user_id: str) -> Person | None:
    """The active person behind a Slack user (matched by the email of their profile), or None.

    Raises SlackApiError when Slack cannot tell who the user is right now.
    """
    account = (
        SlackAccount.objects.filter(team_id=team_id, user_id=user_id)
        .select_related("person")
        .first()
    )
    if account is not None and account.person.is_active:
        return account.person
    user = client.users_info(user=user_id)["user"]
    email = (user.get("profile") or {}).get("email") or ""
    if not email or user.get("deleted") or user.get("is_bot"):
        return None
    person = Person.objects.filter(email__iexact=email, is_active=True).first()
    if person is not None:
        with contextlib.suppress(IntegrityError):  # cached by a concurrent request
            remember(person=person, team_id=team_id, user_id=user_id)
    return person
