"""What is wrong with a plan, said of the node and field it concerns.

A problem names the plan node (okrs/ascode/parse.py) and the field it is about, so each reader
places it where its user looks: the YAML layer at a line, in the `FILE:LINE: message` form
(`okrs apply`, `okrs lint`, the lint API), the editor beside a form field.

Each problem names the check that found it by a stable id, so that `okrs lint` can report it as
a finding a team can look up: OKR000 for a file that cannot be read as a plan (its YAML, its
shape, its values), OKR1xx for the checks of what the values mean (validate.py). The coach's own
rules are OKR001-OKR099 (okrs/coach/rules.py).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One kind of error that makes `okrs apply` refuse a file."""

    id: str
    catches: str
    fix: str


PLAN_SHAPE = Check(
    "OKR000",
    "the file is not a valid plan: unreadable YAML, values YAML cannot carry into a plan, "
    "unknown or misspelt fields, missing required fields, values of the wrong type",
    "Fix the line named so that `okrs apply` can read it (the format: docs/okrs-as-code.md).",
)
INVALID_KEY = Check(
    "OKR101",
    "a key that is not lowercase letters, digits and '-' (cycle keys may use capitals)",
    "Rename the key: lowercase letters, digits and '-', starting with a letter or digit.",
)
DUPLICATE = Check(
    "OKR102",
    "a key, email, team member or contributes_to entry listed twice",
    "Give each entry its own key, or merge the two entries into one.",
)
TEXT_BOUNDS = Check(
    "OKR103",
    "text that is blank where a name is needed, or longer than the database holds",
    "Shorten the text to the limit named, or fill in the name.",
)
UNKNOWN_CHOICE = Check(
    "OKR104",
    "a level, kind, channel, status or checkin_day that is not one of the values allowed",
    "Use one of the values the message lists.",
)
UNKNOWN_TIMEZONE = Check(
    "OKR105",
    "a timezone that is not an IANA name",
    "Use an IANA timezone name such as Europe/London or America/Chicago.",
)
INVALID_EMAIL = Check(
    "OKR106",
    "a person whose email is not an email address",
    "Fix the email address.",
)
UNKNOWN_PERSON = Check(
    "OKR107",
    "an owner, team lead or member who is neither in the file's people nor in the database",
    "Add the person to `people`, or fix the email (people are matched by email).",
)
TEAM_AS_PERSON = Check(
    "OKR108",
    "a team's key where a person is needed (an owner, a lead, a member)",
    "Name the one person (their email) instead of the team.",
)
UNKNOWN_CYCLE = Check(
    "OKR109",
    "an objective's cycle or a cycle's parent that is neither in the file nor in the database",
    "Add the cycle to `cycles`, or fix its key.",
)
UNKNOWN_TEAM = Check(
    "OKR110",
    "an objective's team or a team's parent that is neither in the file nor in the database, "
    "or that --prune would remove",
    "Add the team to `teams`, or fix its key.",
)
UNKNOWN_REFERENCE = Check(
    "OKR111",
    "an aligns_to or contributes_to that names no objective or key result (in the file or the "
    "database, or one --prune would remove), or an objective contributing to itself",
    "Point it at an existing objective key or OBJECTIVE_KEY/KR_KEY.",
)
LOOP = Check(
    "OKR112",
    "an alignment loop, or a loop of parent teams or parent cycles",
    "Break the loop: one of the entries named must point elsewhere or nowhere.",
)
ENDS_BEFORE_START = Check(
    "OKR113",
    "a cycle that ends before it starts",
    "Swap or fix the start and end dates.",
)
TEAM_OBJECTIVE_WITHOUT_TEAM = Check(
    "OKR114",
    "an objective of level team with no team",
    "Name the team, or use level company or individual.",
)
INITIATIVE_ELSEWHERE = Check(
    "OKR115",
    "an initiative whose key_result is not a key result of its own objective",
    "Link the initiative to one of its objective's key results, or move it to the objective "
    "that holds that key result.",
)
MISSING_TARGET = Check(
    "OKR116",
    "a key result without a target (a milestone needs none)",
    "Set the target: the value that counts as success at the end of the cycle.",
)
TARGET_EQUALS_BASELINE = Check(
    "OKR117",
    "a key result to increase, decrease or of inferred kind whose target equals its baseline",
    "Set the target where the value should end; to hold a level use stay_above or stay_below.",
)
KIND_CONTRADICTS_NUMBERS = Check(
    "OKR118",
    "a kind that contradicts baseline and target (increase to a lower target, decrease to a "
    "higher one, a milestone whose target is not 1)",
    "Change the kind, or the baseline and target, so that they say the same thing.",
)
KIND_UNKNOWABLE = Check(
    "OKR119",
    "a key result with no kind and no baseline, so its kind cannot be inferred",
    "Set the kind (increase, decrease, stay_above, stay_below or milestone) or a baseline.",
)
WEIGHT_NOT_POSITIVE = Check(
    "OKR120",
    "a key result whose weight is 0 or less",
    "Set a weight greater than 0, or leave it out (1).",
)
SOURCE_INVALID = Check(
    "OKR121",
    "a key result source with an unknown kind, missing or unknown parameters, a secret written "
    "in the file, or a credential that does not exist",
    "Fix the source as the message says (the source kinds: docs/metrics.md).",
)
WORK_INVALID = Check(
    "OKR123",
    "an initiative's work entry that is not label:NAME, branch:PREFIX or jira:ISSUE-KEY",
    "Write each entry as label:NAME, branch:PREFIX or jira:PLAT-12 (docs/effort.md).",
)
# Found by `okrs apply` while it writes, not by the validator: whether a file changes a frozen
# cycle depends on what the database holds field by field, which only the write compares. So
# `okrs lint` cannot report it, and it is not among the CHECKS that lint and apply share.
FROZEN_CYCLE = Check(
    "OKR122",
    "a change to a cycle whose final scores are frozen, or to its objectives, key results, "
    "initiatives or contributes_to links",
    "Leave the frozen cycle's entries as they are (export it to see them), or plan the change "
    "in a cycle that is still open.",
)

