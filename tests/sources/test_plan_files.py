"""A key result's `source` in a plan file: checked against the registry, line by line, and
kept through an export and apply round trip without ever holding a secret."""

from __future__ import annotations

import pytest

from okrs.ascode.apply import apply_plan
from okrs.ascode.export import export_plan
from okrs.ascode.parse import load_plan
from okrs.ascode.problems import PlanInvalid
from okrs.ascode.validate import validate_plan
from okrs.goals.models import KeyResult
from okrs.org.audit import Actor
from okrs.org.models import AuditEntry
from tests.sources.conftest import store_credential

ACTOR = Actor(None, "cli", trusted=True)

PLAN = """\
organisation: Acme
timezone: Europe/London
cycles:
  - {key: 2026-Q4, start: 2026-10-01, end: 2026-12-31}
people:
  - {email: sre@acme.test, name: Sam Reyes}
objectives:
  - key: fast-shop
    cycle: 2026-Q4
    level: company
    title: A shop that feels instant
    owner: sre@acme.test
    key_results:
      - key: p95
        title: Bring checkout P95 from 800 ms to 300 ms
        owner: sre@acme.test
        baseline: 0.8
        target: 0.3
        unit: s
        source:
          kind: prometheus
          url: http://prometheus.internal:9090
          query: histogram_quantile(0.95, sum by (le) (rate(checkout_seconds_bucket[5m])))
          credential: prod-prometheus
          schedule: 15m
      - key: revenue
        title: Grow weekly self-serve revenue from 10k to 15k
        owner: sre@acme.test
        baseline: 10000
        target: 15000
        source: {kind: sql, database_url: "env:WAREHOUSE_URL", query: select 1}
"""


def problems(text: str) -> list[tuple[int, str]]:
    plan = load_plan(text, filename="plan.yaml")
    return [(p.line, p.message) for p in validate_plan(plan)]


def test_a_plan_with_valid_sources_applies_and_round_trips(db) -> None:
    store_credential("prod-prometheus", "prometheus", token="prom-secret-token")
    apply_plan(load_plan(PLAN), actor=ACTOR)
    kr = KeyResult.objects.get(key="p95")
    assert kr.source is not None and kr.source["credential"] == "prod-prometheus"
    exported = export_plan()
    assert "credential: prod-prometheus" in exported and "env:WAREHOUSE_URL" in exported
    assert "prom-secret-token" not in exported
    again = apply_plan(load_plan(exported), actor=ACTOR)
    assert not again.changed


def test_errors_in_a_source_point_at_their_own_line(db) -> None:
    store_credential("prod-prometheus", "jira", email="a", api_token="b")
    text = (
        PLAN.replace("kind: prometheus", "kind: prometheus\n          querry: up")
        .replace("schedule: 15m", "schedule: often")
        .replace('database_url: "env:WAREHOUSE_URL"', "database_url: postgresql://u:pw@db/x")
    )
    found = problems(text)
    assert (
        22,
        "source of key result 'p95': unknown parameter 'querry' for a prometheus source "
        "(did you mean 'query'?)",
    ) in found
    assert (
        25,
        "source of key result 'p95': credential 'prod-prometheus' is for jira sources, "
        "not prometheus",
    ) in found
    assert any(line == 26 and "'schedule' 'often' is not a duration" in m for line, m in found)
    [(line, message)] = [(line, m) for line, m in found if "'database_url' is secret" in m]
    assert line == 32 and "pw@" not in message


def test_an_unknown_kind_and_a_missing_parameter(db) -> None:
    text = PLAN.replace("kind: prometheus", "kind: graphite").replace(
        "query: select 1", "querying: select 1"
    )
    found = problems(text)
    assert any(line == 21 and "unknown source kind 'graphite'" in m for line, m in found)
    assert (
        31,
        "source of key result 'revenue': a sql source is missing the required parameter 'query'",
    ) in found


def test_a_plan_with_a_bad_source_writes_nothing(db) -> None:
    with pytest.raises(PlanInvalid) as caught:
        apply_plan(load_plan(PLAN, filename="plan.yaml"), actor=ACTOR)
    assert "plan.yaml:24: source of key result 'p95': unknown credential 'prod-prometheus'" in str(
        caught.value
    )
    assert not KeyResult.objects.exists()


def test_the_audit_of_an_apply_hides_secret_parameters(db, monkeypatch) -> None:
    store_credential("prod-prometheus", "prometheus", token="x")
    apply_plan(load_plan(PLAN), actor=ACTOR)
    entry = AuditEntry.objects.get(entity="key_result", ref="fast-shop/revenue")
    assert entry.after is not None
    assert entry.after["source"]["database_url"] == "(hidden)"
    assert entry.after is not None
    assert entry.after["source"]["query"] == "select 1"
    assert "WAREHOUSE_URL" not in str(entry.after)
