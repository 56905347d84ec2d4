"""Hotfixes, reverts and rollbacks: deployments done to remediate production."""

from __future__ import annotations

import pytest

from okrs.metrics.delivery.ingest.normalise import remediation_kind, strongest_remediation
from okrs.metrics.delivery.models import Change, Deployment
from tests.events.conftest import github_payload


@pytest.mark.parametrize(
    ("found", "kwargs"),
    [
        ("revert", {"messages": ('Revert "Add the new checkout button"\n\nThis reverts 1a2b.',)}),
        ("revert", {"refs": ("revert-42-feature/button",)}),
        ("hotfix", {"refs": ("refs/heads/hotfix/payment-timeout",)}),
        ("hotfix", {"messages": ("Hot-fix: payments time out",)}),
        ("hotfix", {"labels": ("hotfix",)}),
        ("rollback", {"refs": ("rollback",)}),  # GitHub deployment task "rollback"
        ("rollback", {"messages": ("Roll back to v1.4.2",)}),
        ("rollback", {"labels": ("Rollback",)}),
        ("", {"messages": ("Add hotfixes page to the docs\nhotfix", "prevent rollbacks")}),
        ("", {"messages": ("Reverting is easy: explain it",), "refs": ("feature/reverted",)}),
        ("", {"messages": ("Update the README with new information.",), "labels": ("bug",)}),
    ],
)
def test_remediation_markers(found, kwargs):
    assert remediation_kind(**kwargs) == found


def test_the_strongest_marker_wins_in_any_order():
    assert strongest_remediation("hotfix", "rollback", "revert") == "rollback"
    assert strongest_remediation("revert", "hotfix") == strongest_remediation("hotfix", "revert")
    assert strongest_remediation() == ""


def test_a_hotfix_ref_marks_a_github_deployment(post_github, hello_world):
    payload = github_payload("deployment_status.created.0")
    payload["deployment"]["ref"] = "hotfix/cart-total"
    post_github("deployment_status", payload)

    deployment = Deployment.objects.get()
    assert (deployment.is_remediation, deployment.remediation_kind) == (True, "hotfix")


def test_a_rollback_task_marks_a_github_deployment(post_github, hello_world):
    payload = github_payload("deployment_status.created.0")
    payload["deployment"]["task"] = "deploy:rollback"
    post_github("deployment_status", payload)

    assert Deployment.objects.get().remediation_kind == "rollback"


def test_an_ordinary_deployment_is_not_a_remediation(post_github, hello_world):
    post_github("deployment_status", github_payload("deployment_status.created.0"))

    deployment = Deployment.objects.get()
    assert (deployment.is_remediation, deployment.remediation_kind) == (False, "")


def test_deploying_a_revert_commit_is_a_remediation_whichever_arrives_first(
    post_github, hello_world
):
    sha = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"  # the commit the real deployment deploys
    push = github_payload("push.event.4")
    push["after"] = sha
    push["head_commit"]["message"] = 'Revert "Add the new checkout button"'
    push["commits"][0]["message"] = push["head_commit"]["message"]

    post_github("deployment_status", github_payload("deployment_status.created.0"))
    assert Deployment.objects.get().is_remediation is False
    post_github("push", push)

    assert Change.objects.get().remediation_kind == "revert"
    deployment = Deployment.objects.get()
    assert (deployment.is_remediation, deployment.remediation_kind) == (True, "revert")


def test_a_merged_hotfix_pull_request_marks_its_change(post_github, hello_world):
    payload = github_payload("pull_request.closed.4")
    payload["pull_request"].update(merged=True, merged_at="2019-05-15T15:25:00Z")
    payload["pull_request"]["labels"].append({"name": "hotfix", "color": "d73a4a"})
    post_github("pull_request", payload)

    assert Change.objects.get().remediation_kind == "hotfix"


@pytest.mark.parametrize(
    ("descriptions", "repository", "named"),
    [
        (("Reverts Codertocat/Hello-World#123",), "codertocat/hello-world", "#123"),
        (("Reverts other/repo#5",), "codertocat/hello-world", ""),  # not this service's
        (("This reverts merge request !12",), "", "#12"),
        (('Revert "Add a button"\n\nThis reverts commit ' + "ab" * 20 + ".",), "", "ab" * 20),
        (("Reverting this later, maybe",), "", ""),
        (("Fixes #123",), "", ""),
    ],
)
def test_what_a_revert_names(descriptions, repository, named):
    from okrs.metrics.delivery.ingest.normalise import reverted_ref

    assert reverted_ref(descriptions=descriptions, repository=repository) == named


def test_a_merged_revert_pull_request_keeps_what_it_reverts(post_github, hello_world):
    payload = github_payload("pull_request.closed.4")
    payload["pull_request"].update(
        merged=True,
        merged_at="2019-05-15T15:25:00Z",
        title='Revert "Update the README with new information."',
        body="Reverts Codertocat/Hello-World#1",
    )
    post_github("pull_request", payload)

    change = Change.objects.get()
    assert (change.remediation_kind, change.reverts_ref) == ("revert", "#1")
