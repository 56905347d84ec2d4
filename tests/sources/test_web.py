"""Sources in the web app: binding one in the editor, the key-result page's sync state and
"Sync now", the admins' settings page; and secrets never shown in a page, the API, an export
or the audit log."""

from __future__ import annotations

import html
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from okrs.ascode.export import export_plan
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from okrs.metrics.sources.models import Credential
from okrs.metrics.sources.sync import sync_key_result
from okrs.org.models import AuditEntry
from tests.conftest import NOW
from tests.fakes.http_json import Answer, FakeJsonEndpoint
from tests.sources.conftest import bind, fresh, store_credential, synced

EDIT = "/key-results/deploys-advantage/lead-time/edit/"
PAGE = "/key-results/deploys-advantage/lead-time/"


def kr_fields(**extra: str) -> dict[str, str]:
    data = {
        "title": "Reduce deployment lead time from 4 days to 6 hours",
        "owner": "maya@acme.test",
        "kind": "decrease",
        "baseline": "96",
        "target": "6",
        "unit": "hours",
        "weight": "1",
    }
    data.update(extra)
    return data


def signed_in(client: Client, person: Any) -> Client:
    client.force_login(person)
    return client


# --- the editor ------------------------------------------------------------------------------


def test_an_admin_binds_a_source_in_the_editor(world, client) -> None:
    store_credential("gh", "github", token="ghp-secret")
    signed_in(client, world.admin)
    chosen = client.post(EDIT, {**kr_fields(), "source-kind": "github", "source-choose": "1"})
    html = chosen.content.decode()
    assert chosen.status_code == 200 and 'name="source-p_query"' in html
    assert '<option value="gh">gh</option>' in html
    assert f'hx-post="{EDIT}"' in html  # choosing a kind redraws the fields in place
    response = client.post(
        EDIT,
        {
            **kr_fields(),
            "source-kind": "github",
            "source-credential": "gh",
            "source-p_query": "repo:acme/shop is:pr is:merged",
            "source-p_window": "",
            "source-p_token": "",
            "source-schedule": "1d",
        },
    )
    assert response.status_code == 302
    assert fresh(world.lead_time).source == {
        "kind": "github",
        "query": "repo:acme/shop is:pr is:merged",
        "credential": "gh",
        "schedule": "1d",
    }


