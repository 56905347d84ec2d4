"""Provisioning writes: an identity provider's Users become people and its Groups teams.

Every write goes through the organisation's services (okrs/org/services.py), which audit it,
with the actor the SCIM token stands for (channel `scim`); the SCIM-only attributes the provider
sent are kept on the ScimUser and ScimGroup rows, audited too.

A person is identified by their email, which okrs takes from the resource: the primary email,
else the first one, else the userName when it is an email address. A User deleted by the
provider is deactivated, never removed: their check-ins, what they own and the audit log stay,
and creating them again brings the same person back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Q, QuerySet
from django.utils.text import slugify
from scim2_models import (
    ConflictException,
    Context,
    InvalidValueException,
    NotFoundException,
    UniquenessException,
)

from okrs.channels.base import EMAIL
from okrs.org import services as org
from okrs.org.audit import Actor, atomic_write, delete_recorded, record_write, row_snapshot
from okrs.org.models import Person, Team
from okrs.scim.models import ScimGroup, ScimUser
from okrs.scim.resources import PROVIDER, Group, User

ACTOR = Actor(None, "scim", trusted=True)

# Attributes okrs answers itself, never kept from what the provider sent.
_SERVED = {"id", "meta", "schemas", "active", "groups", "members", "password"}


def visible_people() -> QuerySet[Person]:
    """The people a provider sees: everyone active, and whoever it manages. A person it
    deleted (deactivated and unlinked) is gone for it, as RFC 7644 wants of a DELETE."""
    return Person.objects.filter(Q(is_active=True) | Q(scim__isnull=False))


def find_person(resource_id: str) -> Person:
    person = (
        visible_people().select_related("scim").filter(pk=_pk(resource_id)).first()
        if resource_id.isdigit()
        else None
    )
    if person is None:
        raise NotFoundException(detail=f"no User with id {resource_id}")
    return person


def find_team(resource_id: str) -> Team:
    team = (
        Team.objects.select_related("scim").filter(pk=_pk(resource_id)).first()
        if resource_id.isdigit()
        else None
    )
    if team is None:
        raise NotFoundException(detail=f"no Group with id {resource_id}")
    return team


def _pk(resource_id: str) -> int:
    # Ids are positive integers; anything longer than a database integer is no id of ours.
    return int(resource_id) if len(resource_id) < 19 else 0


def _kept(resource: User | Group) -> dict[str, Any]:
    data = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, scim_provider=PROVIDER)
    return {key: value for key, value in data.items() if key not in _SERVED}


def email_of(resource: User) -> str:
    emails = resource.emails or []
    chosen = next((e for e in emails if e.primary and e.value), None) or next(
        (e for e in emails if e.value), None
    )
    candidate = str(chosen.value) if chosen else (resource.user_name or "")
    try:
        validate_email(candidate)
    except ValidationError:
        raise InvalidValueException(
            detail="okrs needs an email address: give one in emails, or as the userName"
        ) from None
    return Person.objects.normalize_email(candidate).lower()


def name_of(resource: User) -> str:
    if resource.display_name:
        return resource.display_name.strip()
    name = resource.name
    if name is None:
        return ""
    if name.formatted:
        return name.formatted.strip()
    return " ".join(part for part in (name.given_name, name.family_name) if part).strip()


def _check_unique(resource: User, email: str, person: Person | None) -> None:
    others = Person.objects.exclude(pk=person.pk) if person else Person.objects.all()
    user_name = resource.user_name or ""
    if ScimUser.objects.filter(user_name__iexact=user_name).exclude(person=person).exists():
        raise UniquenessException(detail=f"the userName {user_name} is taken")
    # A person okrs had before the provider came answers to their email as userName.
    if others.filter(scim__isnull=True, email__iexact=user_name).exists():
        raise UniquenessException(detail=f"the userName {user_name} is taken")
    if others.filter(email__iexact=email).exists():
        raise UniquenessException(detail=f"the email {email} belongs to another person")


@atomic_write
def create_user(*, resource: User) -> Person:
    """A new person, or one the provider deleted before coming back (same email, inactive and
    no longer managed): reactivated, with their history."""
    email = email_of(resource)
    returning = Person.objects.filter(
        email__iexact=email, is_active=False, scim__isnull=True
    ).first()
    _check_unique(resource, email, returning)
    if returning is None:
        person = org.create_person(
            actor=ACTOR, email=email, name=name_of(resource), timezone_name="", channel=EMAIL
        )
    else:
        person = returning
        org.update_person(
            actor=ACTOR, person=person, name=name_of(resource), timezone_name=person.timezone,
            channel=person.channel,
        )  # fmt: skip
    org.set_person_active(actor=ACTOR, person=person, active=resource.active is not False)
    link = ScimUser.objects.create(
        person=person, user_name=resource.user_name or email, attributes=_kept(resource)
    )
    record_write(ACTOR, "scim_user", link.user_name, None, link)
    return person


@atomic_write
def replace_user(*, person: Person, resource: User) -> None:
    """The person becomes what the resource says (a PUT, or the result of a PATCH)."""
    email = email_of(resource)
    _check_unique(resource, email, person)
    org.update_person(
        actor=ACTOR, person=person, name=name_of(resource), timezone_name=person.timezone,
        channel=person.channel, email=email if email != person.email else None,
    )  # fmt: skip
    if resource.active is not None:
        org.set_person_active(actor=ACTOR, person=person, active=resource.active)
    link = ScimUser.objects.filter(person=person).first()
    user_name = resource.user_name or email
    if link is None:
        link = ScimUser.objects.create(
            person=person, user_name=user_name, attributes=_kept(resource)
        )
        record_write(ACTOR, "scim_user", link.user_name, None, link)
        return
    before = row_snapshot(link)
    link.user_name = user_name
    link.attributes = _kept(resource)
    link.save(update_fields=["user_name", "attributes"])
    record_write(ACTOR, "scim_user", user_name, before, link)


@atomic_write
def delete_user(*, person: Person) -> None:
    """Deactivate the person and forget the provider's record of them; nothing they did goes."""
    org.set_person_active(actor=ACTOR, person=person, active=False)
    link = ScimUser.objects.filter(person=person).first()
    if link is not None:
        delete_recorded(ACTOR, "scim_user", link.user_name, link)


