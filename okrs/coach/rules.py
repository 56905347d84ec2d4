"""The coach's rules: plain functions over the plan nodes of okrs/ascode/parse.py.

No ORM here: the same rules run over a file (`okrs lint`, the API) and over the fields of one
form in the web editor, whose view supplies the few facts that only the database knows (how
many key results an objective already has, how many an owner already holds in the cycle).
Every finding names a stable rule id, so that a team can discuss, document or ignore one
rule by its id.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass

from okrs.ascode.parse import KeyResultSpec, ObjectiveSpec, Plan
from okrs.coach.classify import DELIVERABLE, classify
from okrs.coach.rewrite import outcome_rewrite
from okrs.timeutil import day_text


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


ERROR = "error"
WARNING = "warning"
INFO = "info"

MIN_KEY_RESULTS = 2
MAX_KEY_RESULTS = 5
MAX_KEY_RESULTS_PER_OWNER = 5


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    catches: str


RULES = {
    rule.id: rule
    for rule in (
        Rule("OKR001", ERROR, "objective without key results"),
        Rule("OKR002", WARNING, "objective with a single key result"),
        Rule("OKR003", WARNING, "objective with more than five key results"),
        Rule("OKR004", ERROR, "key result without a named person as owner"),
        Rule("OKR005", ERROR, "key result without a target"),
        Rule("OKR006", ERROR, "key result whose target equals its baseline"),
        Rule("OKR007", WARNING, "increase or decrease key result without a baseline"),
        Rule("OKR008", WARNING, "milestone key result (done or not)"),
        Rule("OKR009", WARNING, "key result worded as a deliverable or activity"),
        Rule("OKR010", WARNING, "objective that holds a number"),
        Rule("OKR011", WARNING, "team or individual objective not aligned to a goal"),
        Rule("OKR012", WARNING, "person owning more than five key results in a cycle"),
        Rule("OKR013", WARNING, "initiative that no merged work has linked to in two weeks"),
    )
}

# How long work has to link to an initiative before the coach says nothing does.
UNLINKED_INITIATIVE_DAYS = 14


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    ref: str | None  # the objective key or OBJECTIVE_KEY/KR_KEY; None for the file itself
    line: int | None
    message: str
    suggestion: str

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def _finding(
    rule: str, ref: str | None, line: int | None, message: str, suggestion: str
) -> Finding:
    return Finding(rule, RULES[rule].severity, ref, line, message, suggestion)


def has_errors(findings: Iterable[Finding]) -> bool:
    return any(finding.severity == ERROR for finding in findings)


# ---------------------------------------------------------------------------------------------
# Objectives

# A standalone number in an objective's title: "by 20%", "£5M", "3x", "10,000". Years
# ("in 2027"), versions ("v2") and names with digits ("SOC 2", "ISO 27001", "P1", "Web3")
# are words, not targets.
_OBJECTIVE_NUMBER = re.compile(
    r"(?<![\w.-])(?:[£$€]\s?)?\d[\d,]*(?:\.\d+)?\s?(?:%|percent\b|per cent\b|x\b|[kmb]\b)?"
    r"(?![\w-])",
    re.IGNORECASE,
)
_NAMED_NUMBER = re.compile(r"\b(?:soc|iso|web|tier|level|phase|v|version|p|sev|q)\s?\d+", re.I)
_YEAR = re.compile(r"^(?:19|20)\d\d$")


def number_in_objective(title: str) -> str | None:
    """The number an objective's title holds, or None."""
    names = {match.span() for match in _NAMED_NUMBER.finditer(title)}
    for match in _OBJECTIVE_NUMBER.finditer(title):
        text = match.group(0).strip()
        if _YEAR.match(text):
            continue
        if any(start <= match.start() < end for start, end in names):
            continue
        return text
    return None


