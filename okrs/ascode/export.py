"""Writing the database as a plan file: `okrs export [--cycle C]`.

The output applies back with no change: every value that differs from what `apply` assumes for a
missing field is written, and only those are left out (a blank timezone, channel `email`,
check-in day `monday`, weight 1, a milestone's target of 1, a kind that baseline and target
imply). Keys come in the order of the example in docs/okrs-as-code.md.

With a cycle, the file holds that cycle's objectives, the people they name and every team with
the people the teams name. All teams, not only the ones the cycle uses: teams are not tied to a
cycle, and `apply --prune` removes teams a file leaves out.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString

from okrs.goals.models import ContributionLink, Cycle, Initiative, KeyResult, Objective
from okrs.org.models import Organisation, Person, Team

__all__ = ["UnknownCycle", "export_plan"]


class UnknownCycle(LookupError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"no cycle '{key}'")


def export_plan(cycle_key: str | None = None) -> str:
    """The plan as YAML text; only `cycle_key`'s objectives when given (UnknownCycle if absent)."""
    organisation = Organisation.objects.order_by("id").first() or Organisation()
    cycles = list(Cycle.objects.select_related("parent").order_by("start", "key"))
    objectives = Objective.objects.select_related(
        "cycle",
        "team",
        "owner",
        "aligns_to_objective",
        "aligns_to_key_result__objective",
    ).order_by("cycle__start", "cycle__key", "position", "id")
    if cycle_key is not None:
        cycles = [cycle for cycle in cycles if cycle.key == cycle_key]
        if not cycles:
            raise UnknownCycle(cycle_key)
        objectives = objectives.filter(cycle__key=cycle_key)
    objective_rows = list(objectives)
    teams = _in_tree_order(Team.objects.select_related("parent", "lead"))
    members = _members_by_team()

    key_results = _grouped(
        KeyResult.objects.filter(objective__in=objective_rows)
        .select_related("owner")
        .order_by("position", "id")
    )
    initiatives = _grouped(
        Initiative.objects.filter(objective__in=objective_rows)
        .select_related("key_result", "owner")
        .order_by("position", "id")
    )
    links = _grouped(
        ContributionLink.objects.filter(objective__in=objective_rows)
        .select_related("to_objective", "to_key_result__objective")
        .order_by("position", "id")
    )

    people = Person.objects.order_by("email")
    if cycle_key is not None:
        people = people.filter(email__in=_people_named(objective_rows, teams, members))

    plan = CommentedMap()
    plan["organisation"] = _text(organisation.name)
    plan["timezone"] = organisation.timezone
    plan["cycles"] = CommentedSeq(_cycle(cycle) for cycle in cycles)
    plan["people"] = CommentedSeq(_person(person) for person in people)
    plan["teams"] = CommentedSeq(_team(team, members.get(team.pk, [])) for team in teams)
    plan["objectives"] = CommentedSeq(
        _objective(
            objective,
            key_results.get(objective.pk, []),
            initiatives.get(objective.pk, []),
            links.get(objective.pk, []),
        )
        for objective in objective_rows
    )
    for section in ("cycles", "people", "teams", "objectives"):
        plan.yaml_set_comment_before_after_key(section, before="\n")
    plan.yaml_set_start_comment(
        "okrs plan (format: docs/okrs-as-code.md): apply with `okrs apply FILE`"
        + (f"; objectives of cycle {cycle_key} only" if cycle_key else "")
    )

    yaml = YAML(typ="rt")
    yaml.width = 4096  # wrapped titles are valid YAML but hard to diff and grep
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    yaml.dump(plan, out)
    return out.getvalue()


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _text(value: str) -> str:
    """Free text written so that it reads back exactly.

    Several clean lines become a literal block, as a person would write them. Text with control
    or separator characters (NEL, U+2028...) is double-quoted, the one YAML style with escapes:
    ruamel would otherwise write them raw and the reader would turn them into line breaks.
    """
    lines = value.split("\n")
    readable = (
        len(lines) > 1
        and all(line.isprintable() and line == line.rstrip() for line in lines)
        and lines[0].strip() == lines[0] != ""
        and lines[-1] != ""
    )
    if readable:
        return LiteralScalarString(value)
    if not value.isprintable():
        return DoubleQuotedScalarString(value)
    return value


# Plain scalars that read back as the same string inside `{...}` and `[...]`. ruamel writes some
# others plain there that its own parser then rejects (a name like "?0"), so those get quotes.
_FLOW_SAFE = re.compile(r"^[A-Za-z_][\w.@+/-]*( [\w.@+/()'-]+)*$")


def _flow_value(value: Any) -> Any:
    if isinstance(value, dict):
        return _flow_map(value)
    if isinstance(value, list):
        return _flow_list(value)
    if isinstance(value, str) and (not _FLOW_SAFE.match(value) or not value.isprintable()):
        return DoubleQuotedScalarString(value)
    return value


def _flow_map(data: dict[str, Any]) -> CommentedMap:
    mapping = CommentedMap((key, _flow_value(value)) for key, value in data.items())
    mapping.fa.set_flow_style()
    return mapping


def _flow_list(items: Iterable[Any]) -> CommentedSeq:
    seq = CommentedSeq(_flow_value(item) for item in items)
    seq.fa.set_flow_style()
    return seq


