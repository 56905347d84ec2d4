"""GitHub's real example payloads, signed as GitHub signs them, posted to /api/v1/events/github."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from okrs.metrics.delivery.models import Change, Deployment, Incident, RawEvent
from tests.events.conftest import GITHUB_FIXTURES, encode, github_headers, github_payload

UTC = dt.UTC


def counts() -> tuple[int, int, int, int]:
    return (
        RawEvent.objects.count(),
        Deployment.objects.count(),
        Change.objects.count(),
        Incident.objects.count(),
    )


def test_deployment_status_is_stored_and_normalised(post_github, hello_world):
    response = post_github("deployment_status", github_payload("deployment_status.created.0"))

    assert response.status_code == 200
    assert response.json()["outcome"] == "normalised"
    deployment = Deployment.objects.get()
    assert deployment.service == hello_world
    assert deployment.external_id == "145988746"
    assert deployment.environment == "production"
    assert deployment.is_production is True
    assert deployment.status == "success"
    assert deployment.finished_at == dt.datetime(2019, 5, 15, 15, 20, 55, tzinfo=UTC)
    assert deployment.started_at == dt.datetime(2019, 5, 15, 15, 20, 53, tzinfo=UTC)
    assert deployment.commit_sha == "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    raw = RawEvent.objects.get()
    assert (raw.provider, raw.event_type, raw.outcome) == (
        "github",
        "deployment_status",
        "normalised",
    )
    assert raw.payload["deployment"]["id"] == 145988746
    assert deployment.raw_event == raw


def test_an_environment_that_is_not_production_is_kept_but_not_production(post_github, hello_world):
    # The real github-pages deployment, in progress, with production_environment false.
    post_github("deployment_status", github_payload("deployment_status.created.1"))

    deployment = Deployment.objects.get()
    assert (deployment.environment, deployment.is_production, deployment.status) == (
        "github-pages",
        False,
        "in_progress",
    )


def test_production_environment_flag_wins_over_the_name(post_github, hello_world):
    payload = github_payload("deployment_status.created.1")
    payload["deployment"]["production_environment"] = True
    payload["deployment_status"]["state"] = "success"
    post_github("deployment_status", payload)

    assert Deployment.objects.get().is_production is True


def test_a_later_status_of_the_same_deployment_updates_it(post_github, hello_world):
    pending = github_payload("deployment_status.created.0")
    pending["deployment_status"]["state"] = "in_progress"
    pending["deployment_status"]["updated_at"] = "2019-05-15T15:20:54Z"
    post_github("deployment_status", pending)
    post_github("deployment_status", github_payload("deployment_status.created.0"))
    # An in_progress report delivered late does not undo the final status.
    post_github("deployment_status", pending)

    deployment = Deployment.objects.get()
    assert deployment.status == "success"
    assert RawEvent.objects.count() == 3


def test_push_to_the_default_branch_is_a_change_with_its_first_commit_time(
    post_github, hello_world
):
    response = post_github("push", github_payload("push.event.4"))

    assert response.status_code == 200
    change = Change.objects.get()
    assert change.service == hello_world
    assert change.commit_sha == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert change.first_commit_at == dt.datetime(2019, 5, 15, 15, 19, 25, tzinfo=UTC)
    # repository.pushed_at is the push itself (Unix time 1557933657).
    assert change.merged_at == dt.datetime(2019, 5, 15, 15, 20, 57, tzinfo=UTC)
    assert change.deployment is None


def test_first_commit_time_is_the_earliest_commit_of_the_push(post_github, hello_world):
    payload = github_payload("push.event.4")
    earlier = dict(payload["commits"][0], id="a" * 40, timestamp="2019-05-14T09:00:00+02:00")
    payload["commits"].insert(0, earlier)
    post_github("push", payload)

    assert Change.objects.get().first_commit_at == dt.datetime(2019, 5, 14, 7, tzinfo=UTC)


@pytest.mark.parametrize("name", ["push.event.0", "push.event.1", "push.event.6"])
def test_tag_pushes_and_deletions_are_stored_and_ignored(post_github, hello_world, name):
    response = post_github("push", github_payload(name))

    assert response.status_code == 202
    assert response.json()["outcome"] == "ignored"
    assert RawEvent.objects.get().outcome == "ignored"
    assert Change.objects.count() == 0


def merged(payload: dict) -> dict:
    """The real closed pull request, as GitHub sends it when the PR was merged."""
    pull = payload["pull_request"]
    pull.update(
        merged=True, merged_at="2019-05-15T15:25:00Z", state="closed", closed_at=pull["updated_at"]
    )
    return payload


def test_merged_pull_request_is_a_change(post_github, hello_world):
    response = post_github("pull_request", merged(github_payload("pull_request.closed.3")))

    assert response.status_code == 200
    change = Change.objects.get()
    assert change.commit_sha == "c4295bd74fb0f4fda03689c3df3f2803b658fd85"
    assert change.pull_request == 2
    assert change.merged_at == dt.datetime(2019, 5, 15, 15, 25, tzinfo=UTC)
    # No commit times in the payload: the PR's creation time stands in.
    assert change.first_commit_at == dt.datetime(2019, 5, 15, 15, 20, 33, tzinfo=UTC)


def test_the_push_of_a_merge_brings_an_earlier_first_commit(post_github, hello_world):
    post_github("pull_request", merged(github_payload("pull_request.closed.3")))
    push = github_payload("push.event.4")
    push["after"] = "c4295bd74fb0f4fda03689c3df3f2803b658fd85"
    push["head_commit"]["message"] = "Merge pull request #2 from Codertocat/changes"
    post_github("push", push)

    change = Change.objects.get()
    assert change.first_commit_at == dt.datetime(2019, 5, 15, 15, 19, 25, tzinfo=UTC)
    assert change.pull_request == 2


@pytest.mark.parametrize("name", ["pull_request.closed.3", "pull_request.opened.0"])
def test_unmerged_pull_requests_are_ignored(post_github, hello_world, name):
    response = post_github("pull_request", github_payload(name))

    assert response.status_code == 202
    assert Change.objects.count() == 0


def test_completed_deploy_workflow_run_is_a_production_deployment(
    post_github, hello_world, monkeypatch
):
    monkeypatch.setenv("OKRS_GITHUB_DEPLOY_WORKFLOWS", "release, Test")
    payload = github_payload("workflow_run.completed.1")
    payload["repository"]["full_name"] = "Codertocat/Hello-World"
    response = post_github("workflow_run", payload)

    assert response.status_code == 200, response.json()
    deployment = Deployment.objects.get()
    assert deployment.external_id == "run:289782451:1"
    assert (deployment.is_production, deployment.status) == (True, "success")
    assert deployment.commit_sha == "3484a3fb816e0859fd6e1cea078d76385ff50625"
    assert deployment.finished_at == dt.datetime(2020, 10, 5, 16, 33, 49, tzinfo=UTC)


def test_workflow_runs_that_are_not_deploys_are_ignored(post_github, hello_world):
    # The default deploy workflow name is "deploy"; this run's workflow is "test".
    payload = github_payload("workflow_run.completed.1")
    payload["repository"]["full_name"] = "Codertocat/Hello-World"
    response = post_github("workflow_run", payload)

    assert response.status_code == 202
    assert "not a deploy workflow" in response.json()["detail"]
    assert Deployment.objects.count() == 0


def test_requested_workflow_runs_are_ignored(post_github, hello_world, monkeypatch):
    monkeypatch.setenv("OKRS_GITHUB_DEPLOY_WORKFLOWS", "test")
    payload = github_payload("workflow_run.requested.3")
    payload["repository"]["full_name"] = "Codertocat/Hello-World"

    assert post_github("workflow_run", payload).status_code == 202
    assert Deployment.objects.count() == 0


@pytest.mark.parametrize("path", sorted(GITHUB_FIXTURES.glob("*.json")), ids=lambda p: p.stem)
def test_every_real_payload_is_accepted_and_stored(post_github, hello_world, path):
    event = path.name.split(".")[0]
    response = post_github(event, json.loads(path.read_text()))

    assert response.status_code in (200, 202), response.json()
    assert RawEvent.objects.get().outcome in ("normalised", "ignored", "unmapped")


def test_ping_and_unknown_events_are_stored_and_ignored(post_github, hello_world):
    ping = post_github("ping", github_payload("ping.event.0"))
    unknown = post_github("star", {"action": "created", "repository": {"full_name": "x/y"}})

    assert (ping.status_code, unknown.status_code) == (202, 202)
    assert sorted(RawEvent.objects.values_list("event_type", "outcome")) == [
        ("ping", "ignored"),
        ("star", "ignored"),
    ]


def test_the_same_delivery_twice_changes_nothing(post_github, hello_world):
    payload = github_payload("deployment_status.created.0")
    first = post_github(
        "deployment_status", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958"
    )
    before = counts()
    deployment = Deployment.objects.values().get()

    again = post_github(
        "deployment_status", payload, delivery="72d3162e-cc78-11e3-81ab-4c9367dc0958"
    )

    assert first.status_code == 200
    assert again.status_code == 200
    assert again.json()["outcome"] == "duplicate"
    assert counts() == before == (1, 1, 0, 0)
    assert Deployment.objects.values().get() == deployment


def test_a_bad_signature_is_refused_and_nothing_is_stored(post, secrets, hello_world):
    body = encode(github_payload("deployment_status.created.0"))
    headers = github_headers("deployment_status", body, "not-the-secret")

    response = post("github", body, headers)

    assert response.status_code == 401
    assert "X-Hub-Signature-256" in response.json()["detail"]
    assert counts() == (0, 0, 0, 0)


def test_a_body_changed_after_signing_is_refused(post, secrets, hello_world):
    body = encode(github_payload("deployment_status.created.0"))
    headers = github_headers("deployment_status", body, secrets["github"])

    response = post("github", body.replace(b'"success"', b'"failure"'), headers)

    assert response.status_code == 401
    assert counts() == (0, 0, 0, 0)


def test_a_missing_signature_is_refused(post, secrets, hello_world):
    body = encode(github_payload("push.event.4"))
    response = post("github", body, {"X-GitHub-Event": "push", "X-GitHub-Delivery": "d-1"})

    assert response.status_code == 401
    assert response.json()["detail"] == "X-Hub-Signature-256 header is missing"
    assert counts() == (0, 0, 0, 0)


def test_without_a_configured_secret_deliveries_are_refused(post, db, hello_world):
    body = encode(github_payload("push.event.4"))
    response = post("github", body, github_headers("push", body, "anything"))

    assert response.status_code == 503
    assert "/settings/webhooks/" in response.json()["detail"]
    assert counts() == (0, 0, 0, 0)


def test_an_unknown_source_is_not_found(post, secrets):
    response = post("bitbucket", b"{}", {})

    assert response.status_code == 404
    assert response.json()["detail"] == (
        "unknown event source 'bitbucket': use one of generic, github, gitlab, pagerduty"
    )


def test_malformed_json_with_a_valid_signature_is_refused_and_not_stored(post, secrets):
    body = b'{"ref": "refs/heads/master", '
    response = post("github", body, github_headers("push", body, secrets["github"]))

    assert response.status_code == 400
    assert "not JSON" in response.json()["detail"]
    assert counts() == (0, 0, 0, 0)


def test_a_known_event_missing_what_we_need_is_stored_as_invalid(post_github, hello_world):
    payload = github_payload("deployment_status.created.0")
    del payload["deployment_status"]["updated_at"], payload["deployment_status"]["created_at"]

    response = post_github("deployment_status", payload)

    assert response.status_code == 400
    assert "deployment_status.updated_at is missing" in response.json()["detail"]
    raw = RawEvent.objects.get()
    assert (raw.outcome, raw.detail) == ("invalid", "deployment_status.updated_at is missing")
    assert Deployment.objects.count() == 0


def test_a_repository_without_an_alias_is_stored_as_unmapped(post_github, db):
    response = post_github("deployment_status", github_payload("deployment_status.created.0"))

    assert response.status_code == 202
    assert "Codertocat/Hello-World" in response.json()["detail"]
    assert RawEvent.objects.get().outcome == "unmapped"
    assert Deployment.objects.count() == 0


def test_a_body_over_five_megabytes_is_refused(post, secrets):
    body = b'{"padding": "' + b"x" * (5 * 1024 * 1024) + b'"}'
    response = post("github", body, github_headers("push", body, secrets["github"]))

    assert response.status_code == 413
    assert RawEvent.objects.count() == 0


def test_the_endpoint_needs_no_bearer_token_and_ignores_one(post_github, hello_world, client):
    # Webhooks carry their own signature; a stray Authorization header changes nothing.
    body = encode(github_payload("push.event.4"))
    headers = github_headers("push", body, "gh-test-secret")
    headers["Authorization"] = "Bearer not-a-token"
    response = client.post(
        "/api/v1/events/github", data=body, content_type="application/json", headers=headers
    )
    assert response.status_code == 200


def test_the_form_encoded_content_type_works_too(client, secrets, hello_world):
    # GitHub's default content type: the JSON in a `payload` field, the form body signed.
    from urllib.parse import urlencode

    body = urlencode({"payload": json.dumps(github_payload("push.event.4"))}).encode()
    response = client.post(
        "/api/v1/events/github",
        data=body,
        content_type="application/x-www-form-urlencoded",
        headers=github_headers("push", body, secrets["github"]),
    )

    assert response.status_code == 200, response.json()
    assert Change.objects.get().commit_sha == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert RawEvent.objects.get().payload["after"] == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"


def test_absurdly_nested_json_is_refused_not_a_server_error(post, secrets):
    body = b"[" * 100_000 + b"]" * 100_000
    response = post("github", body, github_headers("push", body, secrets["github"]))

    assert response.status_code == 400
    assert RawEvent.objects.count() == 0
