"""Webhooks and unreadable text: the signature is checked first, by the webhook's own view.

Everywhere else a NUL or text that is not UTF-8 gets 400 before any view (okrs.security); a
webhook's body is left to its view, which proves the sender before reading it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from okrs.metrics.delivery.models import RawEvent, Service
from tests.events.conftest import generic_headers

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response


@pytest.fixture
def checkout(db: None) -> Service:
    return Service.objects.create(key="checkout", name="Checkout")


def post_generic(client: Client, body: bytes, headers: dict[str, str]) -> Response:
    return client.post(
        "/api/v1/events/generic", body, content_type="application/json", headers=headers
    )


def test_a_signed_delivery_may_carry_an_escaped_nul(client: Client, secrets, checkout) -> None:
    payload = {
        "id": "chg-nul",
        "type": "change",
        "service": "checkout",
        "commit": "abc",
        "first_commit_at": "2026-11-15T16:00:00Z",
        "title": "fix \u0000 handling",
    }
    body = json.dumps(payload).encode()
    response = post_generic(client, body, generic_headers(body, secrets["generic"]))
    assert response.status_code == 200
    stored = RawEvent.objects.get()
    # The delivery is kept: PostgreSQL cannot hold the NUL and stores U+FFFD in its place.
    assert stored.payload["title"] in ("fix \u0000 handling", "fix \ufffd handling")


def test_an_unsigned_delivery_is_refused_for_its_signature_first(
    client: Client, secrets, checkout
) -> None:
    body = b'{"id": "x", "type": "change", "note": "a\x00b \xff"}'
    headers = generic_headers(b"another body", secrets["generic"])
    response = post_generic(client, body, headers)
    assert response.status_code == 401
    assert RawEvent.objects.count() == 0


def test_a_signed_delivery_that_is_not_utf8_is_refused_after_its_signature(
    client: Client, secrets, checkout
) -> None:
    body = b'{"id": "x", "type": "change", "service": "checkout", "note": "caf\xe9"}'
    response = post_generic(client, body, generic_headers(body, secrets["generic"]))
    assert response.status_code == 400
    assert RawEvent.objects.count() == 0
