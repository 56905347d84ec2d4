"""Each merged pull request is linked to an initiative by the first method that matches."""

from __future__ import annotations

import pytest

from okrs.goals.models import Initiative
from okrs.metrics.effort.linking import (
    Item,
    Target,
    link,
    parse_work_entry,
)
from okrs.metrics.effort.models import WorkItem
from tests.effort.payloads import merged_pull_request


def linked(item: WorkItem) -> tuple[str | None, str, str]:
    ref = f"{item.initiative.objective.key}/{item.initiative.key}" if item.initiative else None
    return ref, item.link_method, item.link_detail


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        (
            {"body": "Adds the retry.\n\nInitiative: deploys-advantage/runbooks\n"},
            ("deploys-advantage/runbooks", "line", "deploys-advantage/runbooks"),
        ),
        (
            {"title": "Initiative: checkout-conversion/one-click"},
            ("checkout-conversion/one-click", "line", "checkout-conversion/one-click"),
        ),
        ({"labels": ("bug", "Canary")}, ("deploys-advantage/canary", "label", "label:canary")),
        ({"branch": "canary/weights"}, ("deploys-advantage/canary", "branch", "branch:canary/")),
        (
            {"title": "PLAT-12: quarantine flaky specs"},
            ("deploys-advantage/flaky-tests", "issue", "PLAT-12"),
        ),
        ({"branch": "fix/plat-12-retry"}, ("deploys-advantage/flaky-tests", "issue", "PLAT-12")),
        ({"title": "PLAT-13 is another issue", "branch": "misc"}, (None, "", "")),
        ({"body": "Initiative: nowhere/nothing", "branch": "main-fix"}, (None, "", "")),
    ],
)
def test_each_method_links_a_signed_pull_request(post_github, services, fields, expected):
    response = post_github("pull_request", merged_pull_request(1, **fields))

    assert response.status_code == 200, response.json()
    assert linked(WorkItem.objects.get()) == expected


def test_the_first_method_wins(post_github, services):
    # A canary label, a one-click branch and a line naming the runbooks: the line wins.
    post_github(
        "pull_request",
        merged_pull_request(
            1,
            labels=("canary",),
            branch="one-click/button",
            body="Initiative: deploys-advantage/runbooks",
        ),
    )
    # Without the line the label comes before the branch.
    post_github(
        "pull_request", merged_pull_request(2, labels=("canary",), branch="one-click/button")
    )

    first, second = WorkItem.objects.order_by("external_id")
    assert linked(first)[:2] == ("deploys-advantage/runbooks", "line")
    assert linked(second)[:2] == ("deploys-advantage/canary", "label")


def test_links_follow_the_plan_when_an_initiative_changes(
    post_github, services, django_capture_on_commit_callbacks
):
    post_github("pull_request", merged_pull_request(1, labels=("docs",)))
    assert linked(WorkItem.objects.get())[0] is None

    runbooks = Initiative.objects.get(key="runbooks")
    with django_capture_on_commit_callbacks(execute=True):
        runbooks.work = ["label:docs"]
        runbooks.save()
    assert linked(WorkItem.objects.get())[:2] == ("deploys-advantage/runbooks", "label")

    with django_capture_on_commit_callbacks(execute=True):
        runbooks.delete()
    assert linked(WorkItem.objects.get())[0] is None


def test_a_line_in_a_quote_or_list_still_counts() -> None:
    target = Target(1, "a/b", ())
    item = Item("t", "> Initiative: A/B", (), "")
    assert link(item, [target]).initiative_id == 1


def test_targets_in_order_decide_between_two_initiatives_of_one_label() -> None:
    entry = parse_work_entry("label:canary")
    first, second = Target(1, "a/one", (entry,)), Target(2, "a/two", (entry,))
    item = Item("", "", ("canary",), "")

    assert link(item, [first, second]).initiative_id == 1
    assert link(item, [second, first]).initiative_id == 2


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("canary", "must be label:NAME, branch:PREFIX or jira:ISSUE-KEY"),
        ("tag:canary", "must be label:NAME, branch:PREFIX or jira:ISSUE-KEY"),
        ("label:", "names no label"),
        ("jira:plat", "is not an issue key"),
    ],
)
def test_a_bad_work_entry_says_what_is_wrong(entry: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_work_entry(entry)
