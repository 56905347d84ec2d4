"""GitLab hooks, with payloads written from GitLab's webhook events documentation."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from okrs.metrics.delivery.models import Change, Deployment, RawEvent, Service, ServiceAlias
from tests.events.conftest import encode, gitlab_headers

UTC = dt.UTC
SHA = "279484c09fbe69ededfced8c1bb6e6d24616b468"


@pytest.fixture
def checkout(db: None) -> Service:
    service = Service.objects.create(key="checkout", name="Checkout")
    ServiceAlias.objects.create(provider="gitlab", external="acme/checkout", service=service)
    return service


@pytest.fixture
def post_gitlab(post, secrets):
    def post_gitlab(event: str, payload: dict[str, Any], **kwargs: Any) -> Any:
        headers = gitlab_headers(event, kwargs.pop("token", secrets["gitlab"]), **kwargs)
        return post("gitlab", encode(payload), headers)

    return post_gitlab


def project() -> dict[str, Any]:
    return {
        "id": 30,
        "name": "checkout",
        "description": "",
        "web_url": "https://gitlab.example.com/acme/checkout",
        "git_ssh_url": "git@gitlab.example.com:acme/checkout.git",
        "git_http_url": "https://gitlab.example.com/acme/checkout.git",
        "namespace": "Acme",
        "visibility_level": 0,
        "path_with_namespace": "Acme/Checkout",
        "default_branch": "main",
        "ci_config_path": "",
        "homepage": "https://gitlab.example.com/acme/checkout",
        "url": "git@gitlab.example.com:acme/checkout.git",
        "ssh_url": "git@gitlab.example.com:acme/checkout.git",
        "http_url": "https://gitlab.example.com/acme/checkout.git",
    }


def deployment_hook(status: str = "success", **changes: Any) -> dict[str, Any]:
    payload = {
        "object_kind": "deployment",
        "status": status,
        "status_changed_at": "2026-11-16 10:50:00 +0100",
        "deployment_id": 15,
        "deployable_id": 796,
        "deployable_url": "https://gitlab.example.com/acme/checkout/-/jobs/796",
        "environment": "production",
        "environment_tier": "production",
        "environment_slug": "production",
        "environment_external_url": "https://checkout.example.com",
        "project": project(),
        "short_sha": SHA[:8],
        "user": {"id": 1, "name": "Administrator", "username": "root"},
        "user_url": "https://gitlab.example.com/root",
        "commit_url": f"https://gitlab.example.com/acme/checkout/-/commit/{SHA}",
        "commit_title": "Add new file",
        "ref": "main",
    }
    payload.update(changes)
    return payload


def test_deployment_hook_is_a_deployment(post_gitlab, checkout):
    response = post_gitlab("Deployment Hook", deployment_hook())

    assert response.status_code == 200, response.json()
    deployment = Deployment.objects.get()
    assert deployment.service == checkout
    assert (deployment.provider, deployment.external_id) == ("gitlab", "15")
    assert (deployment.is_production, deployment.status) == (True, "success")
    assert deployment.commit_sha == SHA
    assert deployment.finished_at == dt.datetime(2026, 11, 16, 9, 50, tzinfo=UTC)


def test_failed_then_running_keeps_the_failure(post_gitlab, checkout):
    post_gitlab(
        "Deployment Hook", deployment_hook("running", status_changed_at="2026-11-16 09:40:00 UTC")
    )
    post_gitlab("Deployment Hook", deployment_hook("failed"))

    assert Deployment.objects.get().status == "failure"


def test_staging_tier_is_not_production(post_gitlab, checkout):
    post_gitlab(
        "Deployment Hook",
        deployment_hook(environment="staging", environment_tier="staging"),
    )
    assert Deployment.objects.get().is_production is False


def test_cancelled_deployments_are_ignored(post_gitlab, checkout):
    response = post_gitlab("Deployment Hook", deployment_hook("canceled"))

    assert response.status_code == 202
    assert Deployment.objects.count() == 0


def merge_request_hook(action: str = "merge", **attributes: Any) -> dict[str, Any]:
    object_attributes = {
        "id": 99,
        "iid": 12,
        "target_branch": "main",
        "source_branch": "ms-viewport",
        "source_project_id": 30,
        "author_id": 51,
        "title": "MS-Viewport",
        "created_at": "2026-11-12T17:23:34Z",
        "updated_at": "2026-11-16T08:00:00Z",
        "state": "merged" if action == "merge" else "opened",
        "merge_status": "can_be_merged",
        "merge_commit_sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
        "url": "https://gitlab.example.com/acme/checkout/-/merge_requests/12",
        "action": action,
        "last_commit": {
            "id": "b83d6e391c22777fca1ed3012fce84f633d7fed0",
            "message": "fixed readme",
            "title": "fixed readme",
            "timestamp": "2026-11-15T23:36:29+02:00",
        },
        "labels": [],
    }
    object_attributes.update(attributes)
    return {
        "object_kind": "merge_request",
        "event_type": "merge_request",
        "user": {"id": 1, "name": "Administrator", "username": "root"},
        "project": project(),
        "object_attributes": object_attributes,
        "labels": object_attributes["labels"],
        "changes": {},
        "repository": {"name": "checkout", "url": "git@gitlab.example.com:acme/checkout.git"},
    }


def test_merged_merge_request_is_a_change(post_gitlab, checkout):
    response = post_gitlab("Merge Request Hook", merge_request_hook())

    assert response.status_code == 200
    change = Change.objects.get()
    assert change.commit_sha == "da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    assert change.pull_request == 12
    assert change.first_commit_at == dt.datetime(2026, 11, 12, 17, 23, 34, tzinfo=UTC)
    assert change.merged_at == dt.datetime(2026, 11, 16, 8, tzinfo=UTC)


def test_opened_merge_request_is_ignored(post_gitlab, checkout):
    assert post_gitlab("Merge Request Hook", merge_request_hook("open")).status_code == 202
    assert Change.objects.count() == 0


def test_hotfix_label_marks_the_change_and_its_deployment(post_gitlab, checkout):
    labels = [{"id": 206, "title": "hotfix", "color": "#dc143c", "type": "ProjectLabel"}]
    post_gitlab(
        "Merge Request Hook",
        merge_request_hook(labels=labels, merge_commit_sha=SHA),
    )
    post_gitlab("Deployment Hook", deployment_hook())

    assert Change.objects.get().remediation_kind == "hotfix"
    deployment = Deployment.objects.get()
    assert (deployment.is_remediation, deployment.remediation_kind) == (True, "hotfix")


def push_hook(ref: str = "refs/heads/main") -> dict[str, Any]:
    return {
        "object_kind": "push",
        "event_name": "push",
        "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
        "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
        "ref": ref,
        "ref_protected": True,
        "checkout_sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
        "user_id": 4,
        "user_name": "John Smith",
        "project_id": 30,
        "project": project(),
        "repository": {"name": "checkout", "homepage": "https://gitlab.example.com/acme/checkout"},
        "commits": [
            {
                "id": "b6568db1bc1dcd7f8b4d5a946b0b91f9dacd7327",
                "message": "Update Catalan translation to e38cb41.\n\nSee the merge request.",
                "title": "Update Catalan translation to e38cb41.",
                "timestamp": "2026-11-14T14:27:31+02:00",
                "author": {"name": "Jordi Mallach", "email": "jordi@softcatala.org"},
            },
            {
                "id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
                "message": "fixed readme",
                "title": "fixed readme",
                "timestamp": "2026-11-15T23:36:29+02:00",
                "author": {"name": "GitLab dev user", "email": "gitlabdev@dv6700.(none)"},
            },
        ],
        "total_commits_count": 2,
    }


def test_push_to_the_default_branch_is_a_change(post_gitlab, checkout):
    response = post_gitlab("Push Hook", push_hook())

    assert response.status_code == 200
    change = Change.objects.get()
    assert change.first_commit_at == dt.datetime(2026, 11, 14, 12, 27, 31, tzinfo=UTC)
    assert change.merged_at == dt.datetime(2026, 11, 15, 21, 36, 29, tzinfo=UTC)


def test_push_to_another_branch_is_ignored(post_gitlab, checkout):
    assert post_gitlab("Push Hook", push_hook("refs/heads/feature")).status_code == 202
    assert Change.objects.count() == 0


def test_a_wrong_token_is_refused_and_nothing_stored(post_gitlab, checkout):
    response = post_gitlab("Push Hook", push_hook(), token="guess")

    assert response.status_code == 401
    assert RawEvent.objects.count() == 0


def test_redelivery_with_the_same_event_uuid_changes_nothing(post_gitlab, checkout):
    uuid = "3c4a8a4e-7b9c-4c1e-8d0e-5f6a7b8c9d0e"
    post_gitlab("Push Hook", push_hook(), delivery=uuid)
    again = post_gitlab("Push Hook", push_hook(), delivery=uuid)

    assert again.json()["outcome"] == "duplicate"
    assert (RawEvent.objects.count(), Change.objects.count()) == (1, 1)


def test_unknown_hooks_are_ignored(post_gitlab, checkout):
    response = post_gitlab("Pipeline Hook", {"object_kind": "pipeline", "project": project()})

    assert response.status_code == 202
    assert RawEvent.objects.get().outcome == "ignored"
