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
from tests.events.test_gitlab import deployment_hook

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


# --- GitLab deployments name their service in their environment's folders ---------------------


def gitlab_deployment(environment: str, **changes: Any) -> dict[str, Any]:
    """GitLab's Deployment Hook (the documented payload, test_gitlab.py) from the monorepo
    acme/mono, deploying the commit of `gitlab_push` to `environment`."""
    payload = deployment_hook(environment=environment, **changes)
    payload["project"].update(name="mono", path_with_namespace="acme/mono")
    payload["commit_url"] = (
        "https://gitlab.example.com/acme/mono/-/commit/da1560886d4f094c3e6c9ef40349f7d38b5d27d7"
    )
    payload["environment_slug"] = environment.replace("/", "-").lower()
    return payload


@pytest.fixture
def gitlab_mono(db: None) -> dict[str, Service]:
    checkout = Service.objects.create(key="checkout", name="Checkout")
    payments = Service.objects.create(key="payments", name="Payments")
    for service in (checkout, payments):
        create_alias(
            actor=CLI,
            service=service,
            provider="gitlab",
            external=f"acme/mono:services/{service.key}/",
        )
    return {"checkout": checkout, "payments": payments}


@pytest.fixture
def post_gitlab(post, secrets):
    def post_gitlab(event: str, payload: dict[str, Any], delivery: str | None = None) -> Any:
        return post("gitlab", encode(payload), gitlab_headers(event, secrets["gitlab"], delivery))

    return post_gitlab


def test_the_service_is_the_one_folder_of_the_environment_that_is_a_services_key():
    def named(environment: str) -> str | None:
        folders = monorepo.environment_folders(environment)
        return monorepo.service_in_environment(folders, ["checkout", "payments"]).key

    assert named("production/checkout") == "checkout"
    assert named("checkout/production") == "checkout"
    assert named("Production/Checkout") == "checkout"
    assert named("production/eu/payments") == "payments"
    assert named("production/unknown") is None
    assert named("checkout/payments") is None
    assert monorepo.environment_folders("production") == ()


@pytest.mark.parametrize(
    ("environment", "tier"),
    [
        ("production/checkout", {"environment_tier": "production"}),
        ("Production/Checkout", {"environment_tier": "production"}),
        # GitLab before 16.2 sends no tier: the environment without its service says production.
        ("checkout/production", {"environment_tier": None}),
    ],
)
def test_a_gitlab_deployment_belongs_to_the_service_its_environment_names(
    post_gitlab, gitlab_mono, environment, tier
):
    response = post_gitlab("Deployment Hook", gitlab_deployment(environment, **tier))

    assert response.status_code == 200, response.json()
    assert response.json()["detail"] == "deployment 15 to production: success for checkout"
    deployment = Deployment.objects.get()
    assert deployment.service == gitlab_mono["checkout"]
    assert (deployment.environment, deployment.is_production) == (environment, True)
    assert RawEvent.objects.get().service == gitlab_mono["checkout"]


def test_a_gitlab_staging_folder_of_a_service_is_not_production(post_gitlab, gitlab_mono):
    post_gitlab(
        "Deployment Hook", gitlab_deployment("staging/payments", environment_tier="staging")
    )

    deployment = Deployment.objects.get()
    assert (deployment.service, deployment.is_production) == (gitlab_mono["payments"], False)


def test_a_gitlab_deployment_ships_only_the_changes_of_its_service(post_gitlab, gitlab_mono):
    # The push (newest commit 21:36:29 UTC on 15 November) touches both services; the
    # deployment of checkout (16 November, 09:50 UTC) ships checkout's change alone.
    post_gitlab("Push Hook", gitlab_push("services/checkout/cart.rb", "services/payments/a.rb"))

    post_gitlab("Deployment Hook", gitlab_deployment("production/checkout"))

    deployment = Deployment.objects.get()
    shipped = {c.service.key: c.deployment for c in Change.objects.select_related("service")}
    assert shipped == {"checkout": deployment, "payments": None}
    change = Change.objects.get(service=gitlab_mono["checkout"])
    assert deployment.finished_at - change.first_commit_at == dt.timedelta(
        hours=12, minutes=13, seconds=31
    )


@pytest.mark.parametrize(
    ("environment", "reason"),
    [
        (
            "production",
            "the deployment's environment 'production' has no folder naming one of the services "
            "with a path in the monorepo gitlab 'acme/mono' (checkout, payments): name it as in "
            "production/checkout",
        ),
        (
            "production/unknown",
            "the deployment's environment 'production/unknown' names none of the services with a "
            "path in the monorepo gitlab 'acme/mono' (checkout, payments): put the service in "
            "its name, as in production/checkout",
        ),
        (
            "checkout/payments",
            "the deployment's environment 'checkout/payments' names more than one service of the "
            "monorepo gitlab 'acme/mono' (checkout, payments): name exactly one, as in "
            "production/checkout",
        ),
    ],
)
def test_a_gitlab_deployment_naming_no_one_service_is_unmapped_with_why(
    post_gitlab, gitlab_mono, environment, reason
):
    response = post_gitlab("Deployment Hook", gitlab_deployment(environment))

    assert response.status_code == 202
    assert (response.json()["outcome"], response.json()["detail"]) == ("unmapped", reason)
    raw = RawEvent.objects.get()
    assert (raw.outcome, raw.detail, raw.service) == ("unmapped", reason, None)
    assert Deployment.objects.count() == 0


def test_a_redelivered_gitlab_deployment_hook_changes_nothing(post_gitlab, gitlab_mono):
    post_gitlab("Push Hook", gitlab_push("services/checkout/cart.rb"))
    payload = gitlab_deployment("production/checkout")
    post_gitlab("Deployment Hook", payload, delivery="gl-d-1")

    again = post_gitlab("Deployment Hook", payload, delivery="gl-d-1")

    assert (again.status_code, again.json()["outcome"]) == (200, "duplicate")
    assert (RawEvent.objects.count(), Deployment.objects.count()) == (2, 1)
    assert Change.objects.get().deployment == Deployment.objects.get()


def test_gitlab_deployments_before_the_split_find_their_service_when_it_is_made(post_gitlab, db):
    post_gitlab("Deployment Hook", gitlab_deployment("production/payments"))
    post_gitlab("Deployment Hook", gitlab_deployment("production", deployment_id=16))
    assert list(RawEvent.objects.values_list("outcome", flat=True)) == ["unmapped", "unmapped"]

    payments = Service.objects.create(key="payments", name="Payments")
    create_alias(
        actor=CLI, service=payments, provider="gitlab", external="acme/mono:services/payments/"
    )

    assert replay_unmapped(actor=CLI, provider="gitlab") == 1
    deployment = Deployment.objects.get()
    assert (deployment.service, deployment.external_id) == (payments, "15")
    assert sorted(RawEvent.objects.values_list("outcome", flat=True)) == [
        "normalised",
        "unmapped",
    ]
