"""Merged pull requests, merge requests and changes become work items, once each."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from okrs.metrics.delivery.ingest.services import ingest
from okrs.metrics.delivery.models import RawEvent
from okrs.metrics.effort.models import WorkItem
from okrs.metrics.effort.services import backfill_work_items
from tests.effort.payloads import merged_pull_request
from tests.events.conftest import (
    encode,
    generic_headers,
    github_headers,
    github_payload,
    gitlab_headers,
)
from tests.events.test_gitlab import merge_request_hook

UTC = dt.UTC


def test_the_real_closed_pull_request_merged_is_a_work_item(post_github, hello_world):
    payload = github_payload("pull_request.closed.3")
    payload["pull_request"].update(merged=True, merged_at="2019-05-15T15:25:00Z")
    response = post_github("pull_request", payload)

    assert response.status_code == 200
    item = WorkItem.objects.get()
    assert (item.provider, item.external_id, item.author) == (
        "github",
        "codertocat/hello-world#2",
        "codertocat",
    )
    assert item.title == "Update the README with new information."
    assert item.body == "This is a pretty simple change that we need to pull into master."
    assert (item.labels, item.branch) == (["bug"], "changes")
    assert item.merged_at == dt.datetime(2019, 5, 15, 15, 25, tzinfo=UTC)
    assert item.raw_event == RawEvent.objects.get()
    assert (item.initiative, item.link_method) == (None, "")


@pytest.mark.parametrize("name", ["pull_request.closed.3", "pull_request.opened.0"])
def test_a_pull_request_not_merged_is_no_work_item(post_github, hello_world, name):
    post_github("pull_request", github_payload(name))

    assert WorkItem.objects.count() == 0


def test_a_redelivery_adds_nothing(post_github, hello_world):
    payload = merged_pull_request(7, repository="codertocat/hello-world")
    payload["repository"]["default_branch"] = "master"
    post_github("pull_request", payload, delivery="delivery-1")
    again = post_github("pull_request", payload, delivery="delivery-1")
    # GitHub may also send the same merge again under a new delivery id.
    other = post_github("pull_request", payload, delivery="delivery-2")

    assert again.json()["outcome"] == "duplicate"
    assert other.status_code == 200
    assert WorkItem.objects.count() == 1


def test_a_pull_request_of_an_unmapped_repository_is_work_too(post_github, secrets):
    payload = github_payload("pull_request.closed.3")
    payload["pull_request"].update(merged=True, merged_at="2019-05-15T15:25:00Z")
    response = post_github("pull_request", payload)

    assert response.json()["outcome"] == "unmapped"
    raw = WorkItem.objects.get().raw_event
    assert raw is not None and raw.service is None


def test_a_merged_gitlab_merge_request_is_a_work_item(post, secrets):
    payload = merge_request_hook(
        description="Initiative: deploys-advantage/canary",
        labels=[{"id": 1, "title": "canary"}],
    )
    post("gitlab", encode(payload), gitlab_headers("Merge Request Hook", secrets["gitlab"]))

    item = WorkItem.objects.get()
    assert (item.provider, item.external_id, item.author) == (
        "gitlab",
        "acme/checkout!12",
        "gitlab-user:51",
    )
    assert (item.title, item.branch, item.labels) == ("MS-Viewport", "ms-viewport", ["canary"])
    assert item.body == "Initiative: deploys-advantage/canary"
    assert item.merged_at == dt.datetime(2026, 11, 16, 8, tzinfo=UTC)


def generic_change(event_id: str, **fields: object) -> dict[str, object]:
    return {
        "id": event_id,
        "type": "change",
        "service": "checkout",
        "commit": uuid.uuid4().hex,
        "first_commit_at": "2026-11-10T09:00:00Z",
        "merged_at": "2026-11-12T16:00:00Z",
        **fields,
    }


def test_a_generic_change_with_an_author_is_a_work_item(post, secrets):
    body = encode(
        generic_change(
            "chg-1", author="ana@acme.test", title="PLAT-12 retry", labels=["x"], branch="b/1"
        )
    )
    post("generic", body, generic_headers(body, secrets["generic"]))
    post("generic", body, generic_headers(body, secrets["generic"]))

    item = WorkItem.objects.get()
    assert (item.external_id, item.author, item.title) == (
        "chg-1",
        "ana@acme.test",
        "PLAT-12 retry",
    )
    assert (item.labels, item.branch) == (["x"], "b/1")
    assert item.merged_at == dt.datetime(2026, 11, 12, 16, tzinfo=UTC)


def test_a_generic_change_without_an_author_is_no_work_item(post, secrets):
    body = encode(generic_change("chg-2"))
    post("generic", body, generic_headers(body, secrets["generic"]))

    assert RawEvent.objects.count() == 1  # the change is kept as delivery evidence
    assert WorkItem.objects.count() == 0


def test_pull_requests_stored_before_effort_are_backfilled_once(hello_world, secrets):
    payload = merged_pull_request(9, repository="codertocat/hello-world")
    payload["repository"]["default_branch"] = "master"
    body = encode(payload)
    ingest(
        provider="github",
        headers=github_headers("pull_request", body, secrets["github"]),
        body=body,
    )
    WorkItem.objects.all().delete()  # as if it had arrived before effort existed

    assert backfill_work_items() == 1
    assert backfill_work_items() == 0
    assert WorkItem.objects.get().external_id == "codertocat/hello-world#9"
