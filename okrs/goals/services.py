"""Writing the plan: cycles, objectives, key results and initiatives.

Every write of the editor and of `okrs apply` goes through these functions. Each takes keyword
arguments only, runs in one transaction, checks the actor's permission (okrs/org/permissions.py;
a trusted actor or the system is not checked), refuses to change a cycle whose final scores are
frozen, and writes the audit entry: before and after, through the actor's channel. A save that
changes nothing leaves no entry.

`okrs apply` passes an `audit` batch (okrs/org/audit.py): the entries of its whole run are then
merged per row and written at its end, and a frozen cycle is noted there rather than raised, so
the file's every refused change can be reported at its line before the run rolls back. It also
passes `position`, since the file's order is the plan's; without one a new row goes last.

The values come as rows (people, teams, cycles, the objective or key result aligned to) and
plain values that okrs/ascode/validate.py has passed: these functions judge permissions and the
frozen cycle, not the plan's rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Model, QuerySet

from okrs.goals.models import ContributionLink, Cycle, Initiative, KeyResult, Objective
from okrs.org.audit import (
    Actor,
    AuditBatch,
    atomic_write,
    delete_recorded,
    record_write,
    snapshot,
)
from okrs.org.models import Person, Role, Team
from okrs.org.permissions import (
    PermissionDenied,
    can_create_objective,
    can_edit_key_result,
    can_edit_objective,
    is_admin,
    require_source_permission,
)


class CycleFrozen(Exception):
    """The write would change a cycle whose final scores are frozen; the message says which."""

    def __init__(self, cycle: Cycle) -> None:
        self.cycle = cycle
        super().__init__(frozen_message(cycle))


def frozen_message(cycle: Cycle) -> str:
    frozen_on = cycle.frozen_at.date().isoformat() if cycle.frozen_at else "?"
    return (
        f"cycle '{cycle.key}' is frozen (its final scores were fixed on {frozen_on}): its "
        "objectives, key results and initiatives can no longer be changed"
    )


def refuse_frozen(
    cycle: Cycle | None, audit: AuditBatch | None = None, entity: str = "", ref: str = ""
) -> None:
    """CycleFrozen when `cycle` is frozen: what was scored at its end stays as it was scored.

    With an audit batch the refusal of the write to `entity` `ref` is noted there instead."""
    if cycle is not None and cycle.frozen_at is not None:
        if audit is None:
            raise CycleFrozen(cycle)
        audit.refuse(entity, ref, CycleFrozen(cycle))


def _refuse_in_batch(cycle: Cycle, audit: AuditBatch | None, entity: str, ref: str) -> None:
    """A row a deletion changes on the side (an objective unaligned, a link from elsewhere).

    The editor lets those follow the deletion it allowed; a plan file's run reports every row
    in a frozen cycle that it would change."""
    if audit is not None:
        refuse_frozen(cycle, audit, entity, ref)


def _checked(actor: Actor) -> Person | None:
    """The person whose permissions apply, or None for a trusted actor or the system."""
    return None if actor.trusted else actor.person


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _next_position(rows: QuerySet[Any], position: int | None = None) -> int:
    """`position` when given, else after the last of `rows`."""
    if position is not None:
        return position
    last = rows.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def _update(
    actor: Actor,
    row: Model,
    entity: str,
    ref: str,
    values: dict[str, Any],
    audit: AuditBatch | None,
    *,
    position: int | None = None,
) -> None:
    """Set `values` (and `position` when given) on `row`, save it, and audit before -> after."""
    before = snapshot(row)
    if position is not None:
        values = {**values, "position": position}
    for name, value in values.items():
        setattr(row, name, value)
    row.save()
    record_write(actor, entity, ref, before, row, audit)


# ---------------------------------------------------------------------------------------------
# From plan values to model fields (shared with okrs apply)


def inferred_kind(kind: str | None, baseline: float | None, target: float | None) -> str | None:
    """The kind as given, or inferred from the direction of baseline -> target."""
    if kind is not None:
        return kind
    if baseline is None or target is None or target == baseline:
        return None
    return "increase" if target > baseline else "decrease"


def stored_target(kind: str | None, target: float | None) -> float | None:
    # A milestone is done at 1, so nobody need say so.
    if kind == "milestone" and target is None:
        return 1.0
    return target


def person_by_email(email: str | None) -> Person | None:
    if not email:
        return None
    return Person.objects.filter(email__iexact=email).first()


def resolve_ref(ref: str) -> Objective | KeyResult:
    """The objective OBJECTIVE_KEY or the key result OBJECTIVE_KEY/KR_KEY."""
    objective_key, _, kr_key = ref.partition("/")
    if kr_key:
        return KeyResult.objects.select_related("objective").get(
            objective__key=objective_key, key=kr_key
        )
    return Objective.objects.get(key=objective_key)


def alignment_values(target: Objective | KeyResult | None) -> dict[str, Any]:
    """The two alignment fields for an objective rolling up into `target` (or nothing)."""
    return {
        "aligns_to_objective": target if isinstance(target, Objective) else None,
        "aligns_to_key_result": target if isinstance(target, KeyResult) else None,
    }


def key_result_values(
    *,
    title: str,
    kind: str | None,
    baseline: float | None,
    target: float | None,
    unit: str,
    weight: float,
    source: dict[str, Any] | None,
) -> dict[str, Any]:
    """A key result's own fields as stored (all but its owner): the kind inferred when left
    out, a milestone's target 1 when left out, no source as None."""
    kind = inferred_kind(kind, baseline, target)
    return {
        "title": title,
        "kind": kind,
        "baseline": baseline,
        "target": stored_target(kind, target),
        "unit": unit,
        "weight": weight,
        "source": source or None,
    }


