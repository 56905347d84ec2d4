"""Fixtures for delivery events: configured secrets, a mapped service, and signed posting."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from okrs.metrics.delivery.models import Service, ServiceAlias, WebhookSecret
from okrs.metrics.delivery.signatures import generic_signature

GITHUB_FIXTURES = Path("/work/shared/data/github-webhooks")
SECRETS = {
    "github": "gh-test-secret",
    "gitlab": "gl-test-token",
    "pagerduty": "pd-test-secret",
    "generic": "generic-test-secret",
}


def github_payload(name: str) -> dict[str, Any]:
    """A real GitHub example payload (EVENT.ACTION.INDEX), as a fresh copy to adapt."""
    return copy.deepcopy(json.loads((GITHUB_FIXTURES / f"{name}.json").read_text()))


def github_headers(event: str, body: bytes, secret: str, delivery: str | None = None) -> dict:
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-Hub-Signature-256": signature,
        "User-Agent": "GitHub-Hookshot/abc123",
    }


def gitlab_headers(event: str, token: str, delivery: str | None = None) -> dict:
    return {
        "X-Gitlab-Event": event,
        "X-Gitlab-Token": token,
        "X-Gitlab-Event-UUID": delivery or str(uuid.uuid4()),
    }


def pagerduty_headers(body: bytes, *secrets: str) -> dict:
    signatures = ["v1=" + hmac.new(s.encode(), body, hashlib.sha256).hexdigest() for s in secrets]
    return {"X-PagerDuty-Signature": ",".join(signatures), "User-Agent": "PagerDuty-Webhook/V3.0"}


def generic_headers(body: bytes, secret: str, timestamp: int | None = None) -> dict:
    ts = int(time.time()) if timestamp is None else timestamp
    return {"X-Okrs-Timestamp": str(ts), "X-Okrs-Signature": generic_signature(secret, body, ts)}


def encode(payload: Any) -> bytes:
    return json.dumps(payload).encode()


Poster = Callable[..., Any]


@pytest.fixture
def secrets(db: None) -> dict[str, str]:
    for provider, secret in SECRETS.items():
        WebhookSecret.objects.create(provider=provider, secret=secret)
    return SECRETS


@pytest.fixture
def hello_world(db: None) -> Service:
    """The service behind the GitHub fixtures' repository, Codertocat/Hello-World."""
    service = Service.objects.create(key="hello-world", name="Hello World")
    ServiceAlias.objects.create(
        provider="github", external="codertocat/hello-world", service=service
    )
    return service


@pytest.fixture
def post(client: Client) -> Poster:
    def post(source: str, body: bytes, headers: dict[str, str]) -> Any:
        return client.post(
            f"/api/v1/events/{source}", data=body, content_type="application/json", headers=headers
        )

    return post


@pytest.fixture
def post_github(post: Poster, secrets: dict[str, str]) -> Poster:
    def post_github(event: str, payload: dict[str, Any], delivery: str | None = None) -> Any:
        body = encode(payload)
        return post("github", body, github_headers(event, body, secrets["github"], delivery))

    return post_github
