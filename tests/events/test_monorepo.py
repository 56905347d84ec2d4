"""Monorepos: a service is a repository plus path prefixes, and a push belongs to the services
whose paths its files touch. Real GitHub payloads where they list files, made-up ones beside."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from okrs.metrics.delivery.ingest import monorepo
from okrs.metrics.delivery.ingest.configure import (
    ConfigurationInvalid,
    create_alias,
    replay_unmapped,
)
from okrs.metrics.delivery.models import Change, Deployment, RawEvent, Service, ServiceAlias
from okrs.org.audit import Actor
from tests.events.conftest import encode, generic_headers, github_payload, gitlab_headers

CLI = Actor(None, "cli", trusted=True)
HELLO = "Codertocat/Hello-World"


@pytest.fixture
def split(db: None) -> dict[str, Service]:
    """The fixtures' repository as a monorepo of two services: the app and its docs site."""
    app = Service.objects.create(key="app", name="App")
    site = Service.objects.create(key="site", name="Docs site")
    create_alias(actor=CLI, service=app, provider="github", external=f"{HELLO}:src/")
    create_alias(actor=CLI, service=app, provider="github", external=f"{HELLO}:libs/cart/")
    create_alias(actor=CLI, service=site, provider="github", external=f"{HELLO}:docs")
    return {"app": app, "site": site}


def push_touching(*paths: str) -> dict[str, Any]:
    """The real push of the fixtures (one commit to master), as if it had touched `paths`."""
    payload = github_payload("push.event.4")
    for commit in [*payload["commits"], payload["head_commit"]]:
        commit["added"], commit["modified"], commit["removed"] = [], list(paths), []
    return payload


def changed_services() -> list[str]:
    return sorted(Change.objects.values_list("service__key", flat=True))


# --- the rules ----------------------------------------------------------------------------------


def test_a_prefix_is_a_directory_so_a_neighbour_with_a_longer_name_is_not_in_it():
    prefixes = [("services/cart/", 1), ("services/checkout/", 2)]

    assert monorepo.services_touched(["services/cart/api.py"], prefixes) == [1]
    assert monorepo.services_touched(["services/cart-v2/api.py"], prefixes) == []
    assert monorepo.services_touched(["services/cart/a", "services/checkout/b"], prefixes) == [1, 2]
    assert monorepo.split_alias("acme/mono:services/cart") == monorepo.PathAlias(
        "acme/mono", "services/cart/"
    )
    assert monorepo.split_alias("acme/mono:./services/cart/") == monorepo.PathAlias(
        "acme/mono", "services/cart/"
    )
    assert monorepo.split_alias("acme/mono") is None


@pytest.mark.parametrize(
    ("alias", "reason"),
    [(":services/cart/", "repository"), ("acme/mono:", "path"), ("acme/mono:a/../b", "'..'")],
)
def test_a_path_alias_without_its_parts_is_refused(db, alias, reason):
    service = Service.objects.create(key="cart", name="Cart")
    with pytest.raises(ConfigurationInvalid, match=reason):
        create_alias(actor=CLI, service=service, provider="github", external=alias)
    assert ServiceAlias.objects.count() == 0


def test_the_repository_is_compared_without_case_and_the_path_as_git_keeps_it(split):
    assert sorted(ServiceAlias.objects.values_list("external", flat=True)) == [
        "codertocat/hello-world:docs/",
        "codertocat/hello-world:libs/cart/",
        "codertocat/hello-world:src/",
    ]


def test_a_repository_is_one_whole_service_or_split_by_paths_never_both(split):
    other = Service.objects.create(key="whole", name="Whole")
    with pytest.raises(ConfigurationInvalid, match="monorepo split by paths"):
        create_alias(actor=CLI, service=other, provider="github", external=HELLO)

    Service.objects.create(key="checkout", name="Checkout")
    create_alias(actor=CLI, service=other, provider="github", external="acme/whole")
    with pytest.raises(ConfigurationInvalid, match="the whole of the service 'whole'"):
        create_alias(actor=CLI, service=other, provider="github", external="acme/whole:src/")


