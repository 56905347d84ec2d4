"""An initiative's `work` in plan files: lint, apply and export round-trip it."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from okrs.ascode.apply import apply_plan
from okrs.ascode.export import export_plan
from okrs.ascode.parse import load_plan
from okrs.ascode.problems import PlanInvalid
from okrs.coach.lint import lint_text
from okrs.goals.models import Initiative
from okrs.org.audit import Actor
from tests.effort.conftest import PLAN

ACTOR = Actor(person=None, channel="apply")


def test_apply_stores_work_and_export_writes_it_back(plan):
    assert Initiative.objects.get(key="canary").work == ["label:canary", "branch:canary/"]
    assert Initiative.objects.get(key="runbooks").work == []

    exported = export_plan()
    initiatives = {
        i["key"]: i
        for o in YAML(typ="safe").load(exported)["objectives"]
        for i in o.get("initiatives", [])
    }
    assert initiatives["canary"]["work"] == ["label:canary", "branch:canary/"]
    assert initiatives["flaky-tests"]["work"] == ["jira:PLAT-12"]
    assert "work" not in initiatives["runbooks"]
    # Exported and applied again, nothing changes.
    assert apply_plan(load_plan(exported, filename="export.yaml"), actor=ACTOR).changes == []


def test_changing_work_in_the_file_updates_the_initiative(plan):
    text = PLAN.read_text().replace("work: [jira:PLAT-12]", "work: [jira:PLAT-12, label:flaky]")
    result = apply_plan(load_plan(text, filename="plan.yaml"), actor=ACTOR)

    assert [(c.action, c.ref) for c in result.changes] == [
        ("update", "deploys-advantage/flaky-tests")
    ]
    assert Initiative.objects.get(key="flaky-tests").work == ["jira:PLAT-12", "label:flaky"]


BAD = (
    PLAN.read_text()
    .replace(
        "        work: [label:canary, branch:canary/]",
        "        work:\n          - label:canary\n          - tag:canary\n          - label:canary",
    )
    .replace("work: [jira:PLAT-12]", "work: [jira:plat]")
)


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[occurrence - 1]


@pytest.mark.django_db
def test_bad_work_entries_are_errors_at_their_lines():
    result = lint_text(BAD, filename="plan.yaml")

    errors = [(f.rule, f.line, f.message) for f in result.findings if f.severity == "error"]
    assert errors == [
        (
            "OKR123",
            line_of(BAD, "- tag:canary"),
            "initiative 'canary': work entry 'tag:canary' must be label:NAME, branch:PREFIX "
            "or jira:ISSUE-KEY",
        ),
        (
            "OKR102",
            line_of(BAD, "- label:canary", 2),
            "initiative 'canary': work entry 'label:canary' is listed twice "
            f"(first defined on line {line_of(BAD, '- label:canary')})",
        ),
        (
            "OKR123",
            line_of(BAD, "jira:plat"),
            "initiative 'flaky-tests': work entry 'jira:plat': 'plat' is not an issue key "
            "such as PLAT-12",
        ),
    ]


@pytest.mark.django_db
def test_apply_refuses_bad_work_whole():
    with pytest.raises(PlanInvalid) as refused:
        apply_plan(load_plan(BAD, filename="plan.yaml"), actor=ACTOR)

    assert len(refused.value.problems) == 3
    assert Initiative.objects.count() == 0


@pytest.mark.django_db
def test_work_must_be_a_list_of_text():
    text = PLAN.read_text().replace("work: [jira:PLAT-12]", "work: {jira: PLAT-12}")
    result = lint_text(text, filename="plan.yaml")

    assert [(f.rule, f.line) for f in result.findings if f.severity == "error"] == [
        ("OKR000", line_of(text, "work: {jira"))
    ]