# ---------------------------------------------------------------------------------------------
# Cycles


def _require_admin(actor: Actor, what: str) -> None:
    person = _checked(actor)
    if person is not None:
        _require(is_admin(person), f"Only admins {what}.")


@atomic_write
def create_cycle(
    *,
    actor: Actor,
    key: str,
    name: str,
    start: dt.date,
    end: dt.date,
    parent: Cycle | None = None,
    audit: AuditBatch | None = None,
) -> Cycle:
    _require_admin(actor, "create cycles")
    cycle = Cycle.objects.create(key=key, name=name, start=start, end=end, parent=parent)
    record_write(actor, "cycle", cycle.key, None, cycle, audit)
    return cycle


@atomic_write
def update_cycle(
    *,
    actor: Actor,
    cycle: Cycle,
    name: str,
    start: dt.date,
    end: dt.date,
    parent: Cycle | None,
    audit: AuditBatch | None = None,
) -> Cycle:
    _require_admin(actor, "change cycles")
    refuse_frozen(cycle, audit, "cycle", cycle.key)
    values = {"name": name, "start": start, "end": end, "parent": parent}
    _update(actor, cycle, "cycle", cycle.key, values, audit)
    return cycle


@atomic_write
def delete_cycle(*, actor: Actor, cycle: Cycle) -> None:
    """Only an empty cycle goes: a cycle's objectives are never deleted along with it."""
    _require_admin(actor, "delete cycles")
    refuse_frozen(cycle)
    if cycle.objectives.exists():
        raise PermissionDenied(f"cycle '{cycle.key}' still holds objectives; delete them first")
    delete_recorded(actor, "cycle", cycle.key, cycle)


# ---------------------------------------------------------------------------------------------
# Objectives


def _require_objective_edit(
    actor: Actor,
    objective: Objective,
    refusal: str,
    audit: AuditBatch | None,
    entity: str,
    ref: str,
) -> None:
    """Refused unless the actor may edit `objective` (trusted actors may) and its cycle is not
    frozen; `entity` and `ref` name the row the write is about."""
    person = _checked(actor)
    if person is not None:
        _require(can_edit_objective(person, objective), refusal)
    refuse_frozen(objective.cycle, audit, entity, ref)


def _require_objective_scope(
    person: Person | None, *, level: str, team: Team | None, owner: Person
) -> None:
    if person is None:
        return
    allowed = can_create_objective(
        person, level=level, team_id=team.pk if team else None, owner_id=owner.pk
    )
    _require(allowed, scope_refusal(person, level))


def scope_refusal(person: Person, level: str) -> str:
    """Why `person` may not have an objective of `level` with this team and owner."""
    if person.role == Role.LEAD:
        return (
            f"As a lead you may create team and individual objectives only for the teams you "
            f"lead, and your own individual objectives (not a {level} objective here)."
        )
    return "You may create only your own individual objectives (owner: you, level: individual)."


Target = Objective | KeyResult


