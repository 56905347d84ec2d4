"""A plan with errors is rejected whole: every error as FILE:LINE: message, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.apps import apps

from okrs.ascode.apply import apply_file, apply_plan
from okrs.ascode.parse import load_plan
from okrs.ascode.problems import PlanInvalid
from okrs.ascode.validate import validate_plan
from okrs.goals.models import Cycle, Objective
from okrs.org.audit import Actor
from okrs.org.models import Person, Team

DATA = Path(__file__).parent / "data"
BROKEN = DATA / "broken.yaml"
EXAMPLE_PLAN = DATA / "example_plan.yaml"
ACTOR = Actor(person=None, channel="apply")

pytestmark = pytest.mark.django_db

# (line, message) for every error in tests/data/broken.yaml, in file order.
EXPECTED = [
    (3, "unknown timezone 'Mars/Olympus_Mons' (use an IANA name like Europe/London)"),
    (8, "duplicate cycle key '2026-Q4' (first defined on line 5)"),
    (13, "cycle 'backwards' ends (2026-10-01) before it starts (2026-12-31)"),
    (14, "invalid key 'q4_2026': use letters, digits and '-'"),
    (15, "'start' must be a date (YYYY-MM-DD)"),
    (18, "unknown channel 'pigeon' (use email, slack or teams)"),
    (19, "duplicate person email 'maya@acme.test' (first defined on line 18)"),
    (20, "unknown timezone 'Moon/Base' (use an IANA name like Europe/London)"),
    (24, "unknown parent team 'no-such-team' (not in the file's teams or the database)"),
    (
        26,
        "unknown checkin_day 'someday' "
        "(use monday, tuesday, wednesday, thursday, friday, saturday or sunday)",
    ),
    (27, "unknown person 'ghost@acme.test' (not in the file's people or the database)"),
    (28, "duplicate team key 'platform' (first defined on line 22)"),
    (
        30,
        "invalid key 'Bad_Team': use lowercase letters, digits and '-', "
        "starting with a letter or digit",
    ),
    (38, "alignment loop: company-goal -> team-goal/speed -> company-goal"),
    (
        49,
        "owner 'platform' is a team, not a person: a key result needs a named person as its owner",
    ),
    (
        50,
        "kind increase contradicts baseline 10 and target 5: the target is below the baseline "
        "(use decrease)",
    ),
    (
        56,
        "kind decrease contradicts baseline 5 and target 10: the target is above the baseline "
        "(use increase)",
    ),
    (
        63,
        "target equals baseline (7): nothing to increase or decrease "
        "(use kind stay_above or stay_below to hold a level)",
    ),
    (64, "key result 'no-target' (stay_above) is missing a target"),
    (68, "duplicate key result key 'speed' in objective 'team-goal' (first defined on line 47)"),
    (70, "unknown owner 'nobody@acme.test' (not in the file's people or the database)"),
    (71, "unknown kind 'sideways' (use increase, decrease, stay_above, stay_below or milestone)"),
    (73, "weight must be greater than 0 (got 0)"),
    (
        79,
        "target equals baseline (3) for kind increase: nothing to move "
        "(use stay_above or stay_below to hold a level)",
    ),
    (
        83,
        "initiative 'canary': key_result 'no-such-kr' is not a key result of objective 'team-goal'",
    ),
    (84, "unknown status 'someday' (use planned, in_progress, done or dropped)"),
    (85, "duplicate initiative key 'canary' in objective 'team-goal' (first defined on line 81)"),
    (87, "duplicate objective key 'team-goal' (first defined on line 39)"),
    (88, "unknown cycle '2026-Q9' (not in the file's cycles or the database)"),
    (89, "unknown level 'department' (use company, team or individual)"),
    (92, "an objective is missing the required field 'owner'"),
    (
        94,
        "objective 'orphan' has level team but no 'team' "
        "(name the team, or use level company or individual)",
    ),
    (96, "unknown field 'ownr' in an objective (did you mean 'owner'?)"),
    (
        97,
        "aligns_to 'missing-objective': no objective 'missing-objective' "
        "(in the file or the database)",
    ),
    (
        98,
        "contributes_to 'company-goal/missing-kr': no key result 'company-goal/missing-kr' "
        "(in the file or the database)",
    ),
    (
        99,
        "invalid key 'Elsewhere': use lowercase letters, digits and '-', "
        "starting with a letter or digit",
    ),
    (102, "unknown team 'no-such-team' (not in the file's teams or the database)"),
    (
        105,
        "aligns_to 'team-goal/missing-kr': no key result 'team-goal/missing-kr' "
        "(in the file or the database)",
    ),
]


@pytest.fixture
def existing() -> None:
    """A person and a team the broken file refers to without declaring them: not errors."""
    Person.objects.create_user("db-person@acme.test", name="Already Here")
    Team.objects.create(key="db-team", name="Database team")


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


@pytest.mark.parametrize("options", [{}, {"dry_run": True}, {"prune": True}])
def test_a_broken_file_reports_every_error_and_writes_nothing(
    existing: None, options: dict[str, bool]
) -> None:
    before = row_counts()

    with pytest.raises(PlanInvalid) as caught:
        apply_file(BROKEN, actor=ACTOR, **options)

    expected = [f"{BROKEN}:{line}: {message}" for line, message in EXPECTED]
    if options.get("prune"):
        # With prune, teams missing from the file are removed, so a database team cannot be used.
        expected.insert(
            next(i for i, (line, _) in enumerate(EXPECTED) if line > 42),
            f"{BROKEN}:42: team 'db-team' is not in the file, and --prune removes teams absent "
            "from the file; add it to 'teams'",
        )
    assert caught.value.lines() == expected
    assert str(caught.value) == "\n".join(expected)
    assert row_counts() == before


def test_every_error_kind_is_in_the_broken_file(existing: None) -> None:
    """The file keeps covering the list of checks that plan files get."""
    messages = " | ".join(message for _, message in EXPECTED)
    for phrase in [
        "unknown owner",
        "unknown team",
        "unknown parent team",
        "unknown cycle",
        "duplicate cycle key",
        "duplicate team key",
        "duplicate objective key",
        "duplicate key result key",
        "duplicate initiative key",
        "duplicate person email",
        "aligns_to 'missing-objective': no objective",
        "aligns_to 'team-goal/missing-kr': no key result",
        "alignment loop",
        "kind increase contradicts",
        "kind decrease contradicts",
        "target equals baseline (7)",
        "target equals baseline (3) for kind increase",
        "missing a target",
        "is a team, not a person: a key result needs a named person",
        "invalid key",
        "unknown level",
        "unknown kind",
        "unknown channel",
        "unknown status",
        "unknown checkin_day",
        "unknown timezone",
        "ends (2026-10-01) before it starts",
        "has level team but no 'team'",
        "unknown field 'ownr'",
        "is not a key result of objective",
        "weight must be greater than 0",
    ]:
        assert phrase in messages


def test_the_database_is_untouched_even_when_it_already_holds_a_plan() -> None:
    apply_file(EXAMPLE_PLAN, actor=ACTOR)
    before = row_counts()
    text = EXAMPLE_PLAN.read_text().replace("target: 6\n", "target: 6\n        ownr: x\n")
    text = text.replace("title: Grow revenue", "title: Grow more revenue")

    with pytest.raises(PlanInvalid) as caught:
        apply_plan(load_plan(text, filename="plan.yaml"), actor=ACTOR)

    assert caught.value.lines() == [
        "plan.yaml:44: unknown field 'ownr' in a key result (did you mean 'owner'?)"
    ]
    assert row_counts() == before
    assert Objective.objects.get(key="grow-self-serve").title.startswith("Grow revenue")


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (
            "organisation: Acme\ncycles:\n  - key: q\n    start: [2026-10-01\n    end: 2026\n",
            5,
            "invalid YAML: expected ',' or ']', but got ':'",
        ),
        ("organisation: Acme\ntimezone: UTC\norganisation: Other\n", 3, "found duplicate key"),
        ("organisation: Acme\n  timezone: UTC\n", 2, "invalid YAML: mapping values are not"),
        ('{"organisation": "Acme",\n "cycles": [}\n', 2, "invalid YAML:"),
    ],
)
def test_malformed_yaml_is_reported_at_its_line(text: str, line: int, message: str) -> None:
    before = row_counts()

    with pytest.raises(PlanInvalid) as caught:
        apply_plan(load_plan(text, filename="bad.yaml"), actor=ACTOR)

    [problem] = caught.value.problems
    assert problem.line == line
    assert message in problem.message
    assert caught.value.lines()[0].startswith(f"bad.yaml:{line}: invalid YAML: ")
    assert row_counts() == before


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ["p.yaml:1: the file is empty; expected a plan (organisation, cycles, ...)"]),
        ("- a\n- b\n", ["p.yaml:1: expected a mapping at the top (organisation:, cycles:, ...)"]),
        ("cycles: nope\n", ["p.yaml:1: 'cycles' must be a list of cycle entries"]),
        ("people:\n  - just-a-string\n", ["p.yaml:2: each entry of 'people' must be a mapping"]),
        (
            "objectives:\n  - key: x\n    cycle: c\n",
            [
                "p.yaml:2: an objective is missing the required field 'title'",
                "p.yaml:2: an objective is missing the required field 'owner'",
                "p.yaml:2: objective 'x' has level team but no 'team' "
                "(name the team, or use level company or individual)",
                "p.yaml:3: unknown cycle 'c' (not in the file's cycles or the database)",
            ],
        ),
    ],
)
def test_shapes_that_are_not_a_plan(text: str, expected: list[str]) -> None:
    plan = load_plan(text, filename="p.yaml")
    lines = [problem.format("p.yaml") for problem in validate_plan(plan)]
    assert [line[: len(want)] for line, want in zip(lines, expected, strict=True)] == expected


def test_a_nul_character_in_text_is_an_error_with_its_line() -> None:
    text = 'organisation: Acme\npeople:\n  - {email: a@acme.test, name: "A\\0B"}\n'
    with pytest.raises(PlanInvalid) as caught:
        load_plan(text, filename="p.yaml")
    assert caught.value.lines() == ["p.yaml:3: 'name' must not contain a NUL character"]


def test_json_is_accepted_and_its_errors_have_lines_too() -> None:
    plan = {
        "organisation": "Acme",
        "timezone": "Europe/London",
        "cycles": [{"key": "2026-Q4", "start": "2026-10-01", "end": "2026-12-31"}],
        "people": [{"email": "maya@acme.test", "name": "Maya"}],
        "objectives": [
            {
                "key": "o",
                "cycle": "2026-Q4",
                "level": "company",
                "title": "O",
                "owner": "maya@acme.test",
                "key_results": [
                    {
                        "key": "k",
                        "title": "K",
                        "owner": "maya@acme.test",
                        "baseline": 1,
                        "target": 2,
                    }
                ],
            }
        ],
    }
    text = json.dumps(plan, indent=2)
    apply_plan(load_plan(text, filename="plan.json"), actor=ACTOR)
    assert Cycle.objects.get(key="2026-Q4").start.isoformat() == "2026-10-01"
    assert Objective.objects.get(key="o").key_results.get().kind == "increase"

    broken = text.replace('"target": 2', '"target": "two"')
    with pytest.raises(PlanInvalid) as caught:
        apply_plan(load_plan(broken, filename="plan.json"), actor=ACTOR)
    line = broken.splitlines().index('          "target": "two"') + 1
    assert caught.value.lines() == [f"plan.json:{line}: 'target' must be a number"]


def test_prune_refuses_references_to_what_it_would_remove() -> None:
    apply_file(EXAMPLE_PLAN, actor=ACTOR)
    text = EXAMPLE_PLAN.read_text()
    start = text.index("      - key: change-failure-rate")
    dropped = text[:start] + text[text.index("    initiatives:") :]
    dropped += (
        "  - key: reviews\n"
        "    cycle: 2026-Q4\n"
        "    level: individual\n"
        "    title: Reviews\n"
        "    owner: sam@acme.test\n"
        "    aligns_to: deploys-advantage/change-failure-rate\n"
    )
    plan = load_plan(dropped, filename="plan.yaml")

    assert validate_plan(plan) == []  # without prune the key result stays, so this is fine
    [problem] = validate_plan(plan, prune=True)
    assert problem.message == (
        "aligns_to 'deploys-advantage/change-failure-rate': key result "
        "'deploys-advantage/change-failure-rate' would not exist after apply "
        "(it is not in the file, and --prune removes it)"
    )


def test_loops_through_objectives_already_in_the_database_are_found() -> None:
    apply_file(EXAMPLE_PLAN, actor=ACTOR)  # deploys-advantage aligns to grow-self-serve
    text = """
