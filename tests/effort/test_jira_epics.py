"""An issue key links work to the initiative that lists its epic, as Jira says (docs/effort.md).

Signed pull requests name issues that no initiative lists; the flaky-tests initiative lists the
epic PLAT-12. The worker's look-up task asks a local Jira Cloud (tests/fakes/jira.py) through
the Jira credential, once per issue, and links the work again.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from huey.contrib.djhuey import HUEY

from okrs.cli import main
from okrs.goals.models import Initiative
from okrs.metrics.effort.linking import Item, Target, link, parse_work_entry
from okrs.metrics.effort.models import IssueEpic, WorkItem
from okrs.metrics.effort.tasks import look_up_epics
from okrs.metrics.sources.models import Credential
from okrs.metrics.sources.registry import SourceError
from okrs.org.models import ApiToken, Person
from tests.effort.payloads import merged_pull_request
from tests.fakes.jira import FakeJira, issue

TOKEN = "atl-secret-token-for-effort"
CREATED = dt.datetime(2026, 9, 1, tzinfo=dt.UTC)


@pytest.fixture
def jira(services: Any) -> Iterator[FakeJira]:
    issues = [
        issue("PLAT-12", project="PLAT", type="Epic", created=CREATED),
        issue("PLAT-123", project="PLAT", type="Story", created=CREATED, parent="PLAT-12"),
        issue("PLAT-124", project="PLAT", type="Sub-task", created=CREATED, parent="PLAT-123"),
        issue("PLAT-99", project="PLAT", type="Epic", created=CREATED),
        issue("PLAT-200", project="PLAT", type="Story", created=CREATED, parent="PLAT-99"),
        issue("PLAT-300", project="PLAT", type="Task", created=CREATED),
    ]
    with FakeJira(email="bot@acme.test", api_token=TOKEN, issues=issues, now=CREATED) as fake:
        credential = Credential(name="acme-jira", kind="jira", site=fake.url)
        credential.set_secrets({"email": "bot@acme.test", "api_token": TOKEN})
        credential.save()
        HUEY.flush()
        yield fake
    HUEY.flush()


@pytest.fixture
def send(post_github: Any, django_capture_on_commit_callbacks: Any) -> Any:
    """Post a merged pull request as GitHub does, its commit's callbacks run (they queue)."""
    numbers = iter(range(1, 1000))

    def send(**fields: Any) -> WorkItem:
        number = next(numbers)
        with django_capture_on_commit_callbacks(execute=True):
            response = post_github("pull_request", merged_pull_request(number, **fields))
        assert response.status_code == 200, response.json()
        return WorkItem.objects.get(external_id=f"acme/platform#{number}")

    return send


def run_queued() -> list[str]:
    """The tasks queued, each run as a worker runs it (call_local: huey's wrapper would close
    the test's database connection); their names."""
    names = []
    while (task := HUEY.dequeue()) is not None:
        names.append(task.name)
        look_up_epics.call_local(*task.args, **task.kwargs)
    return names


def linked(item: WorkItem) -> tuple[str | None, str, str]:
    item.refresh_from_db()
    ref = f"{item.initiative.objective.key}/{item.initiative.key}" if item.initiative else None
    return ref, item.link_method, item.link_detail


def asked(jira: FakeJira) -> list[str]:
    return [seen.path.rsplit("/", 1)[-1] for seen in jira.requests if "/issue/" in seen.path]


def test_an_issue_of_the_listed_epic_links_through_jira(jira, send):
    item = send(title="PLAT-123: retry the payment call")
    assert linked(item) == (None, "", "")

    assert run_queued() == ["look_up_epics"]

    assert linked(item) == ("deploys-advantage/flaky-tests", "epic", "PLAT-123 in PLAT-12")
    assert asked(jira) == ["PLAT-123"]
    sent = jira.requests[-1]
    assert (sent.method, sent.query) == ("GET", {"fields": ["parent,issuetype"]})
    assert sent.headers["authorization"].startswith("Basic ")


def test_a_sub_task_links_through_its_story_s_epic(jira, send):
    item = send(title="Time out the client", branch="fix/plat-124-timeout")
    run_queued()

    assert linked(item) == ("deploys-advantage/flaky-tests", "epic", "PLAT-124 in PLAT-12")
    assert asked(jira) == ["PLAT-124", "PLAT-123"]


def test_each_issue_is_asked_about_once(jira, send):
    send(title="PLAT-123: first part")
    run_queued()
    second = send(title="PLAT-123: second part")

    # Known already: linked on arrival, nothing queued, Jira not asked again.
    assert linked(second) == ("deploys-advantage/flaky-tests", "epic", "PLAT-123 in PLAT-12")
    assert run_queued() == []
    assert asked(jira) == ["PLAT-123"]


def test_another_epic_or_no_epic_or_no_such_issue_stays_unlinked(jira, send):
    items = [
        send(title="PLAT-200: another epic's story"),
        send(title="PLAT-300: a task of no epic"),
        send(title="PLAT-404: a typo"),
    ]
    run_queued()

    assert [linked(item) for item in items] == [(None, "", "")] * 3
    assert dict(IssueEpic.objects.values_list("issue_key", "epic_key")) == {
        "PLAT-200": "PLAT-99",
        "PLAT-300": "",
        "PLAT-404": "",
    }
    send(title="PLAT-404 again")
    run_queued()
    assert sorted(asked(jira)) == ["PLAT-200", "PLAT-300", "PLAT-404"]


