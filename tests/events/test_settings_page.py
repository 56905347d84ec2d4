"""/settings/webhooks/: secrets, endpoints, services, aliases, recent deliveries. Admin only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from okrs.metrics.delivery.models import (
    Deployment,
    RawEvent,
    Service,
    ServiceAlias,
    WebhookSecret,
)
from okrs.org.models import AuditEntry
from tests.events.conftest import encode, github_headers, github_payload

SECRET = "s3cr3t-for-the-hooks-9f2c"


@pytest.fixture
def admin_client(world, client: Client) -> Client:
    client.force_login(world.admin)
    return client


def stored_column(provider: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM delivery_webhooksecret WHERE provider = %s", [provider])
        return cursor.fetchone()[0]


def test_the_page_shows_each_endpoint_and_whether_a_secret_is_set(admin_client, settings):
    settings.BASE_URL = "https://okrs.acme.test"
    WebhookSecret.objects.create(provider="gitlab", secret=SECRET)

    response = admin_client.get("/settings/webhooks/")

    assert response.status_code == 200
    page = response.content.decode()
    for source in ("github", "gitlab", "pagerduty", "generic"):
        assert f"https://okrs.acme.test/api/v1/events/{source}" in page
    assert "✓ set" in page
    assert "not set" in page
    assert SECRET not in page
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", ["lead", "member", "viewer", "platform_lead"])
def test_only_admins_may_see_or_change_it(world, client, role):
    client.force_login(getattr(world, role))

    assert client.get("/settings/webhooks/").status_code == 403
    response = client.post("/settings/webhooks/secrets/github/", {"secret": SECRET})
    assert response.status_code == 403
    assert client.post("/settings/webhooks/services/", {"key": "x"}).status_code == 403
    assert WebhookSecret.objects.count() == 0
    assert Service.objects.count() == 0


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get("/settings/webhooks/")

    assert response.status_code == 302
    assert "login" in response["Location"]


def test_setting_a_secret_stores_it_encrypted_audits_without_it_and_never_shows_it(
    world, admin_client
):
    response = admin_client.post(
        "/settings/webhooks/secrets/github/", {"secret": SECRET}, follow=True
    )

    assert response.status_code == 200
    assert SECRET not in response.content.decode()
    assert WebhookSecret.objects.get(provider="github").secret == SECRET
    column = stored_column("github")
    assert SECRET not in column and column  # encrypted at rest
    entry = AuditEntry.objects.get(entity="webhook_secret")
    assert (entry.actor, entry.action, entry.ref) == (world.admin, "create", "github")
    assert SECRET not in str(entry.before) + str(entry.after)


def test_the_secret_set_on_the_page_verifies_deliveries(admin_client, client):
    admin_client.post("/settings/webhooks/secrets/github/", {"secret": SECRET})
    body = encode(github_payload("ping.event.0"))

    good = client.post(
        "/api/v1/events/github",
        data=body,
        content_type="application/json",
        headers=github_headers("ping", body, SECRET),
    )
    bad = client.post(
        "/api/v1/events/github",
        data=body,
        content_type="application/json",
        headers=github_headers("ping", body, "old"),
    )

    assert (good.status_code, bad.status_code) == (202, 401)


def test_replacing_and_clearing_a_secret(world, admin_client):
    admin_client.post("/settings/webhooks/secrets/pagerduty/", {"secret": SECRET})
    admin_client.post("/settings/webhooks/secrets/pagerduty/", {"secret": "another-long-one"})
    assert WebhookSecret.objects.get().secret == "another-long-one"

    admin_client.post("/settings/webhooks/secrets/pagerduty/clear/")

    assert WebhookSecret.objects.count() == 0
    actions = list(
        AuditEntry.objects.filter(entity="webhook_secret")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]


def test_a_short_secret_is_refused_with_the_reason(admin_client):
    response = admin_client.post("/settings/webhooks/secrets/github/", {"secret": "abc"})

    assert response.status_code == 400
    assert "at least 8 characters" in response.content.decode()
    assert 'value="abc"' not in response.content.decode()  # what was typed is not echoed
    assert WebhookSecret.objects.count() == 0


def test_forms_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin)

    response = client.post("/settings/webhooks/secrets/github/", {"secret": SECRET})

    assert response.status_code == 403
    assert WebhookSecret.objects.count() == 0


def test_services_and_aliases_are_managed_and_audited(world, admin_client):
    admin_client.post(
        "/settings/webhooks/services/", {"key": "checkout", "name": "Checkout", "team": "checkout"}
    )
    admin_client.post(
        "/settings/webhooks/aliases/",
        {"service": "checkout", "provider": "github", "external": "Acme/Checkout"},
    )
    service = Service.objects.get()
    assert (service.key, service.team) == ("checkout", world.checkout)
    assert ServiceAlias.objects.get().external == "acme/checkout"

    page = admin_client.get("/settings/webhooks/").content.decode()
    assert "acme/checkout" in page

    admin_client.post("/settings/webhooks/services/checkout/team/", {"team": "platform"})
    service.refresh_from_db()
    assert service.team == world.platform

    alias = ServiceAlias.objects.get()
    admin_client.post(f"/settings/webhooks/aliases/{alias.pk}/delete/")
    admin_client.post("/settings/webhooks/services/checkout/delete/")
    assert (Service.objects.count(), ServiceAlias.objects.count()) == (0, 0)
    assert list(AuditEntry.objects.order_by("pk").values_list("entity", "action")) == [
        ("service", "create"),
        ("service_alias", "create"),
        ("service", "update"),
        ("service_alias", "delete"),
        ("service", "delete"),
    ]


def test_bad_service_input_is_refused_with_the_reason(admin_client):
    Service.objects.create(key="checkout", name="Checkout")

    taken = admin_client.post("/settings/webhooks/services/", {"key": "checkout"})
    badkey = admin_client.post("/settings/webhooks/services/", {"key": "Check Out"})
    no_team = admin_client.post("/settings/webhooks/services/", {"key": "x", "team": "nope"})

    assert taken.status_code == badkey.status_code == no_team.status_code == 400
    assert "already exists" in taken.content.decode()
    assert "lowercase" in badkey.content.decode()
    assert "no team" in no_team.content.decode()
    assert Service.objects.count() == 1


def test_an_alias_taken_by_another_service_is_refused(admin_client):
    one = Service.objects.create(key="one", name="One")
    Service.objects.create(key="two", name="Two")
    ServiceAlias.objects.create(provider="github", external="acme/app", service=one)

    response = admin_client.post(
        "/settings/webhooks/aliases/",
        {"service": "two", "provider": "github", "external": "acme/app"},
    )

    assert response.status_code == 400
    assert "already belongs to the service" in response.content.decode()


def test_adding_an_alias_normalises_the_deliveries_that_were_unmapped(admin_client, post_github):
    post_github("deployment_status", github_payload("deployment_status.created.0"))
    assert RawEvent.objects.get().outcome == "unmapped"
    Service.objects.create(key="hello", name="Hello")

    response = admin_client.post(
        "/settings/webhooks/aliases/",
        {"service": "hello", "provider": "github", "external": "Codertocat/Hello-World"},
        follow=True,
    )

    assert "1 earlier deliveries now found their service" in response.content.decode()
    assert RawEvent.objects.get().outcome == "normalised"
    assert Deployment.objects.get().service.key == "hello"


def test_recent_deliveries_show_the_outcome_not_the_payload(admin_client, post_github):
    payload = github_payload("deployment_status.created.0")
    payload["deployment"]["payload"] = {"token": "payload-secret-value"}
    post_github("deployment_status", payload, delivery="delivery-1234")

    page = admin_client.get("/settings/webhooks/").content.decode()

    assert "delivery-1234" in page
    assert "unmapped" in page
    assert "deployment 145988746" not in page  # not normalised: no service yet
    assert "payload-secret-value" not in page


def test_recent_deliveries_name_their_service(admin_client, post_github, hello_world):
    post_github("deployment_status", github_payload("deployment_status.created.0"))

    page = admin_client.get("/settings/webhooks/").content.decode()

    assert '<td data-label="Service">hello-world</td>' in page
    assert "deployment 145988746 to production: success" in page
