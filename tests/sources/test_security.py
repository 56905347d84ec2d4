"""Attacks on metric sources, each a test: a member pointing a source (and the
server's secrets or an admin's credential) at a host of their own, redirects carrying a
credential away, errors quoting what a server answered, and numbers too large to convert."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from okrs.ascode.apply import apply_plan
from okrs.ascode.parse import load_plan
from okrs.ascode.problems import PlanInvalid
from okrs.goals.checkins.models import CheckIn
from okrs.goals.models import KeyResult
from okrs.metrics.sources.backends.http_json import HttpJsonSource
from okrs.metrics.sources.backends.prometheus import number_from_answer
from okrs.metrics.sources.registry import (
    SourceError,
    parse_source,
    resolve_secrets,
    same_site,
    source_problems,
)
from okrs.metrics.sources.sync import sync_due, sync_key_result
from okrs.org.audit import Actor
from okrs.org.models import AuditEntry
from okrs.org.permissions import PermissionDenied
from tests.conftest import NOW
from tests.fakes.http_json import Answer, FakeJsonEndpoint
from tests.sources.conftest import bind, fresh, store_credential

EDIT = "/key-results/deploys-advantage/lead-time/edit/"
NEW = "/objectives/deploys-advantage/new-key-result/"
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


def exfiltrating_source(url: str) -> dict[str, str]:
    return {
        "source-kind": "http_json",
        "source-p_url": url + "/metrics.json",
        "source-p_jsonpath": "$.v",
        "source-p_token": "env:WAREHOUSE_URL",
        "source-p_header": "",
        "source-schedule": "",
    }


@pytest.fixture
def attacker():
    with FakeJsonEndpoint({"v": 1}) as fake:
        yield fake


# --- who may bind a source in the editor ------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "platform_lead", "lead"])
def test_members_and_leads_cannot_bind_a_source(world, client: Client, attacker, who) -> None:
    person = getattr(world, who)
    client.force_login(person)
    audit_before = AuditEntry.objects.count()
    response = client.post(EDIT, {**kr_fields(target="5"), **exfiltrating_source(attacker.url)})
    assert response.status_code == 403
    assert "Only admins bind a key result to a metric source" in response.content.decode()
    kr = fresh(world.lead_time)
    assert kr.source is None and kr.target == 6  # nothing saved, not even the other fields
    assert AuditEntry.objects.count() == audit_before
    sync_due(now=dt.datetime.now(dt.UTC))
    assert attacker.requests == []  # nothing fetched


def test_a_member_cannot_bind_a_source_to_a_new_key_result(world, client, attacker) -> None:
    client.force_login(world.platform_lead)  # may add key results to the objective
    fields = {**kr_fields(key="sneaky"), **exfiltrating_source(attacker.url)}
    assert client.post(NEW, fields).status_code == 403
    assert not KeyResult.objects.filter(key="sneaky").exists()


def test_a_member_cannot_change_or_remove_an_admins_source(world, client, attacker) -> None:
    stored = {"kind": "prometheus", "url": "http://prom.internal:9090", "query": "up"}
    bind(world.lead_time, **stored)
    client.force_login(world.member)
    changed = {
        "source-kind": "prometheus",
        "source-p_url": attacker.url,
        "source-p_query": "up",
        "source-p_token": "env:WAREHOUSE_URL",
    }
    assert client.post(EDIT, {**kr_fields(), **changed}).status_code == 403
    assert client.post(EDIT, {**kr_fields(), "source-kind": ""}).status_code == 403
    assert fresh(world.lead_time).source == stored


def test_a_member_sees_the_source_read_only_and_still_edits_the_rest(world, client) -> None:
    stored = {"kind": "prometheus", "url": "http://prom.internal:9090", "query": "up"}
    bind(world.lead_time, **stored)
    client.force_login(world.member)
    page = client.get(EDIT).content.decode()
    assert 'id="source-read-only"' in page
    query_input = page.split('name="source-p_query"')[1][:200]
    assert "disabled" in query_input
    # The page as drawn posts no source fields (disabled inputs are not sent): it saves.
    assert client.post(EDIT, kr_fields(target="7")).status_code == 302
    kr = fresh(world.lead_time)
    assert kr.target == 7 and kr.source == stored
    # The same source posted back unchanged is no change either.
    same = {"source-kind": "prometheus", "source-p_url": stored["url"], "source-p_query": "up"}
    assert client.post(EDIT, {**kr_fields(target="8"), **same}).status_code == 302
    assert fresh(world.lead_time).source == stored


def test_an_admin_binds_a_source_and_it_is_audited(world, client) -> None:
    client.force_login(world.admin)
    fields = {
        "source-kind": "prometheus",
        "source-p_url": "http://prom.internal:9090",
        "source-p_query": "up",
    }
    assert client.post(EDIT, {**kr_fields(), **fields}).status_code == 302
    assert fresh(world.lead_time).source == {
        "kind": "prometheus",
        "url": "http://prom.internal:9090",
        "query": "up",
    }
    entry = AuditEntry.objects.get(entity="key_result", ref="deploys-advantage/lead-time")
    assert entry.after is not None
    assert entry.actor == world.admin and entry.after["source"]["kind"] == "prometheus"


def test_the_service_and_apply_refuse_a_member_too(world) -> None:
    from okrs.goals.services import update_key_result

    with pytest.raises(PermissionDenied):
        update_key_result(
            actor=Actor(world.member, "web"),
            key_result=world.lead_time,
            title="t",
            owner=world.lead_time.owner,
            kind="decrease",
            baseline=96,
            target=6,
            unit="hours",
            weight=world.lead_time.weight,
            source={"kind": "prometheus", "url": "http://evil.test", "query": "up"},
        )
    assert fresh(world.lead_time).source is None


PLAN = """\
organisation: Acme
timezone: Europe/London
cycles:
  - {key: 2026-Q4, start: 2026-10-01, end: 2026-12-31}