# --- GitHub pushes ------------------------------------------------------------------------------


def test_the_real_push_touches_none_of_the_services_paths_and_belongs_to_none(post_github, split):
    # push.event.4 adds README.md at the root: neither src/, libs/cart/ nor docs/.
    response = post_github("push", github_payload("push.event.4"))

    assert response.status_code == 202
    assert response.json()["outcome"] == "unmapped"
    assert "touches none of the paths" in response.json()["detail"]
    assert Change.objects.count() == 0


def test_a_push_touching_two_services_paths_is_a_change_of_both(post_github, split):
    response = post_github("push", push_touching("src/cart/api.py", "docs/cart.md"))

    assert response.status_code == 200, response.json()
    assert response.json()["detail"].endswith("for app, site")
    assert changed_services() == ["app", "site"]
    # The same commit, with the same times, in each service.
    assert {c.commit_sha for c in Change.objects.all()} == {
        "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    }
    raw = RawEvent.objects.get()
    assert (raw.outcome, raw.service) == ("normalised", split["app"])


def test_a_push_touching_one_service_is_that_services_alone(post_github, split):
    post_github("push", push_touching("libs/cart/total.py", "README.md"))

    assert changed_services() == ["app"]


def test_a_push_lists_files_per_commit_and_any_commit_counts(post_github, split):
    payload = push_touching("README.md")
    payload["commits"][0]["removed"] = ["docs/old.md"]

    post_github("push", payload)

    assert changed_services() == ["site"]


def test_a_redelivered_monorepo_push_changes_nothing(post_github, split):
    payload = push_touching("src/a.py", "docs/a.md")
    post_github("push", payload, delivery="d-1")

    again = post_github("push", payload, delivery="d-1")

    assert again.json()["outcome"] == "duplicate"
    assert (RawEvent.objects.count(), Change.objects.count()) == (1, 2)


def test_pushes_that_came_before_the_split_find_their_services_when_it_is_made(post_github, db):
    post_github("push", push_touching("src/a.py", "docs/a.md"))
    assert RawEvent.objects.get().outcome == "unmapped"

    app = Service.objects.create(key="app", name="App")
    site = Service.objects.create(key="site", name="Site")
    create_alias(actor=CLI, service=app, provider="github", external=f"{HELLO}:src/")
    create_alias(actor=CLI, service=site, provider="github", external=f"{HELLO}:docs/")
    assert replay_unmapped(actor=CLI, provider="github") == 1
    assert changed_services() == ["app", "site"]
    assert RawEvent.objects.get().outcome == "normalised"


def test_the_settings_page_takes_a_path_alias_and_replays_the_push(world, client, post_github):
    post_github("push", push_touching("src/a.py"))
    Service.objects.create(key="app", name="App")
    client.force_login(world.admin)

    response = client.post(
        "/settings/webhooks/aliases/",
        {"service": "app", "provider": "github", "external": f"{HELLO}:src"},
        follow=True,
    )

    page = response.content.decode()
    assert "codertocat/hello-world:src/ now maps to" in page
    assert "1 earlier deliveries now found their service" in page
    assert changed_services() == ["app"]
    refused = client.post(
        "/settings/webhooks/aliases/",
        {"service": "app", "provider": "github", "external": HELLO},
    )
    assert refused.status_code == 400 and "monorepo split by paths" in refused.content.decode()


# --- deployments name their service -------------------------------------------------------------


def deployment_of(service: str) -> dict[str, Any]:
    """The real deployment status (production, success, 2019-05-15 15:20:55), naming `service`
    in the deployment's payload as a monorepo's deploy tool does."""
    payload = github_payload("deployment_status.created.0")
    payload["deployment"]["payload"] = {"service": service}
    return payload


def test_a_deployment_belongs_to_the_service_it_names_and_ships_only_its_changes(
    post_github, split
):
    # The push (15:20:57 by its pushed_at) lands after the real deployment finished, so move
    # the deployment a minute later: it then ships the app's change, and the site's waits.
    post_github("push", push_touching("src/a.py", "docs/a.md"))
    payload = deployment_of("app")
    payload["deployment_status"]["updated_at"] = "2019-05-15T15:30:00Z"

    response = post_github("deployment_status", payload)

    assert response.status_code == 200, response.json()
    deployment = Deployment.objects.get()
    assert deployment.service == split["app"]
    shipped = {c.service.key: c.deployment for c in Change.objects.select_related("service")}
    assert shipped == {"app": deployment, "site": None}


def test_a_deployment_naming_a_service_outside_the_monorepo_is_unmapped(post_github, split):
    Service.objects.create(key="elsewhere", name="Elsewhere")

    response = post_github("deployment_status", deployment_of("elsewhere"))

    assert response.status_code == 202
    assert "has no path in the monorepo" in response.json()["detail"]
    assert Deployment.objects.count() == 0


# --- GitLab and generic -------------------------------------------------------------------------


def gitlab_push(*paths: str) -> dict[str, Any]:
    project = {
        "id": 30,
        "name": "mono",
        "path_with_namespace": "acme/mono",
        "default_branch": "main",
        "web_url": "https://gitlab.example.com/acme/mono",
    }
    commit = {
        "id": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
        "message": "Cart totals in cents",
        "timestamp": "2026-11-15T23:36:29+02:00",
        "added": [],
        "modified": list(paths),
        "removed": [],
    }
    return {
        "object_kind": "push",
        "ref": "refs/heads/main",
        "checkout_sha": commit["id"],
        "after": commit["id"],
        "project": project,
        "commits": [commit],
    }


def test_a_gitlab_push_belongs_to_the_services_its_files_touch(client, secrets, db):
    cart = Service.objects.create(key="cart", name="Cart")
    pay = Service.objects.create(key="pay", name="Pay")
    create_alias(actor=CLI, service=cart, provider="gitlab", external="acme/mono:services/cart/")
    create_alias(actor=CLI, service=pay, provider="gitlab", external="acme/mono:services/pay/")

    def post(payload: dict[str, Any]) -> Any:
        return client.post(
            "/api/v1/events/gitlab",
            data=encode(payload),
            content_type="application/json",
            headers=gitlab_headers("Push Hook", secrets["gitlab"]),
        )

    assert post(gitlab_push("services/pay/refund.rb")).status_code == 200
    assert changed_services() == ["pay"]
    assert post(gitlab_push("services/shared.rb")).status_code == 202


def test_a_generic_change_with_files_belongs_to_the_services_they_touch(client, secrets, db):
    cart = Service.objects.create(key="cart", name="Cart")
    pay = Service.objects.create(key="pay", name="Pay")
    create_alias(actor=CLI, service=cart, provider="generic", external="mono:services/cart/")
    create_alias(actor=CLI, service=pay, provider="generic", external="mono:services/pay/")
    at = dt.datetime(2026, 11, 10, 9, tzinfo=dt.UTC).isoformat()

    def post(event_id: str, files: Any) -> Any:
        body = encode(
            {
                "id": event_id,
                "type": "change",
                "service": "mono",
                "commit": event_id,
                "first_commit_at": at,
                "files": files,
            }
        )
        return client.post(
            "/api/v1/events/generic",
            data=body,
            content_type="application/json",
            headers=generic_headers(body, secrets["generic"]),
        )

    assert post("c1", ["services/cart/a.go", "services/pay/b.go"]).status_code == 200
    assert post("c2", ["README.md"]).status_code == 202
    bad = post("c3", [1, 2])
    assert bad.status_code == 400 and "files must be a list of paths" in bad.json()["detail"]
    assert sorted(Change.objects.values_list("commit_sha", "service__key")) == [
        ("c1", "cart"),
        ("c1", "pay"),
    ]