@atomic_write
def create_objective(
    *,
    actor: Actor,
    key: str,
    cycle: Cycle,
    level: str,
    team: Team | None,
    title: str,
    description: str,
    owner: Person,
    aligns_to: Target | None = None,
    contributes_to: Sequence[Target] = (),
    position: int | None = None,
    audit: AuditBatch | None = None,
) -> Objective:
    _require_objective_scope(_checked(actor), level=level, team=team, owner=owner)
    refuse_frozen(cycle, audit, "objective", key)
    objective = Objective.objects.create(
        key=key,
        cycle=cycle,
        level=level,
        team=team,
        title=title,
        description=description,
        owner=owner,
        position=_next_position(Objective.objects.filter(cycle=cycle), position),
        **alignment_values(aligns_to),
    )
    record_write(actor, "objective", objective.key, None, objective, audit)
    if contributes_to:
        _set_contributions(actor, objective, contributes_to)
    return objective


@atomic_write
def update_objective(
    *,
    actor: Actor,
    objective: Objective,
    level: str,
    team: Team | None,
    title: str,
    description: str,
    owner: Person,
    aligns_to: Target | None,
    contributes_to: Sequence[Target] | None = None,
    cycle: Cycle | None = None,
    position: int | None = None,
    audit: AuditBatch | None = None,
) -> Objective:
    """The objective's own fields, and its `contributes_to` links unless None, become these.

    Its key stays, and its cycle and position unless given (a plan file moves objectives
    between cycles; the editor does not). Changing its level, team or owner needs the right to
    create an objective of that scope, so nobody moves an objective where they could not have
    made it. Moving it between cycles changes both: neither may be frozen."""
    person = _checked(actor)
    if person is not None:
        _require(
            can_edit_objective(person, objective),
            f"You may not edit the objective “{objective.title}”.",
        )
    refuse_frozen(cycle, audit, "objective", objective.key)
    refuse_frozen(objective.cycle, audit, "objective", objective.key)
    if (
        level != objective.level
        or (team.pk if team else None) != objective.team_id
        or owner.pk != objective.owner_id
    ):
        _require_objective_scope(person, level=level, team=team, owner=owner)
    values: dict[str, Any] = {
        "level": level,
        "team": team,
        "title": title,
        "description": description,
        "owner": owner,
        **alignment_values(aligns_to),
    }
    if cycle is not None:
        values["cycle"] = cycle
    _update(actor, objective, "objective", objective.key, values, audit, position=position)
    if contributes_to is not None:
        _set_contributions(actor, objective, contributes_to)
    return objective


def _link_ref(link: ContributionLink) -> str:
    if link.to_key_result is not None:
        return f"{link.to_key_result.objective.key}/{link.to_key_result.key}"
    assert link.to_objective is not None
    return link.to_objective.key


def target_ref(target: Target) -> str:
    """OBJECTIVE_KEY or OBJECTIVE_KEY/KR_KEY, as plan files write it."""
    return target.key if isinstance(target, Objective) else target.ref


def _set_contributions(actor: Actor, objective: Objective, targets: Sequence[Target]) -> None:
    """The objective's `contributes_to` links become exactly `targets`, in that order."""
    by_ref = {target_ref(target): target for target in targets}
    refs = list(by_ref)
    stored = list(
        objective.contribution_links.select_related("to_objective", "to_key_result__objective")
    )
    kept: dict[str, ContributionLink] = {}
    for link in stored:
        ref = _link_ref(link)
        if ref in refs and ref not in kept:
            kept[ref] = link
        else:
            delete_recorded(actor, "contribution", f"{objective.key} -> {ref}", link)
    for position, ref in enumerate(refs):
        if ref in kept:
            _move_link(actor, kept[ref], position, None)
        else:
            _create_link(actor, objective, by_ref[ref], position, None)


def _create_link(
    actor: Actor, objective: Objective, target: Target, position: int, audit: AuditBatch | None
) -> ContributionLink:
    created = ContributionLink.objects.create(
        objective=objective,
        to_objective=target if isinstance(target, Objective) else None,
        to_key_result=target if isinstance(target, KeyResult) else None,
        position=position,
    )
    record_write(
        actor, "contribution", f"{objective.key} -> {target_ref(target)}", None, created, audit
    )
    return created


def _move_link(
    actor: Actor, link: ContributionLink, position: int, audit: AuditBatch | None
) -> None:
    ref = f"{link.objective.key} -> {_link_ref(link)}"
    _update(actor, link, "contribution", ref, {}, audit, position=position)