objectives:
  - key: grow
    cycle: 2026-Q4
    level: company
    title: Grow
    owner: ada@acme.test
    key_results:
      - key: revenue
        title: Revenue from 1 to 2
        owner: ada@acme.test
        baseline: 1
        target: 2
        source:
          kind: sql
          database_url: "env:WAREHOUSE_URL"
          query: select 1
          timeout: TIMEOUT
"""


def test_apply_as_a_signed_in_member_cannot_set_a_source(world) -> None:
    plan = load_plan(PLAN.replace("TIMEOUT", "10"), filename="plan.yaml")
    with pytest.raises(PermissionDenied):
        apply_plan(plan, actor=Actor(world.member, "web"))
    assert not KeyResult.objects.filter(key="revenue").exists()
    apply_plan(plan, actor=Actor(None, "cli", trusted=True))  # the operator's command line
    source = KeyResult.objects.get(key="revenue").source
    assert source is not None and source["kind"] == "sql"


# --- env: only for allow-listed variables, never okrs's own -----------------------------------

SQL = {"kind": "sql", "query": "select 1"}


def test_env_references_are_refused_unless_allow_listed(monkeypatch) -> None:
    monkeypatch.delenv("OKRS_SOURCE_ENV_ALLOWLIST", raising=False)
    [problem] = source_problems({**SQL, "database_url": "env:WAREHOUSE_URL"})
    assert problem.param == "database_url"
    assert "WAREHOUSE_URL is not in OKRS_SOURCE_ENV_ALLOWLIST" in problem.message
    monkeypatch.setenv("OKRS_SOURCE_ENV_ALLOWLIST", "OTHER, WAREHOUSE_URL")
    assert source_problems({**SQL, "database_url": "env:WAREHOUSE_URL"}) == []


@pytest.mark.parametrize("name", ["OKRS_SECRET_KEY", "OKRS_DATABASE_URL", "okrs_secret_key"])
def test_okrs_settings_are_never_readable_even_when_listed(monkeypatch, name) -> None:
    monkeypatch.setenv("OKRS_SOURCE_ENV_ALLOWLIST", f"{name},WAREHOUSE_URL")
    [problem] = source_problems({**SQL, "database_url": f"env:{name}"})
    assert "never read OKRS_* variables" in problem.message


def test_an_allow_list_shrunk_after_binding_stops_the_fetch(monkeypatch) -> None:
    config = parse_source({**SQL, "database_url": "env:WAREHOUSE_URL"})
    monkeypatch.setenv("OKRS_SOURCE_ENV_ALLOWLIST", "")
    with pytest.raises(SourceError) as caught:
        resolve_secrets(config, credential_values=None, environ={"WAREHOUSE_URL": "x"})
    assert caught.value.permanent and "OKRS_SOURCE_ENV_ALLOWLIST" in str(caught.value)


def test_the_servers_secret_key_never_reaches_a_source(world, attacker, monkeypatch) -> None:
    """The server's secret key named around the editor: the sync refuses it and sends nothing."""
    monkeypatch.setenv("OKRS_SECRET_KEY", "the-server-secret-key")
    monkeypatch.setenv("OKRS_SOURCE_ENV_ALLOWLIST", "OKRS_SECRET_KEY")
    kr = bind(
        world.conversion,
        kind="http_json",
        url=attacker.url + "/metrics.json",
        jsonpath="$.v",
        token="env:OKRS_SECRET_KEY",
    )
    outcome = sync_key_result(key_result=fresh(kr), now=NOW)
    assert outcome.status == "flagged" and "never read OKRS_* variables" in outcome.message
    assert attacker.requests == []