def _members(resource: Group) -> list[Person]:
    wanted: set[int] = set()
    for member in resource.members or []:
        if member.type and member.type != "User":
            raise InvalidValueException(detail="a team's members are people: Users, not Groups")
        if not (member.value or "").isdigit():
            raise InvalidValueException(detail=f"no User with id {member.value}")
        wanted.add(_pk(member.value or ""))
    people = list(Person.objects.filter(pk__in=wanted))
    missing = wanted - {p.pk for p in people}
    if missing:
        raise InvalidValueException(
            detail="no User with id " + ", ".join(str(pk) for pk in sorted(missing))
        )
    return people


def _team_key(display_name: str) -> str:
    base = slugify(display_name)[:60].strip("-") or "team"
    key, n = base, 1
    taken = set(Team.objects.filter(key__startswith=base).values_list("key", flat=True))
    while key in taken:
        n += 1
        key = f"{base}-{n}"
    return key


@atomic_write
def create_group(*, resource: Group) -> Team:
    name = (resource.display_name or "").strip()
    if not name:
        raise InvalidValueException(detail="displayName is required")
    team = org.create_team(
        actor=ACTOR, key=_team_key(name), name=name, parent=None, lead=None, timezone_name="",
        checkin_day="monday", members=_members(resource),
    )  # fmt: skip
    link = ScimGroup.objects.create(team=team, attributes=_kept(resource))
    record_write(ACTOR, "scim_group", team.key, None, link)
    return team


@atomic_write
def replace_group(*, team: Team, resource: Group) -> None:
    name = (resource.display_name or "").strip()
    if not name:
        raise InvalidValueException(detail="displayName is required")
    org.update_team(
        actor=ACTOR, team=team, name=name, parent=team.parent, lead=team.lead,
        timezone_name=team.timezone, checkin_day=team.checkin_day, members=_members(resource),
    )  # fmt: skip
    link = ScimGroup.objects.filter(team=team).first()
    if link is None:
        link = ScimGroup.objects.create(team=team, attributes=_kept(resource))
        record_write(ACTOR, "scim_group", team.key, None, link)
        return
    before = row_snapshot(link)
    link.attributes = _kept(resource)
    link.save(update_fields=["attributes"])
    record_write(ACTOR, "scim_group", team.key, before, link)


@atomic_write
def delete_group(*, team: Team) -> None:
    """Delete the team, unless the plan still needs it: a team with objectives or sub-teams
    stays (an admin retires it in the plan), and the provider is told why."""
    needed = [
        what
        for what, exists in (
            ("objectives", team.objectives.exists()),
            ("sub-teams", team.children.exists()),
        )
        if exists
    ]
    if needed:
        raise ConflictException(
            detail=f"the team {team.key} still has {' and '.join(needed)}: "
            "remove them from the plan first"
        )
    org.delete_team(actor=ACTOR, team=team)


def member_ids(teams: Sequence[Team]) -> dict[int, list[int]]:
    """Each team's members' ids, in one query for all of them."""
    found: dict[int, list[int]] = {t.pk: [] for t in teams}
    rows = Team.members.through.objects.filter(team_id__in=list(found)).order_by("person_id")
    for team_id, person_id in rows.values_list("team_id", "person_id"):
        found[team_id].append(person_id)
    return found