def test_the_editor_refuses_a_raw_secret_and_never_echoes_it(world, client) -> None:
    signed_in(client, world.admin)
    response = client.post(
        EDIT,
        {
            **kr_fields(),
            "source-kind": "github",
            "source-p_query": "repo:acme/shop",
            "source-p_token": "ghp-typed-in-clear",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "Token is secret and must not be written in the source" in html
    assert "ghp-typed-in-clear" not in html
    assert fresh(world.lead_time).source is None


def test_the_editor_reports_registry_problems_beside_their_field(world, client) -> None:
    signed_in(client, world.admin)
    response = client.post(
        EDIT,
        {
            **kr_fields(),
            "source-kind": "pagerduty",
            "source-p_window": "a month",
            "source-p_token": "env:PD_TOKEN",
            "source-schedule": "5s",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    # Beside the field, named as its label: "Window", not the plan file's key 'window'.
    assert "Window &#x27;a month&#x27; is not a duration" in html
    assert "Schedule &#x27;5s&#x27; is not a duration" in html
    assert "&#x27;window&#x27;" not in html and "&#x27;schedule&#x27; &#x27;5s" not in html


def test_an_environment_reference_is_write_only_and_kept_when_left_blank(world, client) -> None:
    bind(world.lead_time, kind="sql", query="select 1", database_url="env:WAREHOUSE_URL")
    signed_in(client, world.admin)
    page = client.get(EDIT).content.decode()
    assert "WAREHOUSE_URL" not in page and 'value="select 1"' in page
    response = client.post(
        EDIT,
        {
            **kr_fields(),
            "source-kind": "sql",
            "source-p_query": "select 2",
            "source-p_database_url": "",
            "source-p_timeout": "",
        },
    )
    assert response.status_code == 302
    assert fresh(world.lead_time).source == {
        "kind": "sql",
        "query": "select 2",
        "database_url": "env:WAREHOUSE_URL",
    }


def test_unbinding_and_a_post_without_source_fields(world, client) -> None:
    bind(world.lead_time, kind="prometheus", url="http://prom:9090", query="up")
    signed_in(client, world.admin)
    assert client.post(EDIT, kr_fields(target="7")).status_code == 302
    source = fresh(world.lead_time).source
    assert source is not None and source["kind"] == "prometheus"  # untouched by an old form
    assert client.post(EDIT, {**kr_fields(), "source-kind": ""}).status_code == 302
    assert fresh(world.lead_time).source is None


def test_a_viewer_cannot_bind_a_source(world, client) -> None:
    signed_in(client, world.viewer)
    response = client.post(
        EDIT, {**kr_fields(), "source-kind": "prometheus", "source-p_query": "up"}
    )
    assert response.status_code == 403 and fresh(world.lead_time).source is None


# --- the key-result page ---------------------------------------------------------------------


def test_the_page_shows_the_source_last_sync_and_a_stopped_sync(world, client, clock) -> None:
    with FakeJsonEndpoint({"v": 1}, token="other") as fake:
        store_credential("metrics", "http_json", site=fake.url, token="tok-page-secret")
        bind(
            world.lead_time,
            kind="http_json",
            url=fake.url + "/metrics.json",
            jsonpath="$.v",
            credential="metrics",
        )
        sync_key_result(key_result=fresh(world.lead_time), now=NOW)
    html = signed_in(client, world.viewer).get(PAGE).content.decode()
    assert "Sync stopped" in html and "refused the credentials (HTTP 401)" in html
    assert "$.v" in html and "metrics" in html
    assert "tok-page-secret" not in html
    assert "Sync now" not in html  # a viewer may not


def test_sync_now_by_the_owner_records_the_value(world, client, clock) -> None:
    with FakeJsonEndpoint({"v": 42}, token="tok") as fake:
        store_credential("metrics", "http_json", site=fake.url, token="tok")
        bind(
            world.lead_time,
            kind="http_json",
            url=fake.url + "/metrics.json",
            jsonpath="$.v",
            credential="metrics",
        )
        signed_in(client, world.member)
        response = client.post(PAGE + "sync/", follow=True)
    assert "Synced: 42 recorded." in response.content.decode()
    assert CheckIn.objects.get(key_result=world.lead_time).source == "sync"
    assert AuditEntry.objects.filter(action="sync", actor=world.member).exists()
    with CaptureQueriesContext(connection) as queries:
        html = client.get(PAGE).content.decode()
    assert "last synced" in html and "16 Nov 2026 12:00 UTC" in html
    # The state comes with the key result (one join), not in a query of its own.
    assert not [q for q in queries if 'FROM "sources_syncstate"' in q["sql"]]
    api = client.get("/api/v1/key-results/deploys-advantage%2Flead-time").json()
    assert api["last_synced_at"] is not None


def test_sync_now_is_refused_to_a_viewer(world, client) -> None:
    bind(world.lead_time, kind="prometheus", url="http://127.0.0.1:9", query="up")
    response = signed_in(client, world.viewer).post(PAGE + "sync/")
    assert response.status_code == 403
    assert synced(world.lead_time).last_synced_at is None


# --- the admins' settings page ---------------------------------------------------------------


def test_an_admin_adds_a_credential_stored_encrypted_and_audited_without_its_value(
    world, client
) -> None:
    signed_in(client, world.admin)
    form = client.get("/settings/sources/?kind=jira").content.decode()
    assert 'name="secret_api_token"' in form and 'name="secret_email"' in form
    response = client.post(
        "/settings/sources/?kind=jira",
        {
            "name": "jira-cloud",
            "kind": "jira",
            "description": "bot account",
            "site": "https://acme.atlassian.net",
            "secret_email": "bot@acme.test",
            "secret_api_token": "atl-very-secret",
        },
    )
    assert response.status_code == 302
    credential = Credential.objects.get(name="jira-cloud")
    assert credential.secrets() == {"email": "bot@acme.test", "api_token": "atl-very-secret"}
    raw = Credential.objects.filter(pk=credential.pk).values_list("secret_values", flat=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_values FROM sources_credential")
        stored = cursor.fetchone()[0]
    assert "atl-very-secret" not in stored and list(raw)  # encrypted at rest
    entry = AuditEntry.objects.get(entity="credential", ref="jira-cloud")
    assert entry.after is not None
    assert entry.actor == world.admin and entry.after["parameters_set"] == ["api_token", "email"]
    assert "atl-very-secret" not in str(entry.after) and "bot@acme.test" not in str(entry.after)
    page = client.get("/settings/sources/").content.decode()
    assert "jira-cloud" in page and "atl-very-secret" not in page


def test_editing_a_credential_keeps_blank_secrets_and_never_shows_them(world, client) -> None:
    store_credential(
        "jira-cloud",
        "jira",
        site="https://acme.atlassian.net",
        email="bot@acme.test",
        api_token="old-token",
    )
    signed_in(client, world.admin)
    page = client.get("/settings/sources/credentials/jira-cloud/").content.decode()
    assert "old-token" not in page and "bot@acme.test" not in page
    response = client.post(
        "/settings/sources/credentials/jira-cloud/",
        {
            "kind": "jira",
            "description": "",
            "site": "https://acme.atlassian.net",
            "secret_email": "",
            "secret_api_token": "new-token",
        },
    )
    assert response.status_code == 302
    assert Credential.objects.get(name="jira-cloud").secrets() == {
        "email": "bot@acme.test",
        "api_token": "new-token",
    }


def test_a_credential_in_use_cannot_be_deleted(world, client) -> None:
    store_credential("gh", "github", token="t")
    bind(world.lead_time, kind="github", query="repo:a/b", credential="gh")
    signed_in(client, world.admin)
    response = client.post("/settings/sources/credentials/gh/delete/", follow=True)
    page = html.unescape(response.content.decode())
    assert (
        "“gh” is used by 1 key result: “Reduce deployment lead time from 4 days to 6 hours”. "
        "Bind it to another credential first." in page
    )
    assert "key result(s)" not in page and "(deploys-advantage/lead-time)" not in page
    assert Credential.objects.filter(name="gh").exists()


def test_a_credential_used_twice_names_both_key_results(world, client) -> None:
    store_credential("gh", "github", token="t")
    bind(world.lead_time, kind="github", query="repo:a/b", credential="gh")
    bind(world.change_failure_rate, kind="github", query="repo:a/c", credential="gh")
    signed_in(client, world.admin)
    response = client.post("/settings/sources/credentials/gh/delete/", follow=True)
    page = html.unescape(response.content.decode())
    assert (
        "is used by 2 key results: “Keep the change failure rate below 5%” and “Reduce "
        "deployment lead time from 4 days to 6 hours”. Bind them to another credential first."
    ) in page
    assert Credential.objects.filter(name="gh").exists()


def test_only_admins_see_the_sources_settings(world, client) -> None:
    for person in (world.lead, world.member, world.viewer):
        assert signed_in(client, person).get("/settings/sources/").status_code == 403
        response = client.post(
            "/settings/sources/?kind=github", {"name": "x", "kind": "github", "secret_token": "t"}
        )
        assert response.status_code == 403
    assert not Credential.objects.exists()


def test_the_admin_list_shows_every_failing_and_stopped_key_result(world, client, clock) -> None:
    with FakeJsonEndpoint({"v": 1}, token="tok") as fake:
        store_credential("metrics", "http_json", site=fake.url, token="tok")
        url = fake.url + "/metrics.json"
        bind(world.lead_time, kind="http_json", url=url, jsonpath="$.gone", credential="metrics")
        bind(world.conversion, kind="http_json", url=url, jsonpath="$.v", credential="metrics")
        sync_key_result(key_result=fresh(world.lead_time), now=NOW)
        fake.fail_with = Answer(502, {"error": "bad gateway"})
        sync_key_result(key_result=fresh(world.conversion), now=NOW)
    page = signed_in(client, world.admin).get("/settings/sources/").content.decode()
    assert "Stopped" in page and "matches nothing" in page
    assert "Retrying" in page and "HTTP 502" in page


def test_the_sync_table_names_key_results_kinds_and_times_in_words(world, client) -> None:
    with FakeJsonEndpoint({"v": 3}, token="tok") as fake:
        store_credential("metrics", "http_json", site=fake.url, token="tok")
        bind(
            world.lead_time,
            kind="http_json",
            url=fake.url + "/metrics.json",
            jsonpath="$.v",
            credential="metrics",
            schedule="15m",
        )
        sync_key_result(key_result=fresh(world.lead_time), now=NOW)
    bind(world.change_failure_rate, kind="dora", metric="change_failure_rate")

    page = signed_in(client, world.admin).get("/settings/sources/").content.decode()

    link = '<a href="/key-results/deploys-advantage/lead-time/">'
    assert f"{link}{world.lead_time.title}</a>" in page
    assert ">deploys-advantage/lead-time<" not in page
    assert "JSON over HTTP (a URL and a JSONPath) · credential metrics · every 15 minutes" in page
    assert "DORA metric from delivery events" in page and ">dora<" not in page
    assert "16 Nov 2026 12:00 UTC" in page and "2026-11-16 12:00" not in page


def test_adding_a_credential_asks_its_kind_once_by_name(world, client) -> None:
    signed_in(client, world.admin)

    page = client.get("/settings/sources/?kind=github").content.decode()

    assert page.count('name="kind"') == 2  # the chooser, and the form carrying its choice
    assert '<input type="hidden" name="kind" value="github"' in page
    assert '<option value="github" selected>GitHub search count</option>' in page
    assert ">github<" not in page and "github, http_json" not in page
    assert '">Site</label>' in page and '">Token</label>' in page
    assert "must have their API URL there" in page and "'api_url'" not in page
    assert "A token that can read the repositories searched" in page


# --- secrets in the API, the export and the audit log ----------------------------------------


def test_secret_parameters_never_leave_the_server(world, client) -> None:
    store_credential("warehouse", "sql", database_url="postgresql://u:pw-secret@db/x")
    source = {
        "kind": "sql",
        "credential": "warehouse",
        "query": "select count(*) from orders",
        "database_url": "env:WAREHOUSE_SECRET_NAME",
    }
    signed_in(client, world.admin)
    response = client.post(
        EDIT,
        {
            **kr_fields(),
            "source-kind": "sql",
            "source-credential": "warehouse",
            "source-p_query": source["query"],
            "source-p_database_url": source["database_url"],
        },
    )
    assert response.status_code == 302 and fresh(world.lead_time).source == source
    api = world.client_for(world.viewer).get("/api/v1/key-results/deploys-advantage%2Flead-time")
    shown = api.json()["source"]
    assert shown["database_url"] == "(hidden)" and shown["credential"] == "warehouse"
    assert shown["query"] == "select count(*) from orders"
    page = client.get(PAGE).content.decode()
    audit = str(list(AuditEntry.objects.values_list("before", "after")))
    for text in (api.content.decode(), page, audit):
        assert "pw-secret" not in text and "WAREHOUSE_SECRET_NAME" not in text
    exported = export_plan()
    assert "pw-secret" not in exported  # the plan keeps the reference, never the value
    stored = KeyResult.objects.get(pk=world.lead_time.pk).source
    assert stored is not None and stored["credential"] == "warehouse"