# --- a credential goes to its own site only ---------------------------------------------------


def test_a_credential_is_only_sent_to_its_own_site(world, attacker, clock) -> None:
    with FakeJsonEndpoint({"v": 3}, token="admin-token") as own:
        store_credential("metrics", "http_json", site=own.url, token="admin-token")
        kr = bind(
            world.conversion,
            kind="http_json",
            url=attacker.url + "/metrics.json",
            jsonpath="$.v",
            credential="metrics",
        )
        outcome = sync_key_result(key_result=fresh(kr), now=NOW)
        assert outcome.status == "flagged"
        assert "its secrets are only sent to its own site" in outcome.message
        assert attacker.requests == []
        bind(kr, kind="http_json", url=own.url + "/metrics.json", jsonpath="$.v",
             credential="metrics")  # fmt: skip
        assert sync_key_result(key_result=fresh(kr), now=NOW).value == 3
        assert own.requests[-1].headers["authorization"] == "Bearer admin-token"


def test_a_credential_without_a_site_uses_its_backends_default(world, attacker, clock) -> None:
    store_credential("gh", "github", token="ghp-admin")
    kr = bind(
        world.conversion, kind="github", query="repo:a/b", api_url=attacker.url, credential="gh"
    )
    outcome = sync_key_result(key_result=fresh(kr), now=NOW)
    assert outcome.status == "flagged" and "https://api.github.com" in outcome.message
    assert attacker.requests == []


def test_a_json_credential_stored_without_a_site_is_never_sent(world, attacker, clock) -> None:
    store_credential("old", "http_json", token="t")  # saved before credentials had a site
    kr = bind(
        world.conversion, kind="http_json", url=attacker.url, jsonpath="$.v", credential="old"
    )
    outcome = sync_key_result(key_result=fresh(kr), now=NOW)
    assert outcome.status == "flagged" and "names no site" in outcome.message
    assert attacker.requests == []


@pytest.mark.parametrize(
    ("url", "site", "same"),
    [
        ("https://h.test/api/v1/query", "https://h.test", True),
        ("https://h.test:443/x", "https://h.test/", True),
        ("https://h.test/api/x", "https://h.test/api", True),
        ("https://h.test/apix", "https://h.test/api", False),
        ("http://h.test/x", "https://h.test", False),
        ("https://h.test:8443/x", "https://h.test", False),
        ("https://h.test.evil.test/x", "https://h.test", False),
        ("https://evil.test/h.test", "https://h.test", False),
    ],
)
def test_same_site(url: str, site: str, same: bool) -> None:
    assert same_site(url, site) is same