def _require_link_edit(
    actor: Actor, objective: Objective, ref: str, audit: AuditBatch | None
) -> None:
    _require_objective_edit(
        actor,
        objective,
        f"You may not change the links of the objective “{objective.title}”.",
        audit,
        "contribution",
        ref,
    )


@atomic_write
def create_contribution(
    *,
    actor: Actor,
    objective: Objective,
    target: Target,
    position: int,
    audit: AuditBatch | None = None,
) -> ContributionLink:
    """One `contributes_to` link of `objective`, at `position` among its links."""
    _require_link_edit(actor, objective, f"{objective.key} -> {target_ref(target)}", audit)
    return _create_link(actor, objective, target, position, audit)


@atomic_write
def move_contribution(
    *, actor: Actor, link: ContributionLink, position: int, audit: AuditBatch | None = None
) -> None:
    _require_link_edit(actor, link.objective, f"{link.objective.key} -> {_link_ref(link)}", audit)
    _move_link(actor, link, position, audit)


@atomic_write
def delete_contribution(
    *, actor: Actor, link: ContributionLink, audit: AuditBatch | None = None
) -> None:
    ref = f"{link.objective.key} -> {_link_ref(link)}"
    _require_link_edit(actor, link.objective, ref, audit)
    delete_recorded(actor, "contribution", ref, link, audit)


@atomic_write
def align_objective(
    *, actor: Actor, objective: Objective, aligns_to: Target | None, audit: AuditBatch | None = None
) -> None:
    """The objective rolls up into `aligns_to` (or nothing); its other fields stay."""
    _require_objective_edit(
        actor,
        objective,
        f"You may not edit the objective “{objective.title}”.",
        audit,
        "objective",
        objective.key,
    )
    _align(actor, objective, aligns_to, audit)


def _align(
    actor: Actor, objective: Objective, target: Target | None, audit: AuditBatch | None
) -> None:
    _update(actor, objective, "objective", objective.key, alignment_values(target), audit)


@dataclass(frozen=True)
class Deletion:
    """What deleting an objective or a key result takes with it, for the confirmation page."""

    key_results: list[str]
    checkins: int
    initiatives: list[str]
    contributions: list[str]
    # Objectives elsewhere that roll up into it: they stay, no longer aligned.
    unaligned: list[str]


def _link_words(link: ContributionLink) -> str:
    """A contributes-to link as people read it: titles, not keys."""
    if link.to_key_result is not None:
        target = f"the key result “{link.to_key_result.title}”"
    else:
        assert link.to_objective is not None
        target = f"the objective “{link.to_objective.title}”"
    return f"“{link.objective.title}” contributes to {target}"


def objective_deletion(objective: Objective) -> Deletion:
    key_results = list(objective.key_results.all())
    incoming = ContributionLink.objects.filter(
        to_objective=objective
    ) | ContributionLink.objects.filter(to_key_result__objective=objective)
    links = list(
        objective.contribution_links.select_related("objective", "to_objective", "to_key_result")
    ) + [
        link
        for link in incoming.select_related("objective", "to_objective", "to_key_result")
        if link.objective_id != objective.pk
    ]
    aligned = Objective.objects.filter(aligns_to_objective=objective) | Objective.objects.filter(
        aligns_to_key_result__objective=objective
    )
    return Deletion(
        key_results=[kr.title for kr in key_results],
        checkins=objective.key_results.aggregate(n=Count("checkins"))["n"],
        initiatives=list(objective.initiatives.values_list("title", flat=True)),
        contributions=[_link_words(link) for link in links],
        unaligned=list(aligned.exclude(pk=objective.pk).values_list("title", flat=True)),
    )


def key_result_deletion(key_result: KeyResult) -> Deletion:
    links = ContributionLink.objects.filter(to_key_result=key_result).select_related(
        "objective", "to_key_result"
    )
    return Deletion(
        key_results=[key_result.title],
        checkins=key_result.checkins.count(),
        initiatives=[],
        contributions=[_link_words(link) for link in links],
        unaligned=list(
            Objective.objects.filter(aligns_to_key_result=key_result).values_list(
                "title", flat=True
            )
        ),
    )


def _unalign(actor: Actor, children: QuerySet[Objective], audit: AuditBatch | None) -> None:
    for child in children.select_related("cycle"):
        _refuse_in_batch(child.cycle, audit, "objective", child.key)
        _align(actor, child, None, audit)


