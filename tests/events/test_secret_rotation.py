"""A web process keeps the decrypted webhook secret, yet a changed secret takes effect at once.

Each test first delivers an event, so this process holds its copy of the secret, then changes
the secret and delivers again. "Elsewhere" writes the row without going through configure.py,
as another web process or `okrs manage shell` would: nothing tells this process, and the next
delivery must still be judged by the database's secret, not by the copy.
"""

from __future__ import annotations

from typing import Any

import pytest

from okrs.metrics.delivery.ingest.configure import clear_webhook_secret, set_webhook_secret
from okrs.metrics.delivery.models import Deployment, RawEvent, Service, WebhookSecret
from okrs.org.audit import Actor
from tests.events.conftest import encode, generic_headers

NEW_SECRET = "the-rotated-generic-secret"
ADMIN_SHELL = Actor(person=None, channel="cli", trusted=True)


@pytest.fixture
def deliver(post, secrets) -> Any:
    Service.objects.create(key="checkout", name="Checkout")

    def deliver(event_id: str, secret: str) -> Any:
        body = encode(
            {
                "id": event_id,
                "type": "deployment",
                "service": "checkout",
                "environment": "production",
                "status": "success",
                "finished_at": "2026-11-16T10:00:00Z",
            }
        )
        return post("generic", body, generic_headers(body, secret))

    # This process now holds its copy of the secret.
    assert deliver("before", secrets["generic"]).status_code == 200
    return deliver


def rotate_elsewhere(secret: str) -> None:
    # An UPDATE that this process's configure.py never sees (the value is encrypted on save).
    assert WebhookSecret.objects.filter(provider="generic").update(secret=secret) == 1


def test_a_secret_rotated_here_refuses_the_old_one_and_accepts_the_new(deliver, secrets):
    set_webhook_secret(actor=ADMIN_SHELL, provider="generic", secret=NEW_SECRET)

    old = deliver("signed-with-the-old-secret", secrets["generic"])
    new = deliver("signed-with-the-new-secret", NEW_SECRET)

    assert old.status_code == 401
    assert new.status_code == 200, new.json()
    assert set(RawEvent.objects.values_list("delivery_id", flat=True)) == {
        "before",
        "signed-with-the-new-secret",
    }


def test_a_secret_rotated_elsewhere_refuses_the_old_one_at_the_next_delivery(deliver, secrets):
    rotate_elsewhere(NEW_SECRET)

    old = deliver("signed-with-the-old-secret", secrets["generic"])

    assert old.status_code == 401
    assert "does not match" in old.json()["detail"]
    assert not RawEvent.objects.filter(delivery_id="signed-with-the-old-secret").exists()
    assert not Deployment.objects.filter(external_id="signed-with-the-old-secret").exists()


def test_a_sender_already_using_a_secret_set_elsewhere_is_accepted(deliver):
    rotate_elsewhere(NEW_SECRET)

    new = deliver("signed-with-the-new-secret", NEW_SECRET)

    assert new.status_code == 200, new.json()
    assert Deployment.objects.filter(external_id="signed-with-the-new-secret").exists()


def test_a_redelivery_signed_with_a_rotated_secret_is_refused_not_called_a_duplicate(
    deliver, secrets
):
    rotate_elsewhere(NEW_SECRET)

    again = deliver("before", secrets["generic"])

    assert again.status_code == 401


@pytest.mark.parametrize("where", ["here", "elsewhere"])
def test_a_cleared_secret_stops_deliveries_at_once(deliver, secrets, where):
    if where == "here":
        assert clear_webhook_secret(actor=ADMIN_SHELL, provider="generic")
    else:
        WebhookSecret.objects.filter(provider="generic").delete()

    refused = deliver("after-clearing", secrets["generic"])

    assert refused.status_code == 503
    assert "no webhook secret is configured" in refused.json()["detail"]
    assert not RawEvent.objects.filter(delivery_id="after-clearing").exists()


def test_the_same_secret_set_again_keeps_deliveries_flowing(deliver, secrets):
    # A save writes a new ciphertext even for the same value: the copy is read again, once.
    set_webhook_secret(actor=ADMIN_SHELL, provider="generic", secret=secrets["generic"])

    assert deliver("after-saving-again", secrets["generic"]).status_code == 200