def test_an_admin_must_give_a_json_credential_its_site(world, client) -> None:
    client.force_login(world.admin)
    fields = {"name": "metrics", "kind": "http_json", "secret_token": "t"}
    response = client.post("/settings/sources/?kind=http_json", fields)
    assert response.status_code == 400
    bad = client.post("/settings/sources/?kind=http_json", {**fields, "site": "ftp://x"})
    assert bad.status_code == 400
    good = client.post(
        "/settings/sources/?kind=http_json", {**fields, "site": "https://metrics.acme.test"}
    )
    assert good.status_code == 302
    from okrs.metrics.sources.models import Credential

    assert Credential.objects.get(name="metrics").site == "https://metrics.acme.test"


# --- no redirects, no echo --------------------------------------------------------------------


def test_a_redirect_is_refused_and_the_credential_stays_home(world, attacker, clock) -> None:
    with FakeJsonEndpoint({"v": 3}, token="admin-token") as own:
        store_credential("metrics", "http_json", site=own.url, token="admin-token")
        own.fail_with = Answer(302, {}, headers={"Location": attacker.url + "/metrics.json"})
        kr = bind(
            world.conversion,
            kind="http_json",
            url=own.url + "/metrics.json",
            jsonpath="$.v",
            credential="metrics",
        )
        outcome = sync_key_result(key_result=fresh(kr), now=NOW)
    assert outcome.status == "flagged" and "does not follow redirects" in outcome.message
    assert attacker.requests == []


def json_failure(document: Any = None, answer: Answer | None = None) -> str:
    with FakeJsonEndpoint(document) as fake:
        fake.fail_with = answer
        source = HttpJsonSource({"url": fake.url + "/metrics.json", "jsonpath": "$.v"})
        with pytest.raises(SourceError) as caught:
            source.fetch(now=NOW)
    return str(caught.value)


@pytest.mark.parametrize(
    ("document", "answer"),
    [
        ({"v": "leaked-database-password"}, None),
        ({"v": {"password": "leaked-database-password"}}, None),
        (None, Answer(500, {"error": "leaked-database-password"})),
        (None, Answer(400, {"message": "leaked-database-password"})),
        (None, Answer(404, {"errors": ["leaked-database-password"]})),
        (None, Answer(200, None, raw=b"<html>leaked-database-password</html>")),
    ],
)
def test_errors_never_quote_what_the_server_answered(document, answer) -> None:
    message = json_failure(document, answer)
    assert "leaked" not in message


def test_a_string_where_a_number_should_be_says_so() -> None:
    message = json_failure({"v": "leaked-database-password"})
    assert message == "the JSONPath $.v matched a string, not a number"


def test_prometheus_errors_never_quote_the_answer() -> None:
    for answer in (
        {"status": "error", "error": "leaked-database-password"},
        {"status": "success", "data": {"resultType": "leaked-database-password"}},
    ):
        with pytest.raises(SourceError) as caught:
            number_from_answer(answer)
        assert "leaked" not in str(caught.value)


def test_an_error_on_the_key_result_page_never_quotes_the_server(world, client, clock) -> None:
    with FakeJsonEndpoint({"v": "leaked-database-password"}) as fake:
        bind(world.lead_time, kind="http_json", url=fake.url + "/metrics.json", jsonpath="$.v")
        client.force_login(world.member)
        response = client.post(PAGE + "sync/", follow=True)
    html = response.content.decode()
    assert "matched a string, not a number" in html and "leaked" not in html


# --- numbers too large ------------------------------------------------------------------------


def test_a_timeout_of_400_digits_is_a_plan_error_not_a_crash(world) -> None:
    with pytest.raises(PlanInvalid) as caught:
        plan = load_plan(PLAN.replace("TIMEOUT", "9" * 400), filename="plan.yaml")
        apply_plan(plan, actor=Actor(None, "cli", trusted=True))
    [line] = caught.value.lines()
    assert line == "plan.yaml:21: 'timeout' is a number of 400 digits (at most 100)"
    assert not CheckIn.objects.exists() and not KeyResult.objects.filter(key="revenue").exists()


def test_the_settings_page_says_where_a_credential_is_sent(world, client) -> None:
    store_credential("metrics", "http_json", site="https://metrics.acme.test", token="t")
    client.force_login(world.admin)
    page = client.get("/settings/sources/").content.decode()
    assert "sent only to https://metrics.acme.test" in page