def check_objective(
    objective: ObjectiveSpec,
    *,
    key_result_count: int,
    aligned_children: int = 0,
    located: bool = True,
) -> list[Finding]:
    """The rules about one objective. `aligned_children`: objectives that roll up into it."""

    def line(name: str | None = None) -> int | None:
        if not located:
            return None
        return objective.at(name) if name else objective.line

    ref = objective.key or None
    found: list[Finding] = []
    if key_result_count == 0:
        if aligned_children == 0:
            found.append(
                _finding(
                    "OKR001",
                    ref,
                    line(),
                    "The objective has no key results, so nothing says whether it was achieved.",
                    "Add 2 to 5 key results: measurable outcomes that show the objective is met.",
                )
            )
    elif key_result_count < MIN_KEY_RESULTS:
        found.append(
            _finding(
                "OKR002",
                ref,
                line("key_results"),
                "The objective has a single key result: one number can be met while the "
                "objective is missed.",
                "Add a second key result that guards the other side (quality, cost or customer "
                "experience), for 2 to 5 in all.",
            )
        )
    elif key_result_count > MAX_KEY_RESULTS:
        found.append(
            _finding(
                "OKR003",
                ref,
                line("key_results"),
                f"The objective has {key_result_count} key results; more than "
                f"{MAX_KEY_RESULTS} dilutes focus.",
                "Keep the 3 to 5 that matter most; move the rest to another objective or to a "
                "health metric you watch.",
            )
        )
    number = number_in_objective(objective.title)
    if number:
        found.append(
            _finding(
                "OKR010",
                ref,
                line("title"),
                f"The objective holds a number (“{number}”): objectives are qualitative and "
                "directional.",
                f"Say where you want to go in words, and move “{number}” into a key result "
                "with a baseline and a target.",
            )
        )
    if objective.level in ("team", "individual") and not objective.aligns_to:
        found.append(
            _finding(
                "OKR011",
                ref,
                line("aligns_to"),
                f"This {objective.level} objective aligns to nothing, so nobody can see which "
                "company goal it serves.",
                "Set aligns_to to the company objective (or key result) it moves; if it serves "
                "none, ask whether it belongs in this cycle.",
            )
        )
    return found


# ---------------------------------------------------------------------------------------------
# Key results

_GROUP_MAILBOXES = _words(
    """
    team all everyone engineering eng dev devs developers ops devops sre support info admin
    sales marketing hr people product design data security it finance leadership staff
    noreply no-reply platform
    """
)


def owner_problem(owner: str | None, team_keys: Iterable[str] = ()) -> str | None:
    """Why `owner` is not a named person, or None when it looks like one."""
    if not owner or not owner.strip():
        return "no owner"
    owner = owner.strip().lower()
    teams = {key.lower() for key in team_keys}
    if owner in teams:
        return f"“{owner}” is a team"
    if "@" not in owner:
        return f"“{owner}” is not a person's email address"
    local = owner.split("@", 1)[0]
    if local in teams:
        return f"“{owner}” is the mailbox of the team “{local}”"
    if local in _GROUP_MAILBOXES or local.endswith(("-team", ".team", "_team")):
        return f"“{owner}” looks like a group mailbox"
    return None


def _kind(kr: KeyResultSpec) -> str | None:
    if kr.kind:
        return kr.kind
    if kr.baseline is None or kr.target is None or kr.target == kr.baseline:
        return None
    return "increase" if kr.target > kr.baseline else "decrease"


def check_key_result(
    kr: KeyResultSpec,
    *,
    ref: str | None,
    team_keys: Iterable[str] = (),
    located: bool = True,
    owner_known_missing: bool = False,
) -> list[Finding]:
    """The rules about one key result. `owner_known_missing`: the parser already reported the
    missing owner as an error, so the coach does not say it twice."""

    def line(name: str) -> int | None:
        return kr.at(name) if located else None

    found: list[Finding] = []
    problem = None if owner_known_missing else owner_problem(kr.owner, team_keys)
    if problem:
        found.append(
            _finding(
                "OKR004",
                ref,
                line("owner"),
                f"The key result needs one named person as its owner ({problem}).",
                "Name the one person who checks in and answers for it; a team or a shared "
                "mailbox owns nothing.",
            )
        )
    found.extend(_measurable(kr, ref, line))
    if kr.title.strip() and "title" not in kr.invalid:
        verdict = classify(kr.title)
        if verdict.label == DELIVERABLE:
            found.append(
                _finding(
                    "OKR009",
                    ref,
                    line("title"),
                    f"“{' '.join(kr.title.split())}” reads as a deliverable or activity, not an "
                    f"outcome: {verdict.reason}.",
                    outcome_rewrite(kr.title, verdict.subject),
                )
            )
    return found


