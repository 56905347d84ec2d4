"""Writes to the organisation, people, teams, a person's own settings and API tokens, each
audited.

The organisation, people and teams are what a plan file declares (`okrs apply`, which passes its
audit batch: okrs/org/audit.py); changing them is an admin's, or the command line's (a trusted
actor, or the system). Nobody's role or password changes here: a person created gets the
default role and no usable password until they set one.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from okrs.org.audit import (
    Actor,
    AuditBatch,
    atomic_write,
    delete_recorded,
    record,
    record_write,
    row_snapshot,
    snapshot,
)
from okrs.org.models import ApiToken, Organisation, Person, Team
from okrs.org.permissions import PermissionDenied, is_admin


def _require_admin(actor: Actor, what: str) -> None:
    person = None if actor.trusted else actor.person
    if person is not None and not is_admin(person):
        raise PermissionDenied(f"Only admins {what}.")


@atomic_write
def update_organisation(
    *, actor: Actor, organisation: Organisation, name: str, timezone_name: str,
    audit: AuditBatch | None = None,
) -> None:  # fmt: skip
    _require_admin(actor, "change the organisation")
    # The ref is the name the row had: the one a reader of the log knows it by.
    ref = organisation.name
    before = row_snapshot(organisation)
    organisation.name = name
    organisation.timezone = timezone_name
    organisation.save(update_fields=["name", "timezone"])
    record_write(actor, "organisation", ref, before, organisation, audit)


@atomic_write
def create_person(
    *, actor: Actor, email: str, name: str, timezone_name: str, channel: str,
    audit: AuditBatch | None = None,
) -> Person:  # fmt: skip
    _require_admin(actor, "add people")
    person = Person.objects.create_user(email, name=name, timezone=timezone_name, channel=channel)
    record_write(actor, "person", person.email, None, person, audit)
    return person


@atomic_write
def update_person(
    *, actor: Actor, person: Person, name: str, timezone_name: str, channel: str,
    email: str | None = None, audit: AuditBatch | None = None,
) -> None:  # fmt: skip
    """`email` None keeps the person's; the entry's ref is the email they were known by."""
    _require_admin(actor, "change other people")
    before = row_snapshot(person)
    ref = person.email.lower()
    person.name = name
    person.timezone = timezone_name
    person.channel = channel
    fields = ["name", "timezone", "channel"]
    if email is not None:
        person.email = Person.objects.normalize_email(email).lower()
        fields.append("email")
    person.save(update_fields=fields)
    record_write(actor, "person", ref, before, person, audit)


@atomic_write
def set_person_active(
    *, actor: Actor, person: Person, active: bool, audit: AuditBatch | None = None
) -> None:
    """Deactivate or reactivate a person. A deactivated person keeps everything they did
    (check-ins, what they own, the audit log) but can no longer sign in, use an API token or
    be nudged; what they own shows on the dashboard as needing a new owner."""
    _require_admin(actor, "deactivate or reactivate people")
    if person.is_active == active:
        return
    before = row_snapshot(person)
    person.is_active = active
    person.save(update_fields=["is_active"])
    record_write(actor, "person", person.email.lower(), before, person, audit)


@atomic_write
def create_team(
    *,
    actor: Actor,
    key: str,
    name: str,
    parent: Team | None,
    lead: Person | None,
    timezone_name: str,
    checkin_day: str,
    members: Sequence[Person],
    audit: AuditBatch | None = None,
) -> Team:
    _require_admin(actor, "create teams")
    team = Team.objects.create(
        key=key, name=name, parent=parent, lead=lead, timezone=timezone_name,
        checkin_day=checkin_day,
    )  # fmt: skip
    team.members.set(members)
    record_write(actor, "team", team.key, None, team, audit)
    return team


@atomic_write
def update_team(
    *,
    actor: Actor,
    team: Team,
    name: str,
    parent: Team | None,
    lead: Person | None,
    timezone_name: str,
    checkin_day: str,
    members: Sequence[Person] | None = None,
    audit: AuditBatch | None = None,
) -> None:
    """The team's fields become these, and its members exactly `members` unless None."""
    _require_admin(actor, "change teams")
    before = row_snapshot(team)
    values = {
        "name": name,
        "parent": parent,
        "lead": lead,
        "timezone": timezone_name,
        "checkin_day": checkin_day,
    }
    # Compared by id, so that a team whose parent or lead was not loaded costs no query.
    changed = [
        field
        for field, value in values.items()
        if team.serializable_value(field) != getattr(value, "pk", value)
    ]
    for field in changed:
        setattr(team, field, values[field])
    if changed:
        team.save(update_fields=changed)
    if members is not None:
        team.members.set(members)
    record_write(actor, "team", team.key, before, team, audit)


@atomic_write
def delete_team(*, actor: Actor, team: Team, audit: AuditBatch | None = None) -> None:
    _require_admin(actor, "delete teams")
    delete_recorded(actor, "team", team.key, team, audit)


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
