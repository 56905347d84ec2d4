"""Checking a plan against itself and against the database, collecting every error.

A plan may refer to things the file does not declare: a person who signed up through the web
app, a team or cycle managed in another file, a company objective that a team's file aligns to.
So references resolve against the file first and then the database. With `prune`, whatever
prune would remove no longer counts as existing (see apply.py for what prune removes), so a
file cannot both drop a team and keep pointing at it.

Every check appends to one list and carries on, so a CI run shows all the errors at once.
"""

from __future__ import annotations

import itertools
import re
import zoneinfo
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DatabaseError, connection

from okrs.ascode.parse import (
    CycleSpec,
    InitiativeSpec,
    KeyResultSpec,
    Node,
    ObjectiveSpec,
    PersonSpec,
    Plan,
    TeamSpec,
)
from okrs.ascode.problems import (
    DUPLICATE,
    ENDS_BEFORE_START,
    INITIATIVE_ELSEWHERE,
    INVALID_EMAIL,
    INVALID_KEY,
    KIND_CONTRADICTS_NUMBERS,
    KIND_UNKNOWABLE,
    LOOP,
    MISSING_TARGET,
    SOURCE_INVALID,
    TARGET_EQUALS_BASELINE,
    TEAM_AS_PERSON,
    TEAM_OBJECTIVE_WITHOUT_TEAM,
    TEXT_BOUNDS,
    UNKNOWN_CHOICE,
    UNKNOWN_CYCLE,
    UNKNOWN_PERSON,
    UNKNOWN_REFERENCE,
    UNKNOWN_TEAM,
    UNKNOWN_TIMEZONE,
    WEIGHT_NOT_POSITIVE,
    WORK_INVALID,
    Check,
    PlanInvalid,
    Problem,
)
from okrs.channels.base import CHANNELS
from okrs.goals.models import Cycle, InitiativeStatus, KeyResult, Kind, Level, Objective
from okrs.goals.services import inferred_kind, stored_target
from okrs.metrics.effort.linking import parse_work_entry
from okrs.metrics.sources.models import Credential
from okrs.metrics.sources.registry import source_problems
from okrs.numbers import plain_number
from okrs.org.models import WEEKDAYS, Person, Team

__all__ = [
    "DatabaseState",
    "Problem",
    "check_plan",
    "effective_kind",
    "effective_target",
    "number_text",
    "prune_scope",
    "validate_plan",
]

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
# Cycle keys name periods, and the format's own example (`2026-Q4`) uses a capital letter.
CYCLE_KEY_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*$")
KEY_RULE = "use lowercase letters, digits and '-', starting with a letter or digit"

_LEVELS = tuple(Level.values)
_KINDS = tuple(Kind.values)
_CHANNELS = tuple(CHANNELS)
_STATUSES = tuple(InitiativeStatus.values)
_DISTANCE_KINDS = ("increase", "decrease")

Keyed = CycleSpec | TeamSpec | ObjectiveSpec | KeyResultSpec | InitiativeSpec


def validate_plan(
    plan: Plan, *, prune: bool = False, database: DatabaseState | None = None
) -> list[Problem]:
    """Every problem in the plan (shape and meaning), in file order; empty when it can apply.

    This is the one judgement of a plan: `okrs apply` refuses a file for exactly these problems,
    and `okrs lint` and the lint API report exactly these as errors, so a file that lints clean
    applies. References resolve against `database`, by default what the database holds now."""
    problems = list(plan.problems)
    state = database if database is not None else DatabaseState.load()
    problems.extend(_Validator(plan, state, prune=prune).run())
    return sorted(problems, key=lambda problem: problem.line)


def check_plan(plan: Plan, *, prune: bool = False, database: DatabaseState | None = None) -> None:
    """Raise PlanInvalid listing every problem, or return when the plan is valid."""
    problems = validate_plan(plan, prune=prune, database=database)
    if problems:
        raise PlanInvalid(problems, plan.filename)