def _delete_links(
    actor: Actor, links: QuerySet[ContributionLink], to: str, audit: AuditBatch | None
) -> None:
    """Links from other objectives to the row being deleted (OBJECTIVE_KEY or a KR's ref)."""
    for link in links.select_related("objective__cycle"):
        ref = f"{link.objective.key} -> {to}"
        _refuse_in_batch(link.objective.cycle, audit, "contribution", ref)
        delete_recorded(actor, "contribution", ref, link, audit)


@atomic_write
def delete_objective(
    *,
    actor: Actor,
    objective: Objective,
    spared: Collection[int] = (),
    audit: AuditBatch | None = None,
) -> None:
    """The objective goes with its key results (and their check-ins), initiatives and links;
    objectives that rolled up into it stay, unaligned. Each row is its own audit entry.

    `spared` are objectives deleted in the same run: what of theirs points here is left to go
    with them, rather than unlinked first."""
    _require_objective_edit(
        actor,
        objective,
        f"You may not delete the objective “{objective.title}”.",
        audit,
        "objective",
        objective.key,
    )
    spared = {*spared, objective.pk}
    for initiative in objective.initiatives.all():
        delete_recorded(actor, "initiative", f"{objective.key}/{initiative.key}", initiative, audit)
    for key_result in list(objective.key_results.select_related("objective")):
        _delete_key_result(actor, key_result, spared, audit)
    for link in objective.contribution_links.select_related(
        "to_objective", "to_key_result__objective"
    ):
        delete_recorded(actor, "contribution", f"{objective.key} -> {_link_ref(link)}", link, audit)
    incoming = ContributionLink.objects.filter(to_objective=objective)
    _delete_links(actor, incoming.exclude(objective_id__in=spared), objective.key, audit)
    aligned = Objective.objects.filter(aligns_to_objective=objective).exclude(pk__in=spared)
    _unalign(actor, aligned, audit)
    delete_recorded(actor, "objective", objective.key, objective, audit)


# ---------------------------------------------------------------------------------------------
# Key results


@atomic_write
def create_key_result(
    *,
    actor: Actor,
    objective: Objective,
    key: str,
    title: str,
    owner: Person,
    kind: str | None,
    baseline: float | None,
    target: float | None,
    unit: str = "",
    weight: float = 1.0,
    source: dict[str, Any] | None = None,
    position: int | None = None,
    audit: AuditBatch | None = None,
) -> KeyResult:
    _require_objective_edit(
        actor,
        objective,
        f"You may not add key results to the objective “{objective.title}”.",
        audit,
        "key_result",
        f"{objective.key}/{key}",
    )
    values = key_result_values(
        title=title, kind=kind, baseline=baseline, target=target, unit=unit, weight=weight,
        source=source,
    )  # fmt: skip
    require_source_permission(actor, before=None, after=values["source"])
    key_result = KeyResult.objects.create(
        objective=objective,
        key=key,
        owner=owner,
        position=_next_position(objective.key_results.all(), position),
        **values,
    )
    record_write(actor, "key_result", key_result.ref, None, key_result, audit)
    return key_result


@atomic_write
def update_key_result(
    *,
    actor: Actor,
    key_result: KeyResult,
    title: str,
    owner: Person,
    kind: str | None,
    baseline: float | None,
    target: float | None,
    unit: str,
    weight: float,
    source: dict[str, Any] | None,
    position: int | None = None,
    audit: AuditBatch | None = None,
) -> KeyResult:
    """The owner may sharpen their key result, but its owner and weight shape the objective's
    score: changing those is for whoever may edit the objective."""
    objective = key_result.objective
    person = _checked(actor)
    if person is not None:
        _require(
            can_edit_key_result(person, key_result),
            f"You may not edit the key result “{key_result.title}”.",
        )
        reshaped = owner.pk != key_result.owner_id or weight != key_result.weight
        _require(
            not reshaped or can_edit_objective(person, objective),
            "Only someone who may edit the objective can change a key result's owner or weight.",
        )
    refuse_frozen(objective.cycle, audit, "key_result", key_result.ref)
    values = key_result_values(
        title=title, kind=kind, baseline=baseline, target=target, unit=unit, weight=weight,
        source=source,
    )  # fmt: skip
    require_source_permission(actor, before=key_result.source, after=values["source"])
    values["owner"] = owner
    _update(actor, key_result, "key_result", key_result.ref, values, audit, position=position)
    return key_result