CHECKS = {
    check.id: check
    for check in (
        PLAN_SHAPE,
        INVALID_KEY,
        DUPLICATE,
        TEXT_BOUNDS,
        UNKNOWN_CHOICE,
        UNKNOWN_TIMEZONE,
        INVALID_EMAIL,
        UNKNOWN_PERSON,
        TEAM_AS_PERSON,
        UNKNOWN_CYCLE,
        UNKNOWN_TEAM,
        UNKNOWN_REFERENCE,
        LOOP,
        ENDS_BEFORE_START,
        TEAM_OBJECTIVE_WITHOUT_TEAM,
        INITIATIVE_ELSEWHERE,
        MISSING_TARGET,
        TARGET_EQUALS_BASELINE,
        KIND_CONTRADICTS_NUMBERS,
        KIND_UNKNOWABLE,
        WEIGHT_NOT_POSITIVE,
        SOURCE_INVALID,
        WORK_INVALID,
    )
}


@dataclass(frozen=True)
class Problem:
    """One error in a plan. Lines count from 1, as editors and CI annotations do.

    `rule` is the id of the check that found it (the CHECKS above). `node` is the plan node it
    concerns (None for a file that cannot be read as a plan), `field` that node's field (None:
    the node as a whole, e.g. a duplicate key), `param` the parameter of a key result's source.
    `text` says what is wrong wherever it is shown; `first_line`, for a duplicate, is where the
    first of the two stands, which only a file reader needs."""

    line: int
    text: str
    rule: str = PLAN_SHAPE.id
    node: object | None = dataclasses.field(default=None, compare=False, repr=False)
    field: str | None = None
    param: str | None = None
    first_line: int | None = None

    @property
    def message(self) -> str:
        """The text as a file reader wants it, pointing at other lines where it needs to."""
        if self.first_line is None:
            return self.text
        return f"{self.text} (first defined on line {self.first_line})"

    def format(self, filename: str) -> str:
        return f"{filename}:{self.line}: {self.message}"


class PlanInvalid(Exception):
    """The plan was rejected whole; `problems` lists every error found, in file order."""

    def __init__(self, problems: Iterable[Problem], filename: str = "<plan>") -> None:
        # Stable sort: problems on one line keep the order they were found in.
        self.problems = sorted(problems, key=lambda problem: problem.line)
        self.filename = filename
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [problem.format(self.filename) for problem in self.problems]