def prune_scope(plan: Plan) -> set[str]:
    """The cycles whose objectives the file speaks for: listed under `cycles` or used."""
    scope = {cycle.key for cycle in plan.cycles if cycle.key}
    scope.update(objective.cycle for objective in plan.objectives if objective.cycle)
    return scope


def effective_kind(kr: KeyResultSpec) -> str | None:
    """The kind as written, or inferred from the direction of baseline -> target."""
    return inferred_kind(kr.kind, kr.baseline, kr.target)


def effective_target(kr: KeyResultSpec) -> float | None:
    return stored_target(effective_kind(kr), kr.target)


def number_text(value: float | None) -> str:
    """A number as a plan file writes it: 96, not 96.0; `none` for no value."""
    return plain_number(value, none="none")


def _timezone_ok(name: str) -> bool:
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _choices(values: Iterable[str]) -> str:
    items = list(values)
    return ", ".join(items[:-1]) + " or " + items[-1]


@dataclass
class DatabaseState:
    """What the database already holds, reduced to the keys that references resolve against."""

    people: set[str]
    team_parents: dict[str, str | None]
    cycle_parents: dict[str, str | None]
    # objective key -> (cycle key, key of the objective it rolls up into, directly or via a KR)
    objectives: dict[str, tuple[str, str | None]]
    key_results: set[tuple[str, str]]
    # credential name -> the source kind it is for (okrs/metrics/sources/models.py)
    credentials: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> DatabaseState:
        people = {email.lower() for email in Person.objects.values_list("email", flat=True)}
        team_parents: dict[str, str | None] = dict(Team.objects.values_list("key", "parent__key"))
        cycle_parents: dict[str, str | None] = dict(Cycle.objects.values_list("key", "parent__key"))
        objectives: dict[str, tuple[str, str | None]] = {}
        rows = Objective.objects.values_list(
            "key", "cycle__key", "aligns_to_objective__key", "aligns_to_key_result__objective__key"
        )
        for key, cycle_key, parent_key, parent_kr_objective_key in rows:
            objectives[key] = (cycle_key, parent_key or parent_kr_objective_key)
        key_results = set(KeyResult.objects.values_list("objective__key", "key"))
        credentials: dict[str, str] = dict(Credential.objects.values_list("name", "kind"))
        return cls(people, team_parents, cycle_parents, objectives, key_results, credentials)

    @classmethod
    def empty(cls) -> DatabaseState:
        """A database that holds nothing: every reference must resolve within the file."""
        return cls(set(), {}, {}, {}, set())

    @classmethod
    def load_if_present(cls) -> DatabaseState | None:
        """What the database holds, or None when there is none to read (never created, not
        migrated, unreachable): `okrs lint` also runs where no okrs is installed, as in CI."""
        name = str(connection.settings_dict.get("NAME") or "")
        in_memory = name in ("", ":memory:") or name.startswith("file:")
        if connection.vendor == "sqlite" and not in_memory and not Path(name).exists():
            return None  # connecting would create an empty file where `okrs serve` looks
        try:
            if Person._meta.db_table not in connection.introspection.table_names():
                return None
            return cls.load()
        except DatabaseError:
            return None