def _grouped(rows: Iterable[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for row in rows:
        grouped.setdefault(row.objective_id, []).append(row)
    return grouped


def _members_by_team() -> dict[int, list[str]]:
    members: dict[int, list[str]] = {}
    through = Team.members.through.objects.select_related("person")
    for row in through.order_by("person__email"):
        members.setdefault(row.team_id, []).append(row.person.email.lower())
    return members


def _in_tree_order(teams: Iterable[Team]) -> list[Team]:
    """Departments before their teams, siblings by key, as a person would write the list."""
    rows = sorted(teams, key=lambda team: team.key)
    children: dict[int | None, list[Team]] = {}
    ids = {team.pk for team in rows}
    for team in rows:
        parent = team.parent_id if team.parent_id in ids else None
        children.setdefault(parent, []).append(team)
    ordered: list[Team] = []
    seen: set[int] = set()

    def visit(team: Team) -> None:
        if team.pk in seen:
            return
        seen.add(team.pk)
        ordered.append(team)
        for child in children.get(team.pk, []):
            visit(child)

    for team in children.get(None, []):
        visit(team)
    for team in rows:  # a parent loop made outside apply has no root; keep those teams anyway
        visit(team)
    return ordered


def _people_named(
    objectives: Iterable[Objective], teams: Iterable[Team], members: dict[int, list[str]]
) -> set[str]:
    emails: set[str] = set()
    objective_ids = []
    for objective in objectives:
        objective_ids.append(objective.pk)
        emails.add(objective.owner.email)
    emails.update(
        KeyResult.objects.filter(objective_id__in=objective_ids).values_list(
            "owner__email", flat=True
        )
    )
    emails.update(
        Initiative.objects.filter(objective_id__in=objective_ids, owner__isnull=False).values_list(
            "owner__email", flat=True
        )
    )
    for team in teams:
        if team.lead is not None:
            emails.add(team.lead.email)
        emails.update(members.get(team.pk, []))
    # Emails are stored lowercased by apply, but people created elsewhere may differ in case.
    return emails | {email.lower() for email in emails}


def _cycle(cycle: Cycle) -> CommentedMap:
    data = CommentedMap()
    data["key"] = cycle.key
    if cycle.name:
        data["name"] = _text(cycle.name)
    data["start"] = cycle.start
    data["end"] = cycle.end
    if cycle.parent is not None:
        data["parent"] = cycle.parent.key
    return data


def _person(person: Person) -> CommentedMap:
    data: dict[str, Any] = {"email": person.email.lower()}
    if person.name:
        data["name"] = person.name
    if person.timezone:
        data["timezone"] = person.timezone
    if person.channel != "email":
        data["channel"] = person.channel
    return _flow_map(data)


def _team(team: Team, members: list[str]) -> CommentedMap:
    data = CommentedMap()
    data["key"] = team.key
    data["name"] = _text(team.name)
    if team.parent is not None:
        data["parent"] = team.parent.key
    if team.lead is not None:
        data["lead"] = team.lead.email.lower()
    if team.timezone:
        data["timezone"] = team.timezone
    if team.checkin_day != "monday":
        data["checkin_day"] = team.checkin_day
    if members:
        data["members"] = _flow_list(members)
    return data


def _objective(
    objective: Objective,
    key_results: list[KeyResult],
    initiatives: list[Initiative],
    links: list[ContributionLink],
) -> CommentedMap:
    data = CommentedMap()
    data["key"] = objective.key
    data["cycle"] = objective.cycle.key
    data["level"] = objective.level
    if objective.team is not None:
        data["team"] = objective.team.key
    data["title"] = _text(objective.title)
    if objective.description:
        data["description"] = _text(objective.description)
    data["owner"] = objective.owner.email.lower()
    if objective.aligns_to_key_result is not None:
        kr = objective.aligns_to_key_result
        data["aligns_to"] = f"{kr.objective.key}/{kr.key}"
    elif objective.aligns_to_objective is not None:
        data["aligns_to"] = objective.aligns_to_objective.key
    if links:
        data["contributes_to"] = _flow_list(_link_ref(link) for link in links)
    if key_results:
        data["key_results"] = CommentedSeq(_key_result(kr) for kr in key_results)
    if initiatives:
        data["initiatives"] = CommentedSeq(_initiative(i) for i in initiatives)
    return data


def _link_ref(link: ContributionLink) -> str:
    if link.to_key_result is not None:
        return f"{link.to_key_result.objective.key}/{link.to_key_result.key}"
    assert link.to_objective is not None
    return link.to_objective.key


def _key_result(kr: KeyResult) -> CommentedMap:
    data = CommentedMap()
    data["key"] = kr.key
    data["title"] = _text(kr.title)
    data["owner"] = kr.owner.email.lower()
    if not _kind_implied(kr):
        data["kind"] = kr.kind
    if kr.baseline is not None:
        data["baseline"] = _number(kr.baseline)
    if kr.target is not None and not (kr.kind == "milestone" and kr.target == 1):
        data["target"] = _number(kr.target)
    if kr.unit:
        data["unit"] = _text(kr.unit)
    if kr.weight != 1:
        data["weight"] = _number(kr.weight)
    if kr.source:
        data["source"] = _flow_map(kr.source) if isinstance(kr.source, dict) else kr.source
    return data


def _kind_implied(kr: KeyResult) -> bool:
    """Whether leaving `kind` out would make apply infer the same kind: a target above the baseline
    means increase, below it decrease."""
    if kr.baseline is None or kr.target is None or kr.target == kr.baseline:
        return False
    inferred = "increase" if kr.target > kr.baseline else "decrease"
    return kr.kind == inferred


def _initiative(initiative: Initiative) -> CommentedMap:
    data = CommentedMap()
    data["key"] = initiative.key
    data["title"] = _text(initiative.title)
    if initiative.key_result is not None:
        data["key_result"] = initiative.key_result.key
    if initiative.owner is not None:
        data["owner"] = initiative.owner.email.lower()
    data["status"] = initiative.status
    if initiative.completed_on is not None:
        data["completed_on"] = initiative.completed_on
    if initiative.work:
        data["work"] = _flow_list(str(entry) for entry in initiative.work)
    return data
