"""Making the database match a plan file: `okrs apply FILE`.

What apply does, in one transaction, after the whole file validated:

- the organisation gets the file's `organisation` name and `timezone` (when given);
- cycles, people, teams, objectives, key results, initiatives and `contributes_to` links that the
  file lists are created, or updated field by field where they differ. A field the file leaves
  out means its default (blank, `email`, `monday`, `planned`, weight 1, no team lead...), because
  the file is the plan: deleting a line from it must undo what the line did;
- identity is the key: people by email (lowercased), teams, cycles and objectives by key, key
  results and initiatives by their objective's key and their own. A key result keeps its
  check-ins when it is updated, since it is the same row;
- a team's members become exactly the file's `members` list;
- people apply creates get an unusable password (nobody can sign in as them until a password is
  set) and the default role; apply never changes anyone's role or password;
- positions follow the file's order. Rows whose stored order already matches the file keep their
  stored positions, so a database filled through the web app exports and re-applies with no
  change at all.

What `prune` removes, and nothing else:

- within the cycles the file speaks for (those listed under `cycles` or used by one of its
  objectives): objectives absent from the file, and, under the file's objectives, key results,
  initiatives and `contributes_to` links absent from the file. A removed key result takes its
  check-ins with it; the change says how many;
- teams absent from the file, when the file has a `teams` section. A team that objectives in
  other cycles still belong to is kept and reported, not removed;
- never people (they are only reported) and never cycles.

Removing something that rows outside the file point to (an objective in another cycle aligned
to a pruned key result, a link from it) unlinks those rows explicitly, so the audit log and the
list of changes show every row that changed, not only the ones the file names.

Nothing in a frozen cycle changes (its final scores were fixed at its end): a file that would
create, update or delete a frozen cycle's objectives, key results, initiatives or links, or the
cycle itself, is refused whole, each such change reported at its line (OKR122), as the editor
refuses them (okrs/goals/services.py).

Every row is written through the write layers the editor uses (okrs/goals/services.py,
okrs/org/services.py), which check the actor's permission: the command line is trusted, a
signed-in person may change only what they could change in the app. Each row changed gets one
entry in the audit log with its before and after snapshots, through the actor's channel
(`apply` unless the caller says otherwise). A dry run performs the same writes inside a
savepoint and rolls them back, so it reports exactly what a real run would do.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from django.db import transaction
from django.db.models import Count

from okrs.ascode.parse import (
    CycleSpec,
    InitiativeSpec,
    KeyResultSpec,
    ObjectiveSpec,
    PersonSpec,
    Plan,
    TeamSpec,
    load_plan_file,
)
from okrs.ascode.problems import FROZEN_CYCLE, PlanInvalid, Problem
from okrs.ascode.validate import (
    check_plan,
    number_text,
    prune_scope,
)
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import ContributionLink, Cycle, Initiative, KeyResult, Objective
from okrs.goals.services import (
    align_objective,
    create_contribution,
    create_cycle,
    create_initiative,
    create_key_result,
    create_objective,
    delete_contribution,
    delete_initiative,
    delete_key_result,
    delete_objective,
    key_result_values,
    move_contribution,
    update_cycle,
    update_initiative,
    update_key_result,
    update_objective,
)
from okrs.org.audit import Actor, AuditBatch
from okrs.org.models import Organisation, Person, Team
from okrs.org.services import (
    create_person,
    create_team,
    delete_team,
    update_organisation,
    update_person,
    update_team,
)

__all__ = [
    "ApplyResult",
    "Change",
    "PlanInvalid",
    "apply_file",
    "apply_plan",
    "format_changes",
]

Action = Literal["create", "update", "delete"]
K = TypeVar("K")

APPLY_ACTOR = Actor(person=None, channel="apply")


@dataclass
class Change:
    """One row created, updated or deleted. `fields` maps a field to (before, after), with
    related rows shown by key or email; for a creation `before` is None."""

    action: Action
    # organisation, cycle, person, team, objective, key_result, initiative or contribution
    entity: str
    ref: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for `--format json`."""
        return {
            "action": self.action,
            "entity": self.entity,
            "ref": self.ref,
            "fields": {
                name: {"before": _json_value(old), "after": _json_value(new)}
                for name, (old, new) in self.fields.items()
            },
            "note": self.note,
        }