def _delete_key_result(
    actor: Actor, key_result: KeyResult, spared: Collection[int], audit: AuditBatch | None
) -> None:
    ref = key_result.ref
    incoming = ContributionLink.objects.filter(to_key_result=key_result)
    _delete_links(actor, incoming.exclude(objective_id__in=spared), ref, audit)
    aligned = Objective.objects.filter(aligns_to_key_result=key_result).exclude(pk__in=spared)
    _unalign(actor, aligned, audit)
    linked = Initiative.objects.filter(key_result=key_result).exclude(objective_id__in=spared)
    for initiative in linked.select_related("objective__cycle"):
        initiative_ref = f"{initiative.objective.key}/{initiative.key}"
        if initiative.objective_id != key_result.objective_id:
            _refuse_in_batch(initiative.objective.cycle, audit, "initiative", initiative_ref)
        _update(actor, initiative, "initiative", initiative_ref, {"key_result": None}, audit)
    delete_recorded(actor, "key_result", ref, key_result, audit)


@atomic_write
def delete_key_result(
    *,
    actor: Actor,
    key_result: KeyResult,
    spared: Collection[int] = (),
    audit: AuditBatch | None = None,
) -> None:
    """The key result goes with its check-ins; initiatives linked to it stay, unlinked, and
    objectives aligned to it stay, unaligned (but those of the `spared` objectives, deleted in
    the same run, which go with them)."""
    objective = key_result.objective
    _require_objective_edit(
        actor,
        objective,
        f"You may not delete the key result “{key_result.title}”.",
        audit,
        "key_result",
        key_result.ref,
    )
    _delete_key_result(actor, key_result, spared, audit)


# ---------------------------------------------------------------------------------------------
# Initiatives


def _initiative_key_result(objective: Objective, key_result: KeyResult | None) -> None:
    if key_result is not None and key_result.objective_id != objective.pk:
        raise ValueError("an initiative's key result is one of its own objective's")


@atomic_write
def create_initiative(
    *,
    actor: Actor,
    objective: Objective,
    key: str,
    title: str,
    key_result: KeyResult | None = None,
    owner: Person | None = None,
    status: str = "planned",
    completed_on: dt.date | None = None,
    position: int | None = None,
    audit: AuditBatch | None = None,
    work: list[str] | None = None,
) -> Initiative:
    ref = f"{objective.key}/{key}"
    _require_objective_edit(
        actor,
        objective,
        f"You may not add initiatives to the objective “{objective.title}”.",
        audit,
        "initiative",
        ref,
    )
    _initiative_key_result(objective, key_result)
    initiative = Initiative.objects.create(
        objective=objective,
        key=key,
        title=title,
        key_result=key_result,
        owner=owner,
        status=status,
        completed_on=completed_on,
        position=_next_position(objective.initiatives.all(), position),
        work=list(work or []),
    )
    record_write(actor, "initiative", ref, None, initiative, audit)
    return initiative


@atomic_write
def update_initiative(
    *,
    actor: Actor,
    initiative: Initiative,
    title: str,
    key_result: KeyResult | None,
    owner: Person | None,
    status: str,
    completed_on: dt.date | None,
    position: int | None = None,
    audit: AuditBatch | None = None,
    work: list[str] | None = None,
) -> Initiative:
    """`work` None leaves the initiative's work patterns as they are."""
    objective = initiative.objective
    ref = f"{objective.key}/{initiative.key}"
    _require_objective_edit(
        actor,
        objective,
        f"You may not edit the initiative “{initiative.title}”.",
        audit,
        "initiative",
        ref,
    )
    _initiative_key_result(objective, key_result)
    values: dict[str, Any] = {
        "title": title,
        "key_result": key_result,
        "owner": owner,
        "status": status,
        "completed_on": completed_on,
    }
    if work is not None:
        values["work"] = list(work)
    _update(actor, initiative, "initiative", ref, values, audit, position=position)
    return initiative


@atomic_write
def delete_initiative(
    *, actor: Actor, initiative: Initiative, audit: AuditBatch | None = None
) -> None:
    objective = initiative.objective
    ref = f"{objective.key}/{initiative.key}"
    _require_objective_edit(
        actor,
        objective,
        f"You may not delete the initiative “{initiative.title}”.",
        audit,
        "initiative",
        ref,
    )
    delete_recorded(actor, "initiative", ref, initiative, audit)
