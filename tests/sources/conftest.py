"""Helpers for the metric-source tests: binding a key result, storing a credential."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from okrs.goals.models import KeyResult
from okrs.metrics.sources.models import Credential, SyncState
from okrs.metrics.sources.sync import state_of
from tests.conftest import NOW


def bind(key_result: KeyResult, **source: Any) -> KeyResult:
    key_result.source = source
    key_result.save()
    return key_result


def store_credential(name: str, kind: str, *, site: str = "", **secrets: str) -> Credential:
    credential = Credential(name=name, kind=kind, site=site)
    credential.set_secrets(secrets)
    credential.save()
    return credential


def fresh(key_result: KeyResult) -> KeyResult:
    return KeyResult.objects.select_related("objective__cycle").get(pk=key_result.pk)


def synced(key_result: KeyResult) -> SyncState:
    """The key result's sync state as stored now (a blank one before its first sync)."""
    return state_of(fresh(key_result))


# The environment variables the tests' sources read: the operator's allow-list
# (OKRS_SOURCE_ENV_ALLOWLIST). A test of the allow-list itself sets its own.
ALLOWED_ENV = "WAREHOUSE_URL,WAREHOUSE_SECRET_NAME,TEST_WAREHOUSE,JIRA_EMAIL,JIRA_TOKEN,PD_TOKEN,X"


@pytest.fixture(autouse=True)
def env_allowlist(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKRS_SOURCE_ENV_ALLOWLIST", ALLOWED_ENV)


@pytest.fixture
def clock() -> Iterator[Any]:
    """Time stands at NOW (inside the world's cycle) until the test moves it."""
    import time_machine

    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def later(minutes: float = 0, hours: float = 0, days: float = 0) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes, hours=hours, days=days)