@dataclass
class ApplyResult:
    changes: list[Change]
    notes: list[str]  # what apply chose not to do, e.g. people absent from a pruned file
    dry_run: bool = False
    prune: bool = False

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def count(self, action: Action) -> int:
        return sum(1 for change in self.changes if change.action == action)


def apply_file(
    path: str | Path,
    *,
    actor: Actor = APPLY_ACTOR,
    prune: bool = False,
    dry_run: bool = False,
) -> ApplyResult:
    """Parse, validate and apply a plan file; raises PlanInvalid (all problems) writing nothing."""
    plan = load_plan_file(path)
    return apply_plan(plan, actor=actor, prune=prune, dry_run=dry_run)


def apply_plan(
    plan: Plan, *, actor: Actor = APPLY_ACTOR, prune: bool = False, dry_run: bool = False
) -> ApplyResult:
    """Make the database match `plan`; raises PlanInvalid, writing nothing, if it has errors."""
    with transaction.atomic():
        check_plan(plan, prune=prune)
        applier = _Applier(plan, actor=actor, prune=prune)
        applier.run()
        if dry_run:
            transaction.set_rollback(True)
    return ApplyResult(changes=applier.changes, notes=applier.notes, dry_run=dry_run, prune=prune)


def format_changes(result: ApplyResult) -> list[str]:
    """Lines for people: `create objective x`, `update key_result x/y: target 6 -> 5`, ..."""
    lines = []
    for change in result.changes:
        line = f"{change.action} {change.entity} {change.ref}"
        if change.action == "update":
            line += ": " + ", ".join(
                f"{name} {_show(old)} -> {_show(new)}" for name, (old, new) in change.fields.items()
            )
        if change.note:
            line += f" ({change.note})"
        lines.append(line)
    lines.extend(f"note: {note}" for note in result.notes)
    if not result.changes:
        lines.append("No changes.")
    else:
        summary = (
            f"{result.count('create')} created, {result.count('update')} updated, "
            f"{result.count('delete')} deleted"
        )
        lines.append(summary + ".")
    return lines


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number_text(float(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return json.dumps(value, separators=(", ", ": "))
    text = str(value)
    if text and all(not ch.isspace() for ch in text) and '"' not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _same(old: Any, new: Any) -> bool:
    if isinstance(old, int | float) and isinstance(new, int | float):
        return float(old) == float(new)
    return bool(old == new)


def _diff(current: dict[str, Any], desired: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {
        name: (current.get(name), value)
        for name, value in desired.items()
        if not _same(current.get(name), value)
    }


def _positions(wanted: Sequence[K], stored: dict[K, tuple[int, int]]) -> dict[K, int]:
    """Position for each of `wanted` (file order); `stored` holds (position, id) of existing rows.

    When every row exists and the stored order already is the file's, the stored numbers stay:
    the web app may number rows differently (all 0, or gaps), and rewriting them would make a
    faithful export look changed on its next apply.
    """
    unchanged = all(key in stored for key in wanted) and (
        sorted(wanted, key=lambda key: stored[key]) == list(wanted)
    )
    if unchanged:
        return {key: stored[key][0] for key in wanted}
    return {key: index for index, key in enumerate(wanted)}


def _in_parent_order(specs: Sequence[CycleSpec] | Sequence[TeamSpec]) -> list[Any]:
    """Specs ordered so that a parent declared in the file comes before its children."""
    by_key = {spec.key: spec for spec in specs}
    ordered: list[Any] = []
    done: set[str] = set()

    def visit(spec: Any) -> None:
        if spec.key in done:
            return
        done.add(spec.key)  # loops were rejected by validation; this only guards recursion
        if spec.parent in by_key:
            visit(by_key[spec.parent])
        ordered.append(spec)

    for spec in specs:
        visit(spec)
    return ordered


class _Applier:
    """Compares the file with the database row by row and writes the differences.

    Every write goes through a write layer, which checks the actor's permission: cycles,
    objectives, key results, initiatives and links okrs/goals/services.py (which also refuses
    frozen cycles), the organisation, people and teams okrs/org/services.py. All of them write
    into one audit batch, so each row gets one entry for the whole run. `changes` is what
    people read: fields as the file writes them (related rows by key or email), in the order
    first written."""

    def __init__(self, plan: Plan, *, actor: Actor, prune: bool) -> None:
        self.plan = plan
        self.actor = actor
        self.prune = prune
        self.audit = AuditBatch(actor)
        self.changes: list[Change] = []
        self.notes: list[str] = []
        self.tracked: dict[tuple[str, str], Change] = {}
        self.people: dict[str, Person] = {}
        self.cycles: dict[str, Cycle] = {}
        self.teams: dict[str, Team] = {}
        self.objectives: dict[str, Objective] = {}
        self.key_results: dict[tuple[str, str], KeyResult] = {}

    # -- bookkeeping --------------------------------------------------------------------------

    def track(
        self, action: Action, entity: str, ref: str, fields: dict[str, tuple[Any, Any]]
    ) -> None:
        """Note a change; updates to a row already written in this run merge into its change."""
        existing = self.tracked.get((entity, ref))
        if existing is not None and existing.action != "delete":
            for name, (old, new) in fields.items():
                first_old = existing.fields.get(name, (old, new))[0]
                if existing.action == "update" and _same(first_old, new):
                    existing.fields.pop(name, None)
                else:
                    existing.fields[name] = (first_old, new)
            return
        change = Change(action, entity, ref, dict(fields))
        self.changes.append(change)
        self.tracked[(entity, ref)] = change

    def track_deleted(self, entity: str, ref: str, note: str = "") -> None:
        change = Change("delete", entity, ref, {}, note)
        self.changes.append(change)
        self.tracked[(entity, ref)] = change

    def refs_by_pk(self) -> dict[tuple[str, Any], str]:
        """Objective keys and key result refs by row id, read before a deletion clears them."""
        refs: dict[tuple[str, Any], str] = {
            ("objective", o.pk): o.key for o in self.objectives.values()
        }
        refs.update({("key_result", kr.pk): kr.ref for kr in self.key_results.values()})
        return refs

    def track_cascade(
        self, mark: int, refs: dict[tuple[str, Any], str], notes: dict[str, str]
    ) -> None:
        """The changes a deletion made on the side, read from the audit batch since `mark`:
        rows deleted with it, and rows elsewhere no longer pointing at it (`refs` names what
        they pointed at)."""
        for write in self.audit.writes[mark:]:
            if write.action == "delete":
                self.track_deleted(write.entity, write.ref, notes.get(write.ref, ""))
                continue
            before = write.before or {}
            if write.entity == "objective":
                pointed = before.get("aligns_to_key_result_id")
                target = (
                    refs.get(("key_result", pointed))
                    if pointed is not None
                    else refs.get(("objective", before.get("aligns_to_objective_id")))
                )
                self.track("update", "objective", write.ref, {"aligns_to": (target, None)})
            elif write.entity == "initiative":
                kr_ref = refs.get(("key_result", before.get("key_result_id")), "")
                key = kr_ref.partition("/")[2]
                self.track("update", "initiative", write.ref, {"key_result": (key, None)})

    def write_audit(self) -> None:
        self.audit.record()
        self.changes = [c for c in self.changes if c.action != "update" or c.fields]

    # -- the run ------------------------------------------------------------------------------

    def run(self) -> None:
        self.people = {p.email.lower(): p for p in Person.objects.all()}
        self.cycles = {c.key: c for c in Cycle.objects.select_related("parent")}
        self.teams = {
            t.key: t
            for t in Team.objects.select_related("parent", "lead").prefetch_related("members")
        }
        self.objectives = {
            o.key: o
            for o in Objective.objects.select_related(
                "cycle", "team", "owner", "aligns_to_objective", "aligns_to_key_result__objective"
            )
        }
        self.key_results = {
            (kr.objective.key, kr.key): kr
            for kr in KeyResult.objects.select_related("objective__cycle", "owner")
        }
        self.apply_organisation()
        for cycle_spec in _in_parent_order(self.plan.cycles):
            self.apply_cycle(cycle_spec)
        for person_spec in self.plan.people:
            self.apply_person(person_spec)
        for team_spec in _in_parent_order(self.plan.teams):
            self.apply_team(team_spec)
        self.apply_objectives()
        for objective_spec in self.plan.objectives:
            self.apply_alignment(objective_spec)
        for objective_spec in self.plan.objectives:
            self.apply_contributions(objective_spec)
        if self.prune:
            self.prune_rows()
        self.refuse_frozen()
        self.write_audit()

    # -- frozen cycles ------------------------------------------------------------------------

    def refuse_frozen(self) -> None:
        """PlanInvalid when the write layer refused a change to a frozen cycle: each change at
        its line, and the transaction rolls back."""
        refused = dict(self.audit.refused)
        problems: list[Problem] = []
        for change in self.changes:
            error = refused.pop((change.entity, change.ref), None)
            if error is not None:
                text = f"{change.action} {change.entity} {change.ref}: {error}"
                problems.append(self.frozen_problem(change.entity, change.ref, text))
        for (entity, ref), error in refused.items():
            problems.append(self.frozen_problem(entity, ref, f"{entity} {ref}: {error}"))
        if problems:
            raise PlanInvalid(problems, self.plan.filename)

    def frozen_problem(self, entity: str, ref: str, text: str) -> Problem:
        node = self.node_of(entity, ref)
        line = node.line if node is not None else self.plan.at("objectives")
        return Problem(line, text, FROZEN_CYCLE.id, node)

    def node_of(self, entity: str, ref: str) -> Any:
        """The plan node a change comes from, or None for a row the file leaves out (prune)."""
        objectives = {spec.key: spec for spec in self.plan.objectives}
        if entity == "cycle":
            return next((c for c in self.plan.cycles if c.key == ref), None)
        if entity == "objective":
            return objectives.get(ref)
        if entity == "contribution":
            return objectives.get(ref.split(" -> ", 1)[0])
        objective_key, _, key = ref.partition("/")
        spec = objectives.get(objective_key)
        if spec is None:
            return None
        children = spec.key_results if entity == "key_result" else spec.initiatives
        return next((child for child in children if child.key == key), spec)

    # -- organisation, cycles, people, teams --------------------------------------------------

    def apply_organisation(self) -> None:
        desired: dict[str, Any] = {}
        if self.plan.organisation is not None:
            desired["name"] = self.plan.organisation
        if self.plan.timezone is not None:
            desired["timezone"] = self.plan.timezone
        # The row is created with its defaults on first use anywhere in the product, so its
        # creation is not a change the file made; only the values the file sets are.
        org = Organisation.current()
        current = {"name": org.name, "timezone": org.timezone}
        if diff := _diff(current, desired):
            ref = org.name
            update_organisation(
                actor=self.actor, organisation=org, name=desired.get("name", org.name),
                timezone_name=desired.get("timezone", org.timezone), audit=self.audit,
            )  # fmt: skip
            self.track("update", "organisation", ref, diff)

    def apply_cycle(self, spec: CycleSpec) -> None:
        assert spec.start is not None and spec.end is not None  # validated
        start, end = spec.start, spec.end
        desired = {"name": spec.name, "start": start, "end": end, "parent": spec.parent}
        cycle = self.cycles.get(spec.key)
        parent = self.cycles.get(spec.parent) if spec.parent else None
        if cycle is None:
            self.cycles[spec.key] = create_cycle(
                actor=self.actor, key=spec.key, name=spec.name, start=start, end=end,
                parent=parent, audit=self.audit,
            )  # fmt: skip
            self.track("create", "cycle", spec.key, _created(desired))
            return
        current = {
            "name": cycle.name,
            "start": cycle.start,
            "end": cycle.end,
            "parent": cycle.parent.key if cycle.parent else None,
        }
        if diff := _diff(current, desired):
            update_cycle(
                actor=self.actor, cycle=cycle, name=spec.name, start=start, end=end,
                parent=parent, audit=self.audit,
            )  # fmt: skip
            self.track("update", "cycle", spec.key, diff)

    def apply_person(self, spec: PersonSpec) -> None:
        desired = {"name": spec.name, "timezone": spec.timezone, "channel": spec.channel}
        person = self.people.get(spec.email)
        if person is None:
            self.people[spec.email] = create_person(
                actor=self.actor, email=spec.email, name=spec.name, timezone_name=spec.timezone,
                channel=spec.channel, audit=self.audit,
            )  # fmt: skip
            self.track("create", "person", spec.email, _created(desired))
            return
        current = {"name": person.name, "timezone": person.timezone, "channel": person.channel}
        if diff := _diff(current, desired):
            update_person(
                actor=self.actor, person=person, name=spec.name, timezone_name=spec.timezone,
                channel=spec.channel, audit=self.audit,
            )  # fmt: skip
            self.track("update", "person", spec.email, diff)

    def apply_team(self, spec: TeamSpec) -> None:
        members = sorted(set(spec.members))
        desired = {
            "name": spec.name,
            "parent": spec.parent,
            "lead": spec.lead,
            "timezone": spec.timezone,
            "checkin_day": spec.checkin_day,
            "members": members,
        }
        parent = self.teams.get(spec.parent) if spec.parent else None
        lead = self.people[spec.lead] if spec.lead else None
        team = self.teams.get(spec.key)
        members_rows = [self.people[email] for email in members]
        if team is None:
            self.teams[spec.key] = create_team(
                actor=self.actor, key=spec.key, name=spec.name, parent=parent, lead=lead,
                timezone_name=spec.timezone, checkin_day=spec.checkin_day,
                members=members_rows, audit=self.audit,
            )  # fmt: skip
            self.track("create", "team", spec.key, _created(desired))
            return
        current = {
            "name": team.name,
            "parent": team.parent.key if team.parent else None,
            "lead": team.lead.email.lower() if team.lead else None,
            "timezone": team.timezone,
            "checkin_day": team.checkin_day,
            "members": sorted(p.email.lower() for p in team.members.all()),
        }
        if diff := _diff(current, desired):
            update_team(
                actor=self.actor, team=team, name=spec.name, parent=parent, lead=lead,
                timezone_name=spec.timezone, checkin_day=spec.checkin_day,
                members=members_rows if "members" in diff else None, audit=self.audit,
            )  # fmt: skip
            self.track("update", "team", spec.key, diff)

    # -- objectives, key results, initiatives -------------------------------------------------

    def apply_objectives(self) -> None:
        by_cycle: dict[str, list[str]] = {}
        for spec in self.plan.objectives:
            by_cycle.setdefault(spec.cycle or "", []).append(spec.key)
        positions: dict[str, int] = {}
        for keys in by_cycle.values():
            stored = {
                key: (self.objectives[key].position, self.objectives[key].pk)
                for key in keys
                if key in self.objectives
            }
            positions.update(_positions(keys, stored))
        for spec in self.plan.objectives:
            objective = self.apply_objective(spec, positions[spec.key])
            kr_positions = _positions(
                [kr.key for kr in spec.key_results],
                {
                    kr.key: (row.position, row.pk)
                    for kr in spec.key_results
                    if (row := self.key_results.get((spec.key, kr.key))) is not None
                },
            )
            for kr_spec in spec.key_results:
                self.apply_key_result(objective, kr_spec, kr_positions[kr_spec.key])
            existing = {
                i.key: i for i in objective.initiatives.select_related("key_result", "owner")
            }
            initiative_positions = _positions(
                [i.key for i in spec.initiatives],
                {
                    i.key: (existing[i.key].position, existing[i.key].pk)
                    for i in spec.initiatives
                    if i.key in existing
                },
            )
            for initiative_spec in spec.initiatives:
                self.apply_initiative(
                    objective,
                    initiative_spec,
                    existing.get(initiative_spec.key),
                    initiative_positions[initiative_spec.key],
                )

    def apply_objective(self, spec: ObjectiveSpec, position: int) -> Objective:
        assert spec.cycle is not None and spec.owner is not None  # validated
        desired = {
            "cycle": spec.cycle,
            "level": spec.level,
            "team": spec.team,
            "title": spec.title,
            "description": spec.description,
            "owner": spec.owner,
            "position": position,
        }
        cycle = self.cycles[spec.cycle]
        team = self.teams[spec.team] if spec.team else None
        owner = self.people[spec.owner]
        objective = self.objectives.get(spec.key)
        if objective is None:
            # Alignment and links come once every objective and key result exists.
            objective = create_objective(
                actor=self.actor, key=spec.key, cycle=cycle, level=spec.level, team=team,
                title=spec.title, description=spec.description, owner=owner,
                position=position, audit=self.audit,
            )  # fmt: skip
            self.objectives[spec.key] = objective
            self.track("create", "objective", spec.key, _created(desired))
            return objective
        current = {
            "cycle": objective.cycle.key,
            "level": objective.level,
            "team": objective.team.key if objective.team else None,
            "title": objective.title,
            "description": objective.description,
            "owner": objective.owner.email.lower(),
            "position": objective.position,
        }
        if diff := _diff(current, desired):
            update_objective(
                actor=self.actor, objective=objective, cycle=cycle, level=spec.level, team=team,
                title=spec.title, description=spec.description, owner=owner,
                aligns_to=_aligned_to(objective), position=position, audit=self.audit,
            )  # fmt: skip
            self.track("update", "objective", spec.key, diff)
        return objective

    def apply_key_result(self, objective: Objective, spec: KeyResultSpec, position: int) -> None:
        assert spec.owner is not None
        ref = f"{objective.key}/{spec.key}"
        # The mapping the write layer stores (the kind inferred, a milestone's target 1, no
        # source as None), to compare with what is stored.
        values = key_result_values(
            title=spec.title, kind=spec.kind, baseline=spec.baseline, target=spec.target,
            unit=spec.unit, weight=spec.weight, source=spec.source,
        )  # fmt: skip
        assert values["kind"] is not None  # validated
        # In the order changes are listed: title, owner, then the numbers.
        desired = {"title": spec.title, "owner": spec.owner, **values, "position": position}
        owner = self.people[spec.owner]
        kr = self.key_results.get((objective.key, spec.key))
        if kr is None:
            self.key_results[(objective.key, spec.key)] = create_key_result(
                actor=self.actor, objective=objective, key=spec.key, title=spec.title,
                owner=owner, kind=spec.kind, baseline=spec.baseline, target=spec.target,
                unit=spec.unit, weight=spec.weight, source=spec.source, position=position,
                audit=self.audit,
            )  # fmt: skip
            self.track("create", "key_result", ref, _created(desired))
            return
        current = {
            "title": kr.title,
            "owner": kr.owner.email.lower(),
            "kind": kr.kind,
            "baseline": kr.baseline,
            "target": kr.target,
            "unit": kr.unit,
            "weight": kr.weight,
            "source": kr.source or None,
            "position": kr.position,
        }
        if diff := _diff(current, desired):
            update_key_result(
                actor=self.actor, key_result=kr, title=spec.title, owner=owner,
                kind=spec.kind, baseline=spec.baseline, target=spec.target, unit=spec.unit,
                weight=spec.weight, source=spec.source, position=position, audit=self.audit,
            )  # fmt: skip
            self.track("update", "key_result", ref, diff)

    def apply_initiative(
        self,
        objective: Objective,
        spec: InitiativeSpec,
        initiative: Initiative | None,
        position: int,
    ) -> None:
        ref = f"{objective.key}/{spec.key}"
        desired = {
            "title": spec.title,
            "key_result": spec.key_result,
            "owner": spec.owner,
            "status": spec.status,
            "completed_on": spec.completed_on,
            "position": position,
            "work": spec.work,
        }
        kr = self.key_results[(objective.key, spec.key_result)] if spec.key_result else None
        owner = self.people[spec.owner] if spec.owner else None
        if initiative is None:
            create_initiative(
                actor=self.actor, objective=objective, key=spec.key, title=spec.title,
                key_result=kr, owner=owner, status=spec.status,
                completed_on=spec.completed_on, position=position, audit=self.audit,
                work=spec.work,
            )  # fmt: skip
            self.track("create", "initiative", ref, _created(desired))
            return
        current = {
            "title": initiative.title,
            "key_result": initiative.key_result.key if initiative.key_result else None,
            "owner": initiative.owner.email.lower() if initiative.owner else None,
            "status": initiative.status,
            "completed_on": initiative.completed_on,
            "position": initiative.position,
            "work": list(initiative.work or []),
        }
        if diff := _diff(current, desired):
            update_initiative(
                actor=self.actor, initiative=initiative, title=spec.title, key_result=kr,
                owner=owner, status=spec.status, completed_on=spec.completed_on,
                position=position, audit=self.audit, work=spec.work,
            )  # fmt: skip
            self.track("update", "initiative", ref, diff)

    # -- links --------------------------------------------------------------------------------

    def resolve(self, ref: str) -> Objective | KeyResult:
        objective_key, _, kr_key = ref.partition("/")
        if kr_key:
            return self.key_results[(objective_key, kr_key)]
        return self.objectives[objective_key]

    def apply_alignment(self, spec: ObjectiveSpec) -> None:
        objective = self.objectives[spec.key]
        target = self.resolve(spec.aligns_to) if spec.aligns_to else None
        current = {"aligns_to": _aligns_to_ref(objective)}
        if diff := _diff(current, {"aligns_to": spec.aligns_to}):
            align_objective(
                actor=self.actor, objective=objective, aligns_to=target, audit=self.audit
            )
            self.track("update", "objective", spec.key, diff)

    def apply_contributions(self, spec: ObjectiveSpec) -> None:
        objective = self.objectives[spec.key]
        existing: dict[str, ContributionLink] = {}
        extra: list[ContributionLink] = []
        for link in objective.contribution_links.select_related(
            "to_objective", "to_key_result__objective"
        ):
            ref = _link_target_ref(link)
            if ref in existing:
                extra.append(link)  # a duplicate made outside apply: the file lists it once
            else:
                existing[ref] = link
        positions = _positions(
            spec.contributes_to,
            {
                ref: (existing[ref].position, existing[ref].pk)
                for ref in spec.contributes_to
                if ref in existing
            },
        )
        for ref in spec.contributes_to:
            link_ref = f"{spec.key} -> {ref}"
            position = positions[ref]
            if ref in existing:
                stored = existing.pop(ref)
                current = {"position": stored.position}
                if diff := _diff(current, {"position": position}):
                    move_contribution(
                        actor=self.actor, link=stored, position=position, audit=self.audit
                    )
                    self.track("update", "contribution", link_ref, diff)
                continue
            create_contribution(
                actor=self.actor, objective=objective, target=self.resolve(ref),
                position=position, audit=self.audit,
            )  # fmt: skip
            fields = {"to": (None, ref), "position": (None, position)}
            self.track("create", "contribution", link_ref, fields)
        if self.prune:
            for ref, stale in [*existing.items(), *((_link_target_ref(x), x) for x in extra)]:
                delete_contribution(actor=self.actor, link=stale, audit=self.audit)
                self.track_deleted("contribution", f"{spec.key} -> {ref}")

    # -- prune --------------------------------------------------------------------------------

    def prune_rows(self) -> None:
        file_objectives = {spec.key: spec for spec in self.plan.objectives}
        scope = prune_scope(self.plan)
        doomed_objectives = [
            objective
            for key, objective in self.objectives.items()
            if key not in file_objectives and objective.cycle.key in scope
        ]
        doomed_ids = {objective.pk for objective in doomed_objectives}

        for spec in self.plan.objectives:
            objective = self.objectives[spec.key]
            keep_initiatives = {i.key for i in spec.initiatives}
            for initiative in objective.initiatives.all():
                if initiative.key not in keep_initiatives:
                    delete_initiative(actor=self.actor, initiative=initiative, audit=self.audit)
                    self.track_deleted("initiative", f"{spec.key}/{initiative.key}")
            keep_krs = {kr.key for kr in spec.key_results}
            for kr in list(objective.key_results.all()):
                if kr.key not in keep_krs:
                    self.delete_key_result(kr, doomed_ids)
        for objective in doomed_objectives:
            self.delete_objective(objective, doomed_ids)
        self.prune_teams()
        if self.plan.has("people"):
            listed = {spec.email for spec in self.plan.people}
            for email in sorted(self.people):
                if email not in listed:
                    self.notes.append(
                        f"person {email} is not in the file; apply never removes people"
                    )

    def delete_objective(self, objective: Objective, doomed_ids: set[int]) -> None:
        """With its key results, initiatives and links; rows of other doomed objectives that
        point at it are left to go with them."""
        checkins = CheckIn.objects.filter(key_result__objective=objective)
        counts = dict(checkins.values_list("key_result__key").annotate(n=Count("id")))
        notes = {f"{objective.key}/{key}": _checkins_note(n) for key, n in counts.items()}
        mark, refs = len(self.audit.writes), self.refs_by_pk()
        delete_objective(actor=self.actor, objective=objective, spared=doomed_ids, audit=self.audit)
        self.track_cascade(mark, refs, notes)

    def delete_key_result(self, kr: KeyResult, doomed_ids: set[int]) -> None:
        note = _checkins_note(CheckIn.objects.filter(key_result=kr).count())
        mark, refs = len(self.audit.writes), self.refs_by_pk()
        delete_key_result(actor=self.actor, key_result=kr, spared=doomed_ids, audit=self.audit)
        self.track_cascade(mark, refs, {kr.ref: note})

    def prune_teams(self) -> None:
        if not self.plan.has("teams"):
            return  # a file without a teams section does not speak for teams
        listed = {spec.key for spec in self.plan.teams}
        doomed = [team for key, team in self.teams.items() if key not in listed]
        kept: list[Team] = []
        for team in doomed:
            users = list(Objective.objects.filter(team=team).values_list("key", flat=True)[:5])
            if users:
                kept.append(team)
                self.notes.append(
                    f"team {team.key} is not in the file but objectives in other cycles belong "
                    f"to it ({', '.join(users)}); kept"
                )
        kept_ids = {team.pk for team in kept}
        for team in doomed:
            if team.pk in kept_ids:
                continue
            for child in Team.objects.filter(parent=team, pk__in=kept_ids).select_related("lead"):
                update_team(
                    actor=self.actor, team=child, name=child.name, parent=None, lead=child.lead,
                    timezone_name=child.timezone, checkin_day=child.checkin_day,
                    audit=self.audit,
                )  # fmt: skip
                self.track("update", "team", child.key, {"parent": (team.key, None)})
            delete_team(actor=self.actor, team=team, audit=self.audit)
            self.track_deleted("team", team.key)


def _created(desired: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {name: (None, value) for name, value in desired.items()}


def _checkins_note(count: int) -> str:
    return f"and its {count} check-in{'s' if count != 1 else ''}" if count else ""


def _aligned_to(objective: Objective) -> Objective | KeyResult | None:
    return objective.aligns_to_key_result or objective.aligns_to_objective


def _aligns_to_ref(objective: Objective) -> str | None:
    if objective.aligns_to_key_result is not None:
        kr = objective.aligns_to_key_result
        return f"{kr.objective.key}/{kr.key}"
    if objective.aligns_to_objective is not None:
        return objective.aligns_to_objective.key
    return None


def _link_target_ref(link: ContributionLink) -> str:
    if link.to_key_result is not None:
        return f"{link.to_key_result.objective.key}/{link.to_key_result.key}"
    if link.to_objective is not None:
        return link.to_objective.key
    return ""
