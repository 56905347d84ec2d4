"""A key result's automatic source in the editor: admins bind, change and remove it, on a new
key result or an existing one; everyone else sees it read-only and is refused on the server."""

from __future__ import annotations

from typing import Any

from django.test import Client

from okrs.goals.models import KeyResult
from okrs.org.models import AuditEntry

EDIT = "/key-results/deploys-advantage/lead-time/edit/"
NEW = "/objectives/deploys-advantage/new-key-result/"
PROMETHEUS = {
    "source-kind": "prometheus",
    "source-p_url": "http://prom.internal:9090",
    "source-p_query": "up",
}


def _fields(**extra: str) -> dict[str, str]:
    return {
        "title": "Reduce deployment lead time from 4 days to 6 hours",
        "owner": "maya@acme.test",
        "kind": "decrease",
        "baseline": "96",
        "target": "6",
        "unit": "hours",
        "weight": "1",
        **extra,
    }


def test_an_admin_binds_a_source_on_a_new_key_result(world: Any, client: Client) -> None:
    client.force_login(world.admin)
    assert 'name="source-kind"' in client.get(NEW).content.decode()

    response = client.post(NEW, {**_fields(key="deploy-count"), **PROMETHEUS})

    assert response.status_code == 302
    created = KeyResult.objects.get(objective=world.platform_objective, key="deploy-count")
    assert created.source == {
        "kind": "prometheus",
        "url": "http://prom.internal:9090",
        "query": "up",
    }
    entry = AuditEntry.objects.get(entity="key_result", ref="deploys-advantage/deploy-count")
    assert entry.after is not None
    assert entry.action == "create" and entry.after["source"]["kind"] == "prometheus"


def test_an_admin_removes_a_source(world: Any, client: Client) -> None:
    world.lead_time.source = {
        "kind": "prometheus",
        "url": "http://prom.internal:9090",
        "query": "up",
    }
    world.lead_time.save()
    client.force_login(world.admin)

    response = client.post(EDIT, {**_fields(), "source-kind": ""})

    assert response.status_code == 302
    world.lead_time.refresh_from_db()
    assert world.lead_time.source is None
    entry = AuditEntry.objects.get(entity="key_result", ref="deploys-advantage/lead-time")
    assert entry.before is not None and entry.after is not None
    assert entry.before["source"]["kind"] == "prometheus" and entry.after["source"] is None


def test_the_owner_sees_the_source_read_only_and_is_refused_a_change(
    world: Any, client: Client
) -> None:
    client.force_login(world.member)
    page = client.get(EDIT).content.decode()
    assert 'id="source-read-only"' in page

    response = client.post(EDIT, {**_fields(), **PROMETHEUS})

    assert response.status_code == 403
    world.lead_time.refresh_from_db()
    assert world.lead_time.source is None
    assert not AuditEntry.objects.exists()


def test_a_dora_source_s_fields_are_in_words_and_its_values_stay_codes(
    world: Any, client: Client
) -> None:
    world.lead_time.source = {"kind": "dora", "metric": "lead_time", "window": "30d"}
    world.lead_time.save()
    client.force_login(world.admin)

    form = client.get(EDIT).content.decode()

    for label in ("Metric", "Service", "Team", "Window", "Statistic"):
        assert f'">{label}</label>' in form
    assert '<option value="lead_time" selected>Change lead time (hours)</option>' in form
    assert '<option value="p90">90th percentile</option>' in form
    assert '">metric</label>' not in form and '">statistic</label>' not in form
    assert "deployment_frequency (per day)" not in form
    assert "for lead_time and recovery_time" not in form

    response = client.post(
        EDIT,
        {
            **_fields(),
            "source-kind": "dora",
            "source-p_metric": "change_failure_rate",
            "source-p_statistic": "p90",
        },
    )

    assert response.status_code == 302
    world.lead_time.refresh_from_db()
    assert world.lead_time.source == {
        "kind": "dora",
        "metric": "change_failure_rate",
        "statistic": "p90",
    }


def test_a_long_metric_name_from_a_plan_file_stays_selected(world: Any, client: Client) -> None:
    world.lead_time.source = {"kind": "dora", "metric": "change_lead_time"}
    world.lead_time.save()
    client.force_login(world.admin)

    form = client.get(EDIT).content.decode()

    assert '<option value="change_lead_time" selected>' in form
