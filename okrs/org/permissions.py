"""Who may write what (docs/security.md). Every write path calls one of these on the server.

admin: everything. lead: their team's and its sub-teams' OKRs. member: what they own, and
check-ins on their own key results. viewer: nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Model

from okrs.org.audit import Actor
from okrs.org.models import Person, Role, Team
from okrs.org.tree import descendant_ids

if TYPE_CHECKING:  # the plan builds on org: its models are only named here, never imported
    from okrs.goals.models import KeyResult, Objective

# Objective levels (okrs.goals.models.Level) these rules tell apart.
TEAM_LEVEL, INDIVIDUAL_LEVEL = "team", "individual"


class PermissionDenied(Exception):
    """The person may not make this write; the message says why, for the 403 body."""


def is_admin(person: Person | None) -> bool:
    """An active admin: the only role that configures the organisation (channels, sources,
    webhooks, people) and sees its failed deliveries."""
    return person is not None and person.is_active and person.role == Role.ADMIN


def led_team_ids(person: Person) -> set[int]:
    """Ids of the teams the person leads and every team below them."""
    ids = set(Team.objects.filter(lead=person).values_list("id", flat=True))
    return descendant_ids(ids) if ids else ids


def _leads(person: Person, team_id: int | None) -> bool:
    return person.role == Role.LEAD and team_id is not None and team_id in led_team_ids(person)


def can_create_objective(
    person: Person, *, level: str, team_id: int | None, owner_id: int | None
) -> bool:
    """Admins anything; leads team and individual objectives in the teams they lead (and below);
    anyone but a viewer their own individual objective."""
    if not person.is_active or person.role == Role.VIEWER:
        return False
    if person.role == Role.ADMIN:
        return True
    if (
        level == INDIVIDUAL_LEVEL
        and owner_id == person.pk
        # Filed under one of their own teams, or none: not under a team they are not part of.
        and (team_id is None or person.teams.filter(pk=team_id).exists())
    ):
        return True
    if person.role == Role.LEAD and level in (TEAM_LEVEL, INDIVIDUAL_LEVEL):
        return team_id is not None and team_id in led_team_ids(person)
    return False


def may_create_objectives(person: Person) -> bool:
    """Whether to show "New objective" at all: everyone but viewers has something to create."""
    return person.is_active and person.role != Role.VIEWER


def can_edit_objective(person: Person, objective: Objective) -> bool:
    if not person.is_active or person.role == Role.VIEWER:
        return False
    if person.role == Role.ADMIN:
        return True
    return objective.owner_id == person.pk or _leads(person, objective.team_id)


def can_edit_key_result(person: Person, key_result: KeyResult) -> bool:
    if key_result.owner_id == person.pk and person.role != Role.VIEWER and person.is_active:
        return True
    return can_edit_objective(person, key_result.objective)


def can_check_in(person: Person, key_result: KeyResult) -> bool:
    if not person.is_active or person.role == Role.VIEWER:
        return False
    if person.role == Role.ADMIN or key_result.owner_id == person.pk:
        return True
    return _leads(person, key_result.objective.team_id)


SOURCE_REFUSAL = "Only admins bind a key result to a metric source or change its source."


def may_bind_sources(person: Person | None) -> bool:
    """A source decides where a credential's secret is sent and what the server reads: binding
    one is an admin's job, like managing credentials."""
    return is_admin(person)


def require_source_permission(actor: Actor, *, before: Any, after: Any) -> None:
    """PermissionDenied when `actor` changes a source (`before` -> `after`) without the right.

    The command line (`okrs apply` run by the server's operator) and the system's own tasks are
    trusted: an actor marked trusted, or one with no person behind it (every web and API request
    has a signed-in person)."""
    if (before or None) == (after or None) or actor.trusted or actor.person is None:
        return
    if may_bind_sources(actor.person):
        return
    raise PermissionDenied(SOURCE_REFUSAL)


def can_write_retrospective(person: Person, key_result: KeyResult) -> bool:
    """Whoever may check in on the key result writes its end-of-cycle retrospective too."""
    return can_check_in(person, key_result)


def require(allowed: bool, person: Person, action: str, target: Model) -> None:
    if not allowed:
        raise PermissionDenied(f"{person.email} ({person.role}) may not {action} {target}")
