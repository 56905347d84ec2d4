"""Writes to a person's own settings and API tokens, each audited."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from okrs.org.audit import Actor, record, snapshot
from okrs.org.models import ApiToken, Person


@transaction.atomic
def save_person_settings(*, actor: Actor, person: Person, timezone_name: str, channel: str) -> None:
    before = snapshot(person)
    person.timezone = timezone_name
    person.channel = channel
    person.save(update_fields=["timezone", "channel"])
    after = snapshot(person)
    if before != after:
        record(
            actor, action="update", entity="person", ref=person.email, before=before, after=after
        )


@transaction.atomic
def create_api_token(*, actor: Actor, person: Person, name: str) -> tuple[ApiToken, str]:
    row, token = ApiToken.issue(person, name)
    # The snapshot leaves out the digest; the hint (first characters) tells tokens apart.
    record(
        actor,
        action="create",
        entity="api_token",
        ref=f"{person.email}/{row.hint}",
        after=snapshot(row),
    )
    return row, token


@transaction.atomic
def revoke_api_token(*, actor: Actor, token: ApiToken) -> None:
    before = snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(
        actor,
        action="update",
        entity="api_token",
        ref=f"{token.person.email}/{token.hint}",
        before=before,
        after=snapshot(token),
    )