def test_listing_the_epic_later_links_the_work_already_there(
    jira, send, django_capture_on_commit_callbacks
):
    item = send(title="PLAT-200: write the runbook for failover")
    run_queued()
    runbooks = Initiative.objects.get(key="runbooks")

    runbooks.work = ["jira:PLAT-99"]
    with django_capture_on_commit_callbacks(execute=True):
        runbooks.save()

    # Relinked at the save's commit from what Jira said before: no second question.
    assert linked(item) == ("deploys-advantage/runbooks", "epic", "PLAT-200 in PLAT-99")
    run_queued()
    assert asked(jira) == ["PLAT-200"]


def test_the_effort_answer_counts_work_linked_through_an_epic(jira, send):
    send(title="PLAT-123: retry the payment call", merged_at="2026-10-14T09:00:00Z")
    send(title="PLAT-12: the epic's own key", merged_at="2026-10-15T09:00:00Z")
    run_queued()
    _, token = ApiToken.issue(Person.objects.get(email="maya@acme.test"), "test")

    answer = Client(headers={"Authorization": f"Bearer {token}"}).get(
        "/api/v1/effort?cycle=2026-Q4"
    )

    flaky = next(
        i for i in answer.json()["initiatives"] if i["ref"] == "deploys-advantage/flaky-tests"
    )
    assert (flaky["work_items"], flaky["links"]) == (2, {"epic": 1, "issue": 1})


def test_without_a_jira_credential_nothing_is_asked(jira, send):
    Credential.objects.all().delete()
    item = send(title="PLAT-123: retry the payment call")
    run_queued()

    assert linked(item) == (None, "", "")
    assert jira.requests == []


def test_two_jira_credentials_and_none_chosen_ask_nothing(jira, send, settings):
    twin = Credential(name="other-jira", kind="jira", site=jira.url)
    twin.set_secrets({"email": "bot@acme.test", "api_token": TOKEN})
    twin.save()
    item = send(title="PLAT-123: retry the payment call")
    run_queued()
    assert linked(item) == (None, "", "")
    assert jira.requests == []

    settings.EFFORT_JIRA_CREDENTIAL = "acme-jira"
    send(title="PLAT-300: another")
    run_queued()
    assert linked(item) == ("deploys-advantage/flaky-tests", "epic", "PLAT-123 in PLAT-12")


def test_refused_credentials_are_logged_without_the_token(jira, send, caplog):
    credential = Credential.objects.get()
    credential.set_secrets({"email": "bot@acme.test", "api_token": "revoked"})
    credential.save()
    item = send(title="PLAT-123: retry the payment call")

    with caplog.at_level(logging.WARNING):
        run_queued()  # permanent: the task ends without asking to be retried

    assert linked(item) == (None, "", "")
    assert not IssueEpic.objects.exists()
    assert "'acme-jira': Jira refused the credentials (HTTP 401)" in caplog.text
    assert "revoked" not in caplog.text and TOKEN not in caplog.text


def test_jira_down_keeps_the_work_to_ask_again(jira, send):
    item = send(title="PLAT-123: retry the payment call")
    jira.down = True
    with pytest.raises(SourceError) as raised:
        run_queued()
    assert not raised.value.permanent  # so huey runs the task again (RETRIES, RETRY_DELAY)
    assert not IssueEpic.objects.exists()

    jira.down = False
    look_up_epics.call_local()
    assert linked(item) == ("deploys-advantage/flaky-tests", "epic", "PLAT-123 in PLAT-12")


def test_an_issue_listed_itself_wins_over_an_epic() -> None:
    flaky = Target(1, "deploys-advantage/flaky-tests", (parse_work_entry("jira:PLAT-12"),))
    story = Target(2, "deploys-advantage/retry", (parse_work_entry("jira:PLAT-123"),))
    item = Item("PLAT-123: retry", "", (), "main")

    assert link(item, [flaky, story], {"PLAT-123": "PLAT-12"}).initiative_id == 2
    assert link(item, [flaky], {"PLAT-123": "PLAT-12"}).method == "epic"
    assert link(item, [flaky], {}).method == ""


def test_refresh_asks_again_after_an_issue_moved_to_another_epic(jira, send, capsys):
    item = send(title="PLAT-123: retry the payment call")
    run_queued()
    next(i for i in jira.issues if i["key"] == "PLAT-123")["parent"] = "PLAT-99"

    assert main(["effort", "--refresh-epics"]) == 0

    assert capsys.readouterr().out == "asked Jira for the epic of 1 issue\n"
    assert linked(item) == (None, "", "")  # PLAT-99 is no initiative's
    assert IssueEpic.objects.get(issue_key="PLAT-123").epic_key == "PLAT-99"


def test_refresh_says_why_it_cannot_ask(jira, send, capsys):
    send(title="PLAT-123: retry the payment call")
    run_queued()
    credential = Credential.objects.get()
    credential.set_secrets({"email": "bot@acme.test", "api_token": "revoked"})
    credential.save()

    assert main(["effort", "--refresh-epics"]) == 1
    assert capsys.readouterr().err == (
        "okrs: cannot ask Jira: Jira refused the credentials (HTTP 401)\n"
    )
    Credential.objects.all().delete()
    assert main(["effort", "--refresh-epics"]) == 1
    assert "no Jira credential to ask through" in capsys.readouterr().err