class _Validator:
    def __init__(self, plan: Plan, db: DatabaseState, *, prune: bool) -> None:
        self.plan = plan
        self.db = db
        self.prune = prune
        self.problems: list[Problem] = []
        self.scope = prune_scope(plan)
        self.file_people = {person.email for person in plan.people if person.email}
        # The first of duplicated keys is the one references resolve to; the others are errors.
        self.file_teams = _first_by_key(plan.teams)
        self.file_cycles = _first_by_key(plan.cycles)
        self.file_objectives = _first_by_key(plan.objectives)

    def problem(
        self,
        check: Check,
        node: Node,
        field: str | None,
        text: str,
        *,
        line: int | None = None,
        param: str | None = None,
        first_line: int | None = None,
    ) -> None:
        """A problem about `field` of `node` (None: the node itself). It stands on the field's
        line unless `line` says otherwise (an entry of a list, a field left out)."""
        if line is None:
            line = node.at(field) if field is not None else node.line
        self.problems.append(
            Problem(line, text, check.id, node, field, param=param, first_line=first_line)
        )

    def run(self) -> list[Problem]:
        self.check_organisation()
        self.check_cycles()
        self.check_people()
        self.check_teams()
        self.check_objectives()
        self.check_alignment_loops()
        return self.problems

    # -- generic checks -----------------------------------------------------------------------

    def check_key(self, node: Keyed, *, pattern: re.Pattern[str] = KEY_PATTERN) -> None:
        key = node.key
        if key and not pattern.match(key):
            rule = KEY_RULE if pattern is KEY_PATTERN else "use letters, digits and '-'"
            self.problem(INVALID_KEY, node, "key", f"invalid key '{key}': {rule}")

    def check_length(self, node: Node, name: str, limit: int) -> None:
        value = getattr(node, name)
        if value is not None and len(value) > limit:
            self.problem(
                TEXT_BOUNDS,
                node,
                name,
                f"'{name}' is too long ({len(value)} characters, at most {limit})",
            )

    def check_duplicates(
        self,
        items: Sequence[tuple[str, Node, int]],
        label: str,
        where: str = "",
        *,
        field: str | None = None,
    ) -> None:
        """`items` are (key, node, line); `label` names what is duplicated ("team key"),
        `where` adds " in objective 'x'", `field` is the node's field holding the key (None:
        the key is the node's own)."""
        first_line: dict[str, int] = {}
        for key, node, line in items:
            if not key:
                continue
            if key in first_line:
                self.problem(
                    DUPLICATE,
                    node,
                    field,
                    f"duplicate {label} '{key}'{where}",
                    line=line,
                    first_line=first_line[key],
                )
            else:
                first_line[key] = line

    def check_timezone(self, node: Plan | PersonSpec | TeamSpec) -> None:
        name = node.timezone
        if name and not _timezone_ok(name):
            self.problem(
                UNKNOWN_TIMEZONE,
                node,
                "timezone",
                f"unknown timezone '{name}' (use an IANA name like Europe/London)",
            )

    def check_choice(self, node: Node, name: str, allowed: Sequence[str]) -> None:
        value = getattr(node, name)
        if value not in allowed:
            self.problem(
                UNKNOWN_CHOICE, node, name, f"unknown {name} '{value}' (use {_choices(allowed)})"
            )

    def team_exists(self, key: str) -> bool:
        # With prune, teams absent from the file are removed, so only the file's teams count.
        return key in self.file_teams or (not self.prune and key in self.db.team_parents)

    def check_person(
        self, email: str, role: str, node: Node, field: str, line: int | None = None
    ) -> None:
        """`role` completes "... needs a named person (an email)", e.g. "a team lead"."""
        self.check_named_person(
            email,
            node,
            field,
            line,
            as_team=f"'{email}' is a team, not a person: {role} needs a named person (an email)",
            unknown=f"unknown person '{email}' (not in the file's people or the database)",
        )

    def check_owner(self, node: ObjectiveSpec | KeyResultSpec | InitiativeSpec, what: str) -> None:
        email = node.owner
        if email is None:
            return
        self.check_named_person(
            email,
            node,
            "owner",
            None,
            as_team=f"owner '{email}' is a team, not a person: {what} needs a named person as "
            "its owner",
            unknown=f"unknown owner '{email}' (not in the file's people or the database)",
        )

    def check_named_person(
        self, email: str, node: Node, field: str, line: int | None, *, as_team: str, unknown: str
    ) -> None:
        """A person of the file or the database, else the problem `as_team` when the email is a
        team's key, or `unknown`."""
        if email in self.file_people or email in self.db.people:
            return
        if email in self.file_teams or email in self.db.team_parents:
            self.problem(TEAM_AS_PERSON, node, field, as_team, line=line)
            return
        self.problem(UNKNOWN_PERSON, node, field, unknown, line=line)

    # -- sections -----------------------------------------------------------------------------

    def check_organisation(self) -> None:
        plan = self.plan
        if plan.organisation is not None:
            if not plan.organisation.strip():
                self.problem(TEXT_BOUNDS, plan, "organisation", "'organisation' cannot be blank")
            self.check_length(plan, "organisation", 200)
        if plan.timezone is not None:
            self.check_timezone(plan)

    def check_cycles(self) -> None:
        cycles = self.plan.cycles
        self.check_duplicates([(c.key, c, c.line) for c in cycles], "cycle key")
        for cycle in cycles:
            self.check_key(cycle, pattern=CYCLE_KEY_PATTERN)
            self.check_length(cycle, "key", 64)
            self.check_length(cycle, "name", 200)
            if cycle.start and cycle.end and cycle.end < cycle.start:
                self.problem(
                    ENDS_BEFORE_START,
                    cycle,
                    "end",
                    f"cycle '{cycle.key}' ends ({cycle.end}) before it starts ({cycle.start})",
                )
            if cycle.parent is not None and not self.cycle_exists(cycle.parent):
                self.problem(
                    UNKNOWN_CYCLE,
                    cycle,
                    "parent",
                    f"unknown parent cycle '{cycle.parent}' (not in the file or the database)",
                )

        self.check_parent_loops("cycle", cycles, self.file_cycles, self.db.cycle_parents)

    def check_parent_loops(
        self,
        what: str,
        nodes: Sequence[CycleSpec] | Sequence[TeamSpec],
        in_file: Mapping[str, CycleSpec] | Mapping[str, TeamSpec],
        in_db: Mapping[str, str | None],
    ) -> None:
        """A problem for each loop of parents among the file's cycles or teams (`what`), the
        database telling the parents of those the file does not name."""

        def parent_of(key: str) -> str | None:
            if key in in_file:
                return in_file[key].parent
            return in_db.get(key)

        for loop in _loops([n.key for n in nodes if n.key], parent_of):
            first = in_file[loop[0]]
            self.problem(LOOP, first, "parent", f"{what} parent loop: " + " -> ".join(loop))

    def cycle_exists(self, key: str) -> bool:
        return key in self.file_cycles or key in self.db.cycle_parents

    def check_people(self) -> None:
        people = self.plan.people
        self.check_duplicates(
            [(p.email, p, p.at("email")) for p in people], "person email", field="email"
        )
        for person in people:
            if person.email:
                try:
                    validate_email(person.email)
                except ValidationError:
                    self.problem(INVALID_EMAIL, person, "email", f"invalid email '{person.email}'")
                self.check_length(person, "email", 254)
            self.check_length(person, "name", 200)
            self.check_timezone(person)
            self.check_choice(person, "channel", _CHANNELS)

    def check_teams(self) -> None:
        teams = self.plan.teams
        self.check_duplicates([(t.key, t, t.line) for t in teams], "team key")
        for team in teams:
            self.check_key(team)
            self.check_length(team, "key", 64)
            self.check_length(team, "name", 200)
            if team.has("name") and not team.name.strip():
                self.problem(TEXT_BOUNDS, team, "name", "'name' cannot be blank")
            if team.parent is not None and not self.team_exists(team.parent):
                self.problem(
                    UNKNOWN_TEAM, team, "parent", self.missing_team(team.parent, "parent team")
                )
            if team.lead is not None:
                self.check_person(team.lead, "a team lead", team, "lead")
            self.check_duplicates(
                [
                    (email, team, line)
                    for email, line in zip(team.members, team.member_lines, strict=True)
                ],
                "member",
                f" in team '{team.key}'",
                field="members",
            )
            for email, line in zip(team.members, team.member_lines, strict=True):
                self.check_person(email, "a team member", team, "members", line)
            self.check_timezone(team)
            self.check_choice(team, "checkin_day", WEEKDAYS)

        self.check_parent_loops("team", teams, self.file_teams, self.db.team_parents)

    def missing_team(self, key: str, what: str) -> str:
        if self.prune and key in self.db.team_parents:
            return (
                f"{what} '{key}' is not in the file, and --prune removes teams absent from the "
                "file; add it to 'teams'"
            )
        return f"unknown {what} '{key}' (not in the file's teams or the database)"

    # -- objectives ---------------------------------------------------------------------------

    def objective_survives(self, key: str) -> bool:
        if key in self.file_objectives:
            return True
        if key not in self.db.objectives:
            return False
        return not (self.prune and self.db.objectives[key][0] in self.scope)

    def key_result_survives(self, objective_key: str, kr_key: str) -> bool:
        objective = self.file_objectives.get(objective_key)
        if objective is not None and any(kr.key == kr_key for kr in objective.key_results):
            return True
        if not self.objective_survives(objective_key):
            return False
        if self.prune and objective is not None:
            return False  # prune removes a file objective's key results that the file dropped
        return (objective_key, kr_key) in self.db.key_results

    def reference_problem(self, ref: str) -> str | None:
        """Why `ref` (OBJECTIVE_KEY or OBJECTIVE_KEY/KR_KEY) does not resolve, or None."""
        objective_key, _, kr_key = ref.partition("/")
        pruned = " (it is not in the file, and --prune removes it)"
        if "/" in ref:
            if self.key_result_survives(objective_key, kr_key):
                return None
            if (objective_key, kr_key) in self.db.key_results and self.prune:
                return f"key result '{ref}' would not exist after apply{pruned}"
            return f"no key result '{ref}' (in the file or the database)"
        if self.objective_survives(objective_key):
            return None
        if objective_key in self.db.objectives and self.prune:
            return f"objective '{ref}' would not exist after apply{pruned}"
        return f"no objective '{ref}' (in the file or the database)"

    def check_objectives(self) -> None:
        objectives = self.plan.objectives
        self.check_duplicates([(o.key, o, o.line) for o in objectives], "objective key")
        for objective in objectives:
            self.check_objective(objective)

    def check_objective(self, objective: ObjectiveSpec) -> None:
        self.check_key(objective)
        self.check_length(objective, "key", 100)
        self.check_length(objective, "title", 500)
        if objective.cycle is not None and not self.cycle_exists(objective.cycle):
            self.problem(
                UNKNOWN_CYCLE,
                objective,
                "cycle",
                f"unknown cycle '{objective.cycle}' (not in the file's cycles or the database)",
            )
        self.check_choice(objective, "level", _LEVELS)
        if objective.team is not None:
            if not self.team_exists(objective.team):
                self.problem(
                    UNKNOWN_TEAM, objective, "team", self.missing_team(objective.team, "team")
                )
        elif objective.level == "team":
            # About the team the objective lacks; in a file it stands where the level says team.
            self.problem(
                TEAM_OBJECTIVE_WITHOUT_TEAM,
                objective,
                "team",
                f"objective '{objective.key}' has level team but no 'team' "
                "(name the team, or use level company or individual)",
                line=objective.at("level"),
            )
        self.check_owner(objective, "an objective")
        if objective.aligns_to is not None:
            why = self.reference_problem(objective.aligns_to)
            if why:
                self.problem(
                    UNKNOWN_REFERENCE,
                    objective,
                    "aligns_to",
                    f"aligns_to '{objective.aligns_to}': {why}",
                )
        seen: dict[str, int] = {}
        for ref, line in zip(objective.contributes_to, objective.contributes_lines, strict=True):
            if ref in seen:
                text = f"contributes_to '{ref}' is listed twice"
                self.problem(DUPLICATE, objective, "contributes_to", text, line=line)
                continue
            seen[ref] = line
            if ref.partition("/")[0] == objective.key:
                text = f"objective '{objective.key}' cannot contribute to itself"
                self.problem(UNKNOWN_REFERENCE, objective, "contributes_to", text, line=line)
                continue
            why = self.reference_problem(ref)
            if why:
                text = f"contributes_to '{ref}': {why}"
                self.problem(UNKNOWN_REFERENCE, objective, "contributes_to", text, line=line)

        self.check_duplicates(
            [(kr.key, kr, kr.line) for kr in objective.key_results],
            "key result key",
            f" in objective '{objective.key}'",
        )
        for kr in objective.key_results:
            self.check_key_result(kr)

        self.check_duplicates(
            [(i.key, i, i.line) for i in objective.initiatives],
            "initiative key",
            f" in objective '{objective.key}'",
        )
        kr_keys = {kr.key for kr in objective.key_results}
        for initiative in objective.initiatives:
            self.check_key(initiative)
            self.check_length(initiative, "key", 100)
            self.check_length(initiative, "title", 500)
            self.check_choice(initiative, "status", _STATUSES)
            self.check_owner(initiative, "an initiative")
            self.check_work(initiative)
            kr_key = initiative.key_result
            if kr_key is not None and kr_key not in kr_keys:
                in_db = not self.prune and (objective.key, kr_key) in self.db.key_results
                if not in_db:
                    self.problem(
                        INITIATIVE_ELSEWHERE,
                        initiative,
                        "key_result",
                        f"initiative '{initiative.key}': key_result '{kr_key}' is not a key "
                        f"result of objective '{objective.key}'",
                    )

    def check_work(self, initiative: InitiativeSpec) -> None:
        """Each `work` entry is label:NAME, branch:PREFIX or jira:ISSUE-KEY, listed once."""
        seen: dict[str, int] = {}
        for entry, line in zip(initiative.work, initiative.work_lines, strict=True):
            try:
                parse_work_entry(entry)
            except ValueError as exc:
                self.problem(
                    WORK_INVALID, initiative, "work", f"initiative '{initiative.key}': {exc}",
                    line=line,
                )  # fmt: skip
                continue
            if entry in seen:
                self.problem(
                    DUPLICATE, initiative, "work",
                    f"initiative '{initiative.key}': work entry '{entry}' is listed twice",
                    line=line, first_line=seen[entry],
                )  # fmt: skip
            seen.setdefault(entry, line)

    def check_key_result(self, kr: KeyResultSpec) -> None:
        self.check_key(kr)
        self.check_length(kr, "key", 100)
        self.check_length(kr, "title", 500)
        self.check_length(kr, "unit", 32)
        self.check_owner(kr, "a key result")
        if kr.has("weight") and kr.weight <= 0:
            self.problem(
                WEIGHT_NOT_POSITIVE,
                kr,
                "weight",
                f"weight must be greater than 0 (got {number_text(kr.weight)})",
            )
        if kr.source is not None and "source" not in kr.invalid:
            self.check_source(kr)
        baseline, target = kr.baseline, kr.target
        if kr.invalid & {"kind", "baseline", "target"}:
            return  # the value's type is reported already; what it would mean is unknowable
        if kr.kind is not None and kr.kind not in _KINDS:
            self.check_choice(kr, "kind", _KINDS)
            return
        if kr.kind is None:
            if target is None:
                # Where the target would be: the key result itself, as the coach says too.
                self.problem(
                    MISSING_TARGET, kr, "target", f"key result '{kr.key}' is missing a target"
                )
            elif baseline is None:
                self.problem(
                    KIND_UNKNOWABLE,
                    kr,
                    "target",
                    f"key result '{kr.key}' needs a kind: with no baseline it cannot be inferred "
                    "(use increase, decrease, stay_above, stay_below or milestone)",
                )
            elif target == baseline:
                self.problem(
                    TARGET_EQUALS_BASELINE,
                    kr,
                    "target",
                    f"target equals baseline ({number_text(target)}): nothing to increase or "
                    "decrease (use kind stay_above or stay_below to hold a level)",
                )
            return
        kind = kr.kind
        if kind != "milestone" and target is None:
            self.problem(
                MISSING_TARGET,
                kr,
                "target",
                f"key result '{kr.key}' ({kind}) is missing a target",
            )
            return
        if kind in _DISTANCE_KINDS and baseline is not None and target is not None:
            if target == baseline:
                self.problem(
                    TARGET_EQUALS_BASELINE,
                    kr,
                    "target",
                    f"target equals baseline ({number_text(target)}) for kind {kind}: "
                    "nothing to move (use stay_above or stay_below to hold a level)",
                )
            elif kind == "increase" and target < baseline:
                self.problem(
                    KIND_CONTRADICTS_NUMBERS,
                    kr,
                    "kind",
                    f"kind increase contradicts baseline {number_text(baseline)} and target "
                    f"{number_text(target)}: the target is below the baseline (use decrease)",
                )
            elif kind == "decrease" and target > baseline:
                self.problem(
                    KIND_CONTRADICTS_NUMBERS,
                    kr,
                    "kind",
                    f"kind decrease contradicts baseline {number_text(baseline)} and target "
                    f"{number_text(target)}: the target is above the baseline (use increase)",
                )
        if kind == "milestone" and target is not None and target != 1:
            self.problem(
                KIND_CONTRADICTS_NUMBERS,
                kr,
                "target",
                f"a milestone is done at 1, so its target must be 1 or left out "
                f"(got {number_text(target)})",
            )

    def check_source(self, kr: KeyResultSpec) -> None:
        """The source against the registry: known kind, required and known parameters, no
        secret written out (okrs/metrics/sources/registry.py), credentials that exist."""
        assert kr.source is not None
        source_line = kr.at("source")
        for problem in source_problems(kr.source, credentials=self.db.credentials):
            self.problem(
                SOURCE_INVALID,
                kr,
                "source",
                f"source of key result '{kr.key}': {problem.message}",
                line=kr.source_lines.get(problem.param or "", source_line),
                param=problem.param,
            )

    def check_alignment_loops(self) -> None:
        def parent_of(key: str) -> str | None:
            objective = self.file_objectives.get(key)
            if objective is not None:
                ref = objective.aligns_to
                if ref is None or self.reference_problem(ref) is not None:
                    return None
                return ref.partition("/")[0]
            if key in self.db.objectives and self.objective_survives(key):
                return self.db.objectives[key][1]
            return None

        def shown_ref(key: str) -> str | None:
            # What `key` aligns to as written (OBJ/KR when through a key result).
            objective = self.file_objectives.get(key)
            return objective.aligns_to if objective is not None else parent_of(key)

        keys = list(dict.fromkeys(o.key for o in self.plan.objectives if o.key))
        for loop in _loops(keys, parent_of):
            steps = [shown_ref(key) or parent for key, parent in itertools.pairwise(loop)]
            objective = self.file_objectives[loop[0]]
            self.problem(
                LOOP, objective, "aligns_to", "alignment loop: " + " -> ".join([loop[0], *steps])
            )


N = TypeVar("N", CycleSpec, TeamSpec, ObjectiveSpec)


def _first_by_key(nodes: Iterable[N]) -> dict[str, N]:
    found: dict[str, N] = {}
    for node in nodes:
        if node.key and node.key not in found:
            found[node.key] = node
    return found


def _loops(starts: Sequence[str], parent_of: Callable[[str], str | None]) -> list[list[str]]:
    """Each loop in a parent relation once, as [a, b, ..., a] starting from its first start."""
    found: list[list[str]] = []
    in_a_loop: set[str] = set()
    for start in starts:
        if start in in_a_loop:
            continue
        path = [start]
        seen = {start}
        current = parent_of(start)
        while current is not None and current not in seen:
            path.append(current)
            seen.add(current)
            current = parent_of(current)
        if current == start:
            found.append([*path, start])
            in_a_loop.update(path)
    return found