objectives:
  - key: grow-self-serve
    cycle: 2026-Q4
    level: company
    title: Grow revenue from self-serve customers
    owner: ceo@acme.test
    aligns_to: deploys-advantage/lead-time
"""
    problems = validate_plan(load_plan(text, filename="plan.yaml"))
    assert [(p.line, p.message) for p in problems] == [
        (8, "alignment loop: grow-self-serve -> deploys-advantage/lead-time -> grow-self-serve")
    ]


def test_team_and_cycle_parent_loops() -> None:
    text = """
cycles:
  - {key: a, start: 2026-01-01, end: 2026-12-31, parent: b}
  - {key: b, start: 2026-01-01, end: 2026-12-31, parent: a}
teams:
  - {key: x, name: X, parent: y}
  - {key: y, name: Y, parent: x}
"""
    problems = validate_plan(load_plan(text))
    assert [(p.line, p.message) for p in problems] == [
        (3, "cycle parent loop: a -> b -> a"),
        (6, "team parent loop: x -> y -> x"),
    ]


def test_a_milestone_needs_no_target_but_cannot_have_another_one() -> None:
    text = """
people: [{email: a@acme.test}]
cycles: [{key: c, start: 2026-01-01, end: 2026-03-31}]
objectives:
  - key: o
    cycle: c
    level: company
    title: O
    owner: a@acme.test
    key_results:
      - {key: done, title: Done, owner: a@acme.test, kind: milestone}
      - {key: two, title: Two, owner: a@acme.test, kind: milestone, target: 2}
      - {key: guess, title: Guess, owner: a@acme.test, target: 2}
      - {key: heavy, title: Heavy, owner: a@acme.test, kind: stay_above, target: 1, weight: -1}
"""
    problems = validate_plan(load_plan(text))
    assert [(p.line, p.message) for p in problems] == [
        (12, "a milestone is done at 1, so its target must be 1 or left out (got 2)"),
        (
            13,
            "key result 'guess' needs a kind: with no baseline it cannot be inferred "
            "(use increase, decrease, stay_above, stay_below or milestone)",
        ),
        (14, "weight must be greater than 0 (got -1)"),
    ]
