"""The registry: each backend's declared parameters, checked with messages a person can act on."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrs.metrics.sources.registry import (
    REGISTRY,
    SourceConfigInvalid,
    SourceError,
    parse_source,
    resolve_secrets,
    secret_params,
    source_problems,
)
from okrs.metrics.sources.schedule import BadDuration, next_sync_time, parse_schedule, retry_delay


def messages(raw: dict, **kwargs) -> list[str]:
    return [problem.message for problem in source_problems(raw, **kwargs)]


def test_every_backend_of_the_product_is_registered_with_its_secrets_marked() -> None:
    assert {"prometheus", "sql", "http_json", "pagerduty", "github", "jira"} <= set(REGISTRY)
    assert secret_params("sql") == {"database_url"}
    assert secret_params("jira") == {"email", "api_token"}
    assert secret_params("pagerduty") == {"token"}
    assert secret_params("github") == {"token"}
    assert secret_params("http_json") == {"token"}
    assert secret_params("prometheus") == {"token"}


def test_a_valid_source_becomes_typed_values_with_defaults() -> None:
    config = parse_source(
        {
            "kind": "pagerduty",
            "credential": "pd",
            "statuses": ["triggered", "resolved"],
            "schedule": "15m",
        }
    )
    assert config.schedule == dt.timedelta(minutes=15)
    assert config.credential == "pd"
    assert config.values["window"] == "30d"
    assert config.values["api_url"] == "https://api.pagerduty.com"
    assert config.values["statuses"] == ["triggered", "resolved"]
    assert "token" not in config.values  # the credential fills it at fetch time


def test_the_schedule_defaults_to_hourly() -> None:
    config = parse_source({"kind": "prometheus", "url": "http://prom:9090", "query": "up"})
    assert config.schedule == dt.timedelta(hours=1)


def test_unknown_kind_is_named_with_a_suggestion() -> None:
    assert messages({"kind": "promethus", "query": "up"}) == [
        "unknown source kind 'promethus' (did you mean 'prometheus'?)"
    ]


def test_unknown_and_missing_parameters_are_each_reported() -> None:
    found = messages({"kind": "http_json", "url": "https://x.test/a", "json_path": "$.a"})
    assert (
        "unknown parameter 'json_path' for a http_json source (did you mean 'jsonpath'?)" in found
    )
    assert "a http_json source is missing the required parameter 'jsonpath'" in found


def test_a_secret_written_in_the_source_is_refused() -> None:
    found = messages({"kind": "github", "query": "repo:acme/shop is:issue", "token": "ghp_abc123"})
    assert len(found) == 1
    assert "'token' is secret and must not be written in the source" in found[0]
    assert "ghp_abc123" not in found[0]


def test_a_required_secret_needs_a_credential_or_an_environment_variable() -> None:
    assert messages({"kind": "sql", "query": "select 1"}) == [
        "a sql source needs 'database_url' (secret): name a credential that holds it with "
        "'credential:', or write database_url: env:VARIABLE"
    ]
    assert messages({"kind": "sql", "query": "select 1", "database_url": "env:WAREHOUSE_URL"}) == []
    assert messages({"kind": "sql", "query": "select 1", "database_url": "env:not valid"}) == [
        "'database_url': 'env:not valid' is not an environment variable name"
    ]


def test_credentials_are_checked_against_the_known_ones_and_their_kind() -> None:
    known = {"warehouse": "sql", "pd": "pagerduty"}
    source = {"kind": "sql", "query": "select 1", "credential": "wearhouse"}
    assert messages(source, credentials=known) == [
        "unknown credential 'wearhouse' (an admin adds it on /settings/sources/)"
    ]
    source["credential"] = "pd"
    assert messages(source, credentials=known) == [
        "credential 'pd' is for pagerduty sources, not sql"
    ]


def test_urls_must_not_carry_credentials() -> None:
    with_user = messages({"kind": "prometheus", "url": "http://u:p@prom:9090", "query": "up"})
    assert with_user and "must not hold a user or password" in with_user[0]
    with_token = messages(
        {"kind": "http_json", "url": "https://x.test/a?api_key=s3", "jsonpath": "$.a"}
    )
    assert with_token and "must not carry a credential in its query ('api_key')" in with_token[0]
    assert messages({"kind": "prometheus", "url": "file:///etc/passwd", "query": "up"})


def test_values_of_the_wrong_type_and_bad_choices() -> None:
    found = messages(
        {
            "kind": "pagerduty",
            "credential": "pd",
            "statuses": ["open"],
            "window": "a month",
            "schedule": "30s",
        }
    )
    assert "'statuses' has 'open': use triggered, acknowledged, resolved" in found
    assert any(m.startswith("'window' 'a month' is not a duration") for m in found)
    assert any(m.startswith("'schedule' '30s' is not a duration") for m in found)
    assert messages(
        {"kind": "sql", "query": "select 1", "database_url": "env:X", "timeout": 900}
    ) == ["'timeout' must be between 0 and 300 seconds"]


def test_a_jsonpath_that_cannot_parse_is_reported_before_any_fetch() -> None:
    found = messages({"kind": "http_json", "url": "https://x.test/a", "jsonpath": "$.["})
    assert len(found) == 1 and found[0].startswith("'jsonpath' cannot be read:")


def test_a_source_without_a_kind() -> None:
    with pytest.raises(SourceConfigInvalid) as caught:
        parse_source({"query": "up"})
    assert "a source needs a 'kind'" in str(caught.value)


def test_secrets_are_resolved_from_the_environment_or_the_credential() -> None:
    config = parse_source(
        {
            "kind": "jira",
            "site": "https://acme.atlassian.net",
            "jql": "project = OPS",
            "credential": "jira",
            "email": "env:JIRA_EMAIL",
        }
    )
    resolved = resolve_secrets(
        config,
        credential_values={"email": "ignored@acme.test", "api_token": "tok"},
        environ={"JIRA_EMAIL": "bot@acme.test"},
    )
    assert resolved["email"] == "bot@acme.test" and resolved["api_token"] == "tok"
    with pytest.raises(SourceError) as caught:
        resolve_secrets(config, credential_values={"email": "x"}, environ={})
    assert caught.value.permanent
    assert "JIRA_EMAIL, which is not set" in str(caught.value)


# --- schedules and backoff --------------------------------------------------------------------


def test_schedules() -> None:
    assert parse_schedule("15m") == dt.timedelta(minutes=15)
    assert parse_schedule("1d") == dt.timedelta(days=1)
    for bad in ("0m", "1s", "90d", "hourly", ""):
        with pytest.raises(BadDuration):
            parse_schedule(bad)


def test_backoff_doubles_from_a_minute_up_to_the_schedule() -> None:
    hour = dt.timedelta(hours=1)
    delays = [retry_delay(n, hour) for n in range(1, 9)]
    assert [d.total_seconds() / 60 for d in delays] == [1, 2, 4, 8, 16, 32, 60, 60]


@given(
    failures=st.integers(min_value=1, max_value=10_000),
    minutes=st.integers(min_value=1, max_value=31 * 24 * 60),
)
def test_backoff_never_shrinks_and_never_passes_the_schedule(failures: int, minutes: int) -> None:
    every = dt.timedelta(minutes=minutes)
    delay = retry_delay(failures, every)
    assert dt.timedelta(minutes=1) <= delay <= every
    assert retry_delay(failures + 1, every) >= delay


@given(
    started=st.datetimes(
        min_value=dt.datetime(2020, 1, 1),
        max_value=dt.datetime(2040, 1, 1),
        timezones=st.just(dt.UTC),
    ),
    minutes=st.integers(min_value=1, max_value=31 * 24 * 60),
)
def test_a_schedule_counts_from_the_minute_tick_its_sync_started_in(
    started: dt.datetime, minutes: int
) -> None:
    wait = dt.timedelta(minutes=minutes)
    due = next_sync_time(started, wait)
    # Due on a tick of the minute task: the tick `wait` after the one the sync belonged to, so
    # a sync that starts late within its minute does not push the next one past a tick.
    assert (due.second, due.microsecond) == (0, 0)
    assert wait - dt.timedelta(minutes=1) < due - started <= wait
