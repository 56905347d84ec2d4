"""Who is who: a person in okrs and their user in a Slack workspace, matched by email.

Both directions are cached in SlackAccount. Outgoing (a nudge to a person) uses
`users.lookupByEmail`; incoming (a click by a Slack user) uses `users.info` and the email of
the profile. An unknown Slack user is never cached, so adding them to okrs works at once.
Matches are checked again after MATCH_TTL, misses after MISS_TTL; the nudge sender reads a
whole batch's matches at once through a SlackDirectory.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from okrs.channels.base import DeliveryError
from okrs.channels.slack.errors import USER_MISSING, delivery_error, slack_error_code
from okrs.channels.slack.models import Installation, SlackAccount
from okrs.org.models import Person

# A person not found in a workspace is looked up again after this long.
MISS_TTL = dt.timedelta(days=1)
# A match is checked again after this long, so that a Slack account whose email now belongs
# to someone else stops receiving that person's nudges within a month even if every message
# to it still succeeds. Weekly nudges then cost one users.lookupByEmail per person a month
# (Slack allows that method only about 50 calls a minute). A match that fails sooner (the
# user left, the DM is gone) is forgotten at once by the channel.
MATCH_TTL = dt.timedelta(days=30)


def web_client(token: str | None = None) -> WebClient:
    """A Web API client for settings.SLACK_API_URL.

    With no retry handlers: a 429 or a dropped connection comes back to the caller at once, and
    the nudge row (not the client, sleeping in a worker) decides when to try again.
    """
    return WebClient(token=token, base_url=settings.SLACK_API_URL, retry_handlers=[], timeout=15)


def remember(*, person: Person, team_id: str, user_id: str) -> None:
    """Cache a match (or, with user_id "", a miss) for this person in this workspace.

    One upsert in the usual case: the first message of a week to thousands of people
    remembers thousands of matches, each while the sender holds its claims. Only when the
    Slack user was someone else's in okrs before (an email changed hands) does the unique
    user id refuse it; then that other match is dropped first, in one transaction.
    """
    account = SlackAccount(
        person=person, team_id=team_id, user_id=user_id, checked_at=timezone.now()
    )
    try:
        # Inside a caller's transaction a refused insert must not poison it: a savepoint.
        with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
            _upsert(account)
    except IntegrityError:
        if not user_id:
            raise
        with transaction.atomic():
            SlackAccount.objects.filter(team_id=team_id, user_id=user_id).exclude(
                person=person
            ).delete()
            _upsert(account)


def _upsert(account: SlackAccount) -> None:
    SlackAccount.objects.bulk_create(
        [account],
        update_conflicts=True,
        unique_fields=["person", "team_id"],
        update_fields=["user_id", "checked_at"],
    )


def forget(*, person: Person, team_id: str) -> None:
    SlackAccount.objects.filter(person=person, team_id=team_id).delete()


def find_slack_user(person: Person) -> tuple[Installation, str]:
    """The workspace and user id to message this person, looking them up by email if needed.

    Raises DeliveryError: permanent when no installed workspace knows the person, temporary
    (or with retry_after) when Slack could not answer now.
    """
    return SlackDirectory().find(person)


class SlackDirectory:
    """Who is who in Slack, read once for a batch of messages rather than once per message.

    The installed workspaces are read (and their tokens decrypted) once, the cached matches of
    a whole batch of people in one query (`load`), and each person's answer is kept, so that
    choosing the channel and posting the message ask once between them. It lives as long as
    one batch of the nudge sender (seconds): a reinstalled app or a match forgotten elsewhere
    is seen by the next batch. What is kept across batches and processes is the database's
    SlackAccount, the only truth a second worker shares.
    """

    def __init__(self) -> None:
        self._installations: list[Installation] | None = None
        self._accounts: dict[int, dict[str, SlackAccount]] = {}
        self._found: dict[int, tuple[Installation, str]] = {}
        self._clients: dict[str, WebClient] = {}

    def installations(self) -> list[Installation]:
        if self._installations is None:
            self._installations = list(Installation.objects.order_by("installed_at", "id"))
        return self._installations

    def client(self, installation: Installation) -> WebClient:
        """One Web API client per workspace for the directory's life (it holds only the token)."""
        key = f"{installation.enterprise_id}/{installation.team_id}"
        if key not in self._clients:
            self._clients[key] = web_client(installation.bot_token)
        return self._clients[key]

    def load(self, people: Iterable[Person]) -> None:
        """Read the cached matches of all these people in one query."""
        wanted = {p.pk for p in people} - self._accounts.keys()
        if not wanted:
            return
        for pid in wanted:
            self._accounts[pid] = {}
        for account in SlackAccount.objects.filter(person_id__in=wanted):
            self._accounts[account.person_id][account.team_id] = account

    def forget(self, *, person: Person, team_id: str) -> None:
        """The match failed (the user left, the DM closed): ask Slack again next time."""
        forget(person=person, team_id=team_id)
        self._found.pop(person.pk, None)
        self._accounts.get(person.pk, {}).pop(team_id, None)

    def find(self, person: Person) -> tuple[Installation, str]:
        """`find_slack_user`, answered from what this directory read where it can."""
        if person.pk in self._found:
            return self._found[person.pk]
        installations = self.installations()
        if not installations:
            raise DeliveryError("slack: the app is not installed in any workspace", permanent=True)
        self.load([person])
        accounts = self._accounts[person.pk]
        now = timezone.now()
        # What went wrong in the workspaces that did not find the person, other than "no such user".
        failures: list[DeliveryError] = []
        for installation in installations:
            account = accounts.get(installation.team_id)
            if account and account.user_id and now - account.checked_at < MATCH_TTL:
                return self._keep(person, installation, account.user_id)
            if account and not account.user_id and now - account.checked_at < MISS_TTL:
                continue  # not there a moment ago
            try:
                answer = self.client(installation).users_lookupByEmail(email=person.email)
            except SlackApiError as exc:
                if slack_error_code(exc) in USER_MISSING:
                    remember(person=person, team_id=installation.team_id, user_id="")
                elif account and account.user_id:
                    # Checking an old match again failed for now: the match still stands.
                    return self._keep(person, installation, account.user_id)
                else:
                    failures.append(delivery_error(exc))
                continue
            except OSError as exc:
                if account and account.user_id:
                    return self._keep(person, installation, account.user_id)
                failures.append(delivery_error(exc))
                continue
            user_id = str(answer["user"]["id"])
            with contextlib.suppress(IntegrityError):  # another worker cached it at the same moment
                remember(person=person, team_id=installation.team_id, user_id=user_id)
            return self._keep(person, installation, user_id)
        # A workspace that could not answer now may still know the person: try again later.
        temporary = [f for f in failures if not f.permanent]
        if temporary:
            raise max(temporary, key=lambda f: f.retry_after or 0)
        if failures:
            raise failures[0]  # e.g. token_revoked: the admin has to reinstall
        raise DeliveryError(
            f"slack: no Slack user with the email of {person.email}", permanent=True
        )

    def _keep(
        self, person: Person, installation: Installation, user_id: str
    ) -> tuple[Installation, str]:
        self._found[person.pk] = (installation, user_id)
        return installation, user_id


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