def _measurable(
    kr: KeyResultSpec, ref: str | None, line: Callable[[str], int | None]
) -> list[Finding]:
    if {"kind", "baseline", "target"} & kr.invalid:
        return []  # the parser has reported the bad value already
    kind = _kind(kr)
    if kr.kind == "milestone":
        return [
            _finding(
                "OKR008",
                ref,
                line("kind"),
                "A milestone is done or not: it shows no progress on the way and says nothing "
                "about the result it was meant to bring.",
                "Measure the change the milestone should cause (kind increase or decrease, with "
                "a baseline and a target) and track the milestone as an initiative.",
            )
        ]
    if kr.target is None:
        return [
            _finding(
                "OKR005",
                ref,
                line("target"),
                "The key result has no target, so nobody can tell when it is achieved.",
                "Set a target (and a baseline for increase or decrease): the value that counts "
                "as success at the end of the cycle.",
            )
        ]
    if kind in (None, "increase", "decrease") and kr.target == kr.baseline:
        return [
            _finding(
                "OKR006",
                ref,
                line("target"),
                "The target equals the baseline: there is no change to measure.",
                "Set the target to where the value should be at the end of the cycle; to "
                "hold a level, use kind stay_above or stay_below.",
            )
        ]
    if kr.kind in ("increase", "decrease") and kr.baseline is None:
        return [
            _finding(
                "OKR007",
                ref,
                line("baseline"),
                f"A key result of kind {kr.kind} needs a baseline: progress is measured from "
                "where you start.",
                "Set the baseline to today's value (measure it first if you do not know it).",
            )
        ]
    if kr.kind is None and kr.baseline is None:
        return [
            _finding(
                "OKR007",
                ref,
                line("baseline"),
                "The key result has a target but no baseline, so its direction and progress "
                "cannot be measured.",
                "Set the baseline to today's value, or a kind (stay_above or stay_below) when "
                "the aim is to hold a level.",
            )
        ]
    return []


# ---------------------------------------------------------------------------------------------
# Owners across a cycle


def owner_load_finding(
    *, owner: str, cycle: str, count: int, ref: str | None, line: int | None
) -> Finding | None:
    """One finding when `owner` holds more than five key results in `cycle`."""
    if count <= MAX_KEY_RESULTS_PER_OWNER:
        return None
    return _finding(
        "OKR012",
        ref,
        line,
        f"{owner} owns {count} key results in {cycle}; more than "
        f"{MAX_KEY_RESULTS_PER_OWNER} is more than one person can move.",
        "Hand some to the people doing the work, or drop the ones that matter least.",
    )


# ---------------------------------------------------------------------------------------------
# A whole plan


def lint_plan(plan: Plan) -> list[Finding]:
    """The coach's findings over a parsed plan, in file order. What stops the plan from being
    applied is apply's to say (okrs/coach/lint.py puts the two together)."""
    found: list[Finding] = []
    team_keys = {team.key for team in plan.teams if team.key}
    children: dict[str, int] = defaultdict(int)
    for objective in plan.objectives:
        if objective.aligns_to and "/" not in objective.aligns_to:
            children[objective.aligns_to] += 1
    # (cycle, owner) -> key results in file order, for the owner load rule.
    owned: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for objective in plan.objectives:
        found.extend(
            check_objective(
                objective,
                key_result_count=len(objective.key_results),
                aligned_children=children.get(objective.key, 0),
            )
        )
        for kr in objective.key_results:
            ref = f"{objective.key}/{kr.key}"
            found.extend(
                check_key_result(
                    kr, ref=ref, team_keys=team_keys, owner_known_missing=kr.owner is None
                )
            )
            if kr.owner and objective.cycle:
                owned[(objective.cycle, kr.owner)].append((ref, kr.at("owner")))
    for (cycle, owner), refs in owned.items():
        if len(refs) > MAX_KEY_RESULTS_PER_OWNER:
            ref, line = refs[MAX_KEY_RESULTS_PER_OWNER]  # the first one over the limit
            finding = owner_load_finding(
                owner=owner, cycle=cycle, count=len(refs), ref=ref, line=line
            )
            if finding:
                found.append(finding)
    return sorted(found, key=lambda finding: (finding.line or 0, finding.rule))


# ---------------------------------------------------------------------------------------------
# Initiatives and the work that links to them (the database's facts, given by okrs.coach.work)


def unlinked_initiative_finding(
    *, ref: str, since: dt.date, today: dt.date, linked_items: int, work: Sequence[str]
) -> Finding | None:
    """OKR013: an initiative that no merged work has linked to, `UNLINKED_INITIATIVE_DAYS`
    after `since` (the later of its cycle's start and when it was planned)."""
    waited = (today - since).days
    if linked_items or waited < UNLINKED_INITIATIVE_DAYS:
        return None
    listed = f" (it lists {', '.join(work)})" if work else " (it lists no work)"
    objective_key, _, initiative_key = ref.partition("/")
    return _finding(
        "OKR013",
        ref,
        None,
        f"no merged pull request has linked to this initiative in the {waited} days since "
        f"{day_text(since)}{listed}",
        "list in its work the labels, branch prefixes or Jira issues its pull requests use, or "
        f"add a line 'Initiative: {objective_key}/{initiative_key}' to its pull requests; if "
        "nobody works on it, say so: drop it or plan the work",
    )
