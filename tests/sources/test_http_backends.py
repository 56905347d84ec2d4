"""PagerDuty, GitHub, Jira and any JSON endpoint, each against a local fake of its real API.

The fakes check the authentication headers the way the providers do, so a test passes only
when okrs sends the credential where the provider expects it. Failures are sorted: refused
credentials and bad queries are permanent, outages, rate limits and timeouts temporary.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from okrs.metrics.sources import http
from okrs.metrics.sources.backends.github import GitHubSource
from okrs.metrics.sources.backends.http_json import HttpJsonSource
from okrs.metrics.sources.backends.jira import JiraSource
from okrs.metrics.sources.backends.pagerduty import PagerDutySource
from okrs.metrics.sources.registry import SourceError
from tests.fakes.github import FakeGitHub, item
from tests.fakes.http_json import Answer, FakeJsonEndpoint
from tests.fakes.jira import FakeJira, issue
from tests.fakes.pagerduty import FakePagerDuty, incident

NOW = dt.datetime(2026, 11, 16, 12, tzinfo=dt.UTC)


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def failure(source, now: dt.datetime = NOW) -> SourceError:
    with pytest.raises(SourceError) as caught:
        source.fetch(now=now)
    return caught.value


# --- PagerDuty -------------------------------------------------------------------------------


@pytest.fixture
def pagerduty():
    incidents = [
        incident(1, days_ago(2), service="PSHOP"),
        incident(2, days_ago(5), service="PSHOP", status="triggered"),
        incident(3, days_ago(9), service="PSEARCH", urgency="low"),
        incident(4, days_ago(40), service="PSHOP"),  # outside a 30-day window
        incident(5, days_ago(1), service="PSHOP", urgency="low"),
    ]
    with FakePagerDuty(token="pd-key", incidents=incidents) as fake:
        yield fake


def pd_source(fake, **extra) -> PagerDutySource:
    config = {"token": "pd-key", "window": "30d", "api_url": fake.url, **extra}
    return PagerDutySource(config)


def test_pagerduty_counts_incidents_in_the_window(pagerduty) -> None:
    assert pd_source(pagerduty).fetch(now=NOW) == 4
    sent = pagerduty.requests[-1]
    assert sent.headers["authorization"] == "Token token=pd-key"
    assert sent.headers["accept"] == "application/vnd.pagerduty+json;version=2"
    assert sent.query["total"] == ["true"] and sent.query["limit"] == ["1"]


def test_pagerduty_filters(pagerduty) -> None:
    assert pd_source(pagerduty, service_ids=["PSHOP"]).fetch(now=NOW) == 3
    assert pd_source(pagerduty, service_ids=["PSHOP"], urgencies=["high"]).fetch(now=NOW) == 2
    assert pd_source(pagerduty, statuses=["triggered"]).fetch(now=NOW) == 1
    assert pd_source(pagerduty, window="3d").fetch(now=NOW) == 2


def test_pagerduty_wrong_key_is_permanent(pagerduty) -> None:
    error = failure(PagerDutySource({"token": "old", "window": "30d", "api_url": pagerduty.url}))
    assert error.permanent
    # The status, not PagerDuty's answer: error bodies are never shown on the page.
    assert str(error) == "PagerDuty refused the credentials (HTTP 401)"
    assert "old" not in str(error)


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_pagerduty_outage_and_rate_limit_are_temporary(pagerduty, status: int) -> None:
    pagerduty.fail_with = Answer(status, {"error": {"message": "try later"}})
    error = failure(pd_source(pagerduty))
    assert not error.permanent and f"HTTP {status}" in str(error)


def test_a_server_that_does_not_answer_in_time_is_temporary(pagerduty, monkeypatch) -> None:
    monkeypatch.setattr(http, "TIMEOUT_SECONDS", 0.3)
    pagerduty.hold = threading.Event()
    error = failure(pd_source(pagerduty))
    pagerduty.hold.set()
    assert not error.permanent and "did not answer within 0.3 s" in str(error)


def test_a_server_that_is_down_is_temporary(pagerduty) -> None:
    source = pd_source(pagerduty)
    pagerduty.server.server_close()  # nothing listens on the port any more
    pagerduty.server.shutdown()
    error = failure(source)
    assert not error.permanent and "cannot be reached" in str(error)


# --- GitHub ----------------------------------------------------------------------------------


@pytest.fixture
def github():
    items = [
        item(1, repo="acme/shop", labels=("bug",), created="2026-11-10"),
        item(2, repo="acme/shop", labels=("bug",), created="2026-09-01"),
        item(3, repo="acme/shop", state="closed", labels=("bug",), created="2026-11-12"),
        item(4, repo="acme/shop", pr=True, state="closed", merged="2026-11-14"),
        item(5, repo="acme/shop", pr=True, state="closed", merged="2026-10-01"),
        item(6, repo="acme/other", labels=("bug",)),
    ]
    with FakeGitHub(token="ghp-good", items=items) as fake:
        yield fake


def gh_source(fake, query: str, **extra) -> GitHubSource:
    return GitHubSource({"query": query, "token": "ghp-good", "api_url": fake.url, **extra})


def test_github_search_count(github) -> None:
    assert gh_source(github, "repo:acme/shop is:issue is:open label:bug").fetch(now=NOW) == 2
    sent = github.requests[-1]
    assert sent.headers["authorization"] == "Bearer ghp-good"
    assert sent.headers["x-github-api-version"] == "2022-11-28"
    assert sent.query["per_page"] == ["1"]


def test_github_rolling_window_fills_in_since(github) -> None:
    source = gh_source(github, "repo:acme/shop is:pr is:merged merged:>={since}", window="30d")
    assert source.fetch(now=NOW) == 1
    assert github.requests[-1].query["q"] == ["repo:acme/shop is:pr is:merged merged:>=2026-10-17"]


def test_github_bad_token_and_bad_query_are_permanent(github) -> None:
    bad_token = GitHubSource({"query": "repo:acme/shop", "token": "nope", "api_url": github.url})
    error = failure(bad_token)
    assert error.permanent and "refused the credentials (HTTP 401)" in str(error)
    assert "Bad credentials" not in str(error)
    error = failure(gh_source(github, "repo:acme/shop colour:blue"))
    assert error.permanent and "HTTP 422" in str(error)


def test_github_rate_limit_is_temporary_though_it_is_a_403(github) -> None:
    github.rate_limited = True
    error = failure(gh_source(github, "repo:acme/shop"))
    assert not error.permanent and "rate limit" in str(error)


def test_github_incomplete_results_are_retried(github) -> None:
    github.incomplete = True
    assert not failure(gh_source(github, "repo:acme/shop")).permanent


# --- Jira ------------------------------------------------------------------------------------


@pytest.fixture
def jira():
    issues = [
        issue("OPS-1", project="OPS", created=days_ago(3)),
        issue("OPS-2", project="OPS", created=days_ago(20)),
        issue("OPS-3", project="OPS", type="Task", created=days_ago(1)),
        issue("OPS-4", project="OPS", created=days_ago(60)),
        issue("WEB-1", project="WEB", created=days_ago(2)),
    ]
    with FakeJira(email="bot@acme.test", api_token="atl-tok", issues=issues, now=NOW) as fake:
        yield fake


def jira_source(fake, jql: str, **extra) -> JiraSource:
    config = {"site": fake.url, "jql": jql, "email": "bot@acme.test", "api_token": "atl-tok"}
    return JiraSource({**config, **extra})


def test_jira_counts_with_the_approximate_count_endpoint(jira) -> None:
    jql = "project = OPS AND type = Bug AND created >= -30d"
    assert jira_source(jira, jql).fetch(now=NOW) == 2
    sent = jira.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/rest/api/3/search/approximate-count")
    assert sent.body == {"jql": jql}
    assert sent.headers["authorization"].startswith("Basic ")


def test_jira_wrong_token_is_permanent(jira) -> None:
    error = failure(jira_source(jira, "project = OPS", api_token="expired"))
    assert error.permanent and "HTTP 401" in str(error)


def test_jira_bad_jql_is_permanent_without_quoting_jiras_answer(jira) -> None:
    error = failure(jira_source(jira, "project = OPS AND colour = blue"))
    assert error.permanent and "HTTP 400" in str(error)
    assert "colour" not in str(error)


# --- any JSON endpoint -----------------------------------------------------------------------


DOCUMENT = {"data": {"customers": {"active": 1234, "trial": "56.5"}, "plans": [1, 2]}}


def test_http_json_picks_the_number_with_a_jsonpath() -> None:
    with FakeJsonEndpoint(DOCUMENT, token="tok-1") as fake:
        config = {"url": fake.url + "/metrics.json", "token": "tok-1"}
        assert (
            HttpJsonSource({**config, "jsonpath": "$.data.customers.active"}).fetch(now=NOW) == 1234
        )
        assert (
            HttpJsonSource({**config, "jsonpath": "$.data.customers.trial"}).fetch(now=NOW) == 56.5
        )
        assert fake.requests[-1].headers["authorization"] == "Bearer tok-1"


def test_http_json_token_in_a_header_of_its_own() -> None:
    with FakeJsonEndpoint(DOCUMENT, token="k-9", header="X-Api-Key") as fake:
        source = HttpJsonSource(
            {
                "url": fake.url + "/metrics.json",
                "token": "k-9",
                "header": "X-Api-Key",
                "jsonpath": "$.data.plans[1]",
            }
        )
        assert source.fetch(now=NOW) == 2


def test_http_json_errors() -> None:
    with FakeJsonEndpoint(DOCUMENT, token="tok-1") as fake:
        url = fake.url + "/metrics.json"

        def source(path: str, token: str = "tok-1") -> HttpJsonSource:  # noqa: S107
            return HttpJsonSource({"url": url, "token": token, "jsonpath": path})

        assert failure(source("$.data.customers.active", token="wrong")).permanent
        nothing = failure(source("$.data.customers.churned"))
        assert nothing.permanent and "matches nothing" in str(nothing)
        several = failure(source("$.data.plans[*]"))
        assert several.permanent and "matches 2 values" in str(several)
        fake.fail_with = Answer(200, None, raw=b"<html>gateway</html>")
        assert not failure(source("$.data.customers.active")).permanent
