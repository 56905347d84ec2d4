"""Editing objectives, key results and initiatives in the browser.

The editor validates with `okrs apply`'s rules and words, shows each problem beside its field,
writes nothing when anything is wrong, refuses on the server whatever the page showed, and
audits every write with before and after through the channel "web".
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.test import Client

from okrs.goals.models import Initiative, KeyResult, Objective
from okrs.metrics.effort.models import WorkItem
from okrs.org.models import AuditEntry, Person
from tests.conftest import NOW

# --- helpers -----------------------------------------------------------------------------------


def signed_in(client: Client, person: Person) -> Client:
    client.force_login(person)
    return client


def field_html(response: Any, name: str) -> str:
    """The HTML of one field group: its label, help, errors and control."""
    page = response.content.decode()
    start = page.index(f'id="field-{name}"')
    end = page.find('id="field-', start + 1)
    return html.unescape(page[start : end if end != -1 else len(page)])


def writes(world: Any) -> tuple[int, int, int, int]:
    return (
        Objective.objects.count(),
        KeyResult.objects.count(),
        Initiative.objects.count(),
        AuditEntry.objects.count(),
    )


def objective_data(**overrides: str) -> dict[str, str]:
    data = {
        "key": "faster-onboarding",
        "cycle": "2026-Q4",
        "level": "team",
        "team": "platform",
        "title": "Make onboarding a new service painless",
        "description": "",
        "owner": "lena@acme.test",
        "aligns_to": "grow-self-serve",
    }
    data.update(overrides)
    return data


def key_result_data(**overrides: str) -> dict[str, str]:
    data = {
        "key": "time-to-first-deploy",
        "title": "Cut the time to a first production deploy from 5 days to 1",
        "owner": "maya@acme.test",
        "kind": "",
        "baseline": "5",
        "target": "1",
        "unit": "days",
        "weight": "",
    }
    data.update(overrides)
    return data


def initiative_data(**overrides: str) -> dict[str, str]:
    data = {
        "key": "canary",
        "title": "Roll out canary deployments",
        "key_result": "lead-time",
        "owner": "maya@acme.test",
        "status": "planned",
        "completed_on": "",
    }
    data.update(overrides)
    return data


def last_audit(entity: str, ref: str) -> AuditEntry:
    entry = AuditEntry.objects.filter(entity=entity, ref=ref).order_by("-id").first()
    assert entry is not None, f"no audit entry for {entity} {ref}"
    return entry


# --- happy paths -------------------------------------------------------------------------------


def test_an_admin_creates_a_company_objective(world: Any, client: Client) -> None:
    signed_in(client, world.admin)
    form = client.get("/new/objective/")
    assert form.status_code == 200
    assert 'name="key"' in form.content.decode() and 'value="2026-Q4"' in form.content.decode()

    response = client.post(
        "/new/objective/",
        objective_data(
            key="win-enterprise", level="company", team="", owner="ada@acme.test", aligns_to=""
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == "/objectives/win-enterprise/"
    objective = Objective.objects.get(key="win-enterprise")
    assert objective.level == "company" and objective.owner == world.admin
    assert objective.cycle == world.cycle and objective.team is None
    # After the objectives already in the cycle, not in front of them.
    others = Objective.objects.exclude(pk=objective.pk).values_list("position", flat=True)
    assert objective.position == max(others) + 1
    entry = last_audit("objective", "win-enterprise")
    assert entry.action == "create" and entry.channel == "web" and entry.actor == world.admin
    assert entry.after is not None
    assert entry.before is None and entry.after["title"] == objective.title


def test_a_lead_creates_a_team_objective_aligned_to_a_key_result(
    world: Any, client: Client
) -> None:
    signed_in(client, world.lead)  # erin leads engineering, the parent of platform
    response = client.post(
        "/new/objective/", objective_data(aligns_to="deploys-advantage/lead-time")
    )
    assert response.status_code == 302
    objective = Objective.objects.get(key="faster-onboarding")
    assert objective.team == world.platform
    assert objective.aligns_to_key_result == world.lead_time
    assert objective.aligns_to_objective is None


def test_editing_an_objective_records_before_and_after(world: Any, client: Client) -> None:
    signed_in(client, world.platform_lead)
    page = client.get("/objectives/deploys-advantage/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Make our deployment infrastructure a competitive advantage" in html
    assert 'name="key"' not in html  # a key is a reference: fixed after creation
    # The cycle by its name, in the fixed facts and where the objectives to align to are grouped.
    assert "in <strong>Q4 2026</strong>" in html and "Cycle 2026-Q4" not in html
    assert '<optgroup label="Q4 2026">' in html

    response = client.post(
        "/objectives/deploys-advantage/edit/",
        objective_data(
            key="renamed",  # ignored: keys do not change
            title="Deploy on demand, safely",
            description="Why: every release waits for the Thursday train.",
        ),
    )

    assert response.status_code == 302
    assert response["Location"] == "/objectives/deploys-advantage/"
    objective = Objective.objects.get(pk=world.platform_objective.pk)
    assert objective.key == "deploys-advantage"
    assert objective.title == "Deploy on demand, safely"
    entry = last_audit("objective", "deploys-advantage")
    assert entry.action == "update" and entry.channel == "web"
    assert entry.before is not None
    assert entry.before["title"] == "Make our deployment infrastructure a competitive advantage"
    assert entry.after is not None
    assert entry.after["title"] == "Deploy on demand, safely"


def test_saving_an_unchanged_objective_writes_no_audit_entry(world: Any, client: Client) -> None:
    signed_in(client, world.platform_lead)
    before = AuditEntry.objects.count()
    response = client.post(
        "/objectives/deploys-advantage/edit/",
        objective_data(title="Make our deployment infrastructure a competitive advantage"),
    )
    assert response.status_code == 302
    assert AuditEntry.objects.count() == before


def test_creating_a_key_result_infers_its_kind(world: Any, client: Client) -> None:
    signed_in(client, world.platform_lead)
    assert client.get("/objectives/deploys-advantage/new-key-result/").status_code == 200
    response = client.post("/objectives/deploys-advantage/new-key-result/", key_result_data())
    assert response.status_code == 302
    assert response["Location"] == "/objectives/deploys-advantage/"
    kr = KeyResult.objects.get(objective=world.platform_objective, key="time-to-first-deploy")
    assert (kr.kind, kr.baseline, kr.target, kr.unit, kr.weight) == ("decrease", 5, 1, "days", 1)
    assert kr.owner == world.member
    assert kr.position > world.change_failure_rate.position  # listed after the existing ones
    entry = last_audit("key_result", "deploys-advantage/time-to-first-deploy")
    assert entry.after is not None
    assert entry.action == "create" and entry.before is None and entry.after["target"] == 1


def test_the_owner_of_a_key_result_edits_it(world: Any, client: Client) -> None:
    signed_in(client, world.member)  # maya owns lead-time, not its objective
    page = client.get("/key-results/deploys-advantage/lead-time/edit/")
    assert page.status_code == 200 and 'value="96"' in page.content.decode()
    response = client.post(
        "/key-results/deploys-advantage/lead-time/edit/",
        key_result_data(
            key="ignored",
            title="Reduce deployment lead time from 4 days to 12 hours",
            kind="decrease",
            baseline="96",
            target="12",
            unit="hours",
            weight="1",
        ),
    )
    assert response.status_code == 302
    kr = KeyResult.objects.get(pk=world.lead_time.pk)
    assert (kr.key, kr.target, kr.weight) == ("lead-time", 12, 1)
    entry = last_audit("key_result", "deploys-advantage/lead-time")
    assert entry.action == "update" and entry.actor == world.member
    assert entry.before is not None
    assert entry.after is not None
    assert (entry.before["target"], entry.after["target"]) == (6, 12)


def test_initiatives_are_created_and_edited(world: Any, client: Client) -> None:
    signed_in(client, world.platform_lead)
    assert client.get("/objectives/deploys-advantage/new-initiative/").status_code == 200
    created = client.post("/objectives/deploys-advantage/new-initiative/", initiative_data())
    assert created.status_code == 302
    initiative = Initiative.objects.get(objective=world.platform_objective, key="canary")
    assert initiative.key_result == world.lead_time and initiative.owner == world.member
    assert last_audit("initiative", "deploys-advantage/canary").action == "create"

    edited = client.post(
        "/initiatives/deploys-advantage/canary/edit/",
        initiative_data(status="done", completed_on="2026-11-02", owner=""),
    )
    assert edited.status_code == 302
    initiative.refresh_from_db()
    assert initiative.status == "done" and str(initiative.completed_on) == "2026-11-02"
    assert initiative.owner is None
    entry = last_audit("initiative", "deploys-advantage/canary")
    assert entry.action == "update"
    assert (entry.before["status"], entry.after["status"]) == ("planned", "done")


def test_an_initiative_s_work_is_edited_and_relinks_what_merged(
    world: Any, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    signed_in(client, world.platform_lead)
    client.post("/objectives/deploys-advantage/new-initiative/", initiative_data())
    item = WorkItem.objects.create(
        provider="generic", external_id="c-1", author="ana", labels=["canary"], merged_at=NOW
    )
    assert item.initiative is None

    with django_capture_on_commit_callbacks(execute=True):
        edited = client.post(
            "/initiatives/deploys-advantage/canary/edit/",
            initiative_data(work="label:canary\nbranch:canary/, jira:PLAT-12"),
        )

    assert edited.status_code == 302
    initiative = Initiative.objects.get(key="canary")
    assert initiative.work == ["label:canary", "branch:canary/", "jira:PLAT-12"]
    item.refresh_from_db()
    assert (item.initiative, item.link_method) == (initiative, "label")
    entry = last_audit("initiative", "deploys-advantage/canary")
    assert entry.before is not None and entry.after is not None
    assert (entry.before["work"], entry.after["work"]) == ([], initiative.work)
    form = field_html(client.get("/initiatives/deploys-advantage/canary/edit/"), "work")
    assert "label:canary\nbranch:canary/\njira:PLAT-12</textarea>" in form


def test_the_objective_editor_lists_its_key_results_with_edit_links(
    world: Any, client: Client
) -> None:
    signed_in(client, world.platform_lead)
    html = client.get("/objectives/deploys-advantage/edit/").content.decode()
    assert "/key-results/deploys-advantage/lead-time/edit/" in html
    assert "/objectives/deploys-advantage/new-key-result/" in html
    assert "/objectives/deploys-advantage/new-initiative/" in html
    # Each row: the title and who owns it; the key is part of the link, not of the words.
    assert f'{world.lead_time.title} <span class="muted">(owned by Maya Patel)</span>' in html
    assert "(lead-time, Maya Patel)" not in html


def test_the_objective_editor_names_the_key_result_an_initiative_moves(
    world: Any, client: Client
) -> None:
    Initiative.objects.create(
        objective=world.platform_objective,
        key="canary",
        title="Roll out canary deployments",
        key_result=world.lead_time,
    )
    signed_in(client, world.platform_lead)
    html = client.get("/objectives/deploys-advantage/edit/").content.decode()
    assert f"moves “{world.lead_time.title}”" in html
    assert "moves lead-time" not in html


def test_aligns_to_offers_the_cycles_objectives_and_key_results(world: Any, client: Client) -> None:
    signed_in(client, world.admin)
    html = field_html(client.get("/objectives/deploys-advantage/edit/"), "aligns_to")
    assert 'value="grow-self-serve"' in html
    assert 'value="checkout-conversion/conversion"' in html
    assert 'value="deploys-advantage"' not in html  # not itself
    assert 'value="deploys-advantage/lead-time"' not in html  # nor its own key results


# --- validation: apply's rules and words, beside the field, nothing written ---------------------

OBJECTIVE_ERRORS = [
    ({"key": "Faster Onboarding"}, "key", "invalid key 'Faster Onboarding': use lowercase"),
    ({"key": "grow-self-serve"}, "key", "duplicate objective key 'grow-self-serve'"),
    ({"owner": "nobody@acme.test"}, "owner", "unknown owner 'nobody@acme.test'"),
    (
        {"owner": "platform"},
        "owner",
        "owner 'platform' is a team, not a person: an objective needs a named person",
    ),
    ({"team": "mobile"}, "team", "unknown team 'mobile'"),
    ({"team": ""}, "team", "has level team but no 'team'"),
    ({"level": "galaxy"}, "level", "unknown level 'galaxy' (use company, team or individual)"),
    ({"aligns_to": "ghost"}, "aligns_to", "aligns_to 'ghost': no objective 'ghost'"),
    (
        {"aligns_to": "grow-self-serve/ghost"},
        "aligns_to",
        "aligns_to 'grow-self-serve/ghost': no key result 'grow-self-serve/ghost'",
    ),
    ({"aligns_to": "faster-onboarding"}, "aligns_to", "alignment loop: faster-onboarding"),
    ({"title": ""}, "title", "Title is required"),
    ({"owner": ""}, "owner", "Owner is required"),
    ({"title": "x" * 501}, "title", "Title is too long (501 characters, at most 500)"),
    ({"cycle": "1999-Q1"}, "cycle", "unknown cycle '1999-Q1'"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), OBJECTIVE_ERRORS)
def test_a_bad_objective_shows_apply_s_message_by_its_field(
    world: Any, client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    signed_in(client, world.admin)
    before = writes(world)
    data = objective_data(**overrides)
    response = client.post("/new/objective/", data)
    assert response.status_code == 400
    assert message in field_html(response, field)
    assert writes(world) == before
    # What was typed is still there.
    assert 'value="Make onboarding a new service painless"' in response.content.decode() or (
        field == "title"
    )


def test_an_alignment_loop_through_the_database_is_refused(world: Any, client: Client) -> None:
    signed_in(client, world.admin)
    before = writes(world)
    response = client.post(
        "/objectives/grow-self-serve/edit/",
        objective_data(
            level="company",
            team="",
            title="Grow revenue from self-serve customers",
            owner="ada@acme.test",
            aligns_to="deploys-advantage/lead-time",
        ),
    )
    assert response.status_code == 400
    assert (
        "alignment loop: grow-self-serve -> deploys-advantage/lead-time -> grow-self-serve"
        in field_html(response, "aligns_to")
    )
    assert writes(world) == before
    assert Objective.objects.get(key="grow-self-serve").aligns_to_key_result is None


KEY_RESULT_ERRORS = [
    ({"key": "Time_To_Deploy"}, "key", "invalid key 'Time_To_Deploy'"),
    ({"key": "lead-time"}, "key", "duplicate key result key 'lead-time' in objective"),
    ({"owner": "ghost@acme.test"}, "owner", "unknown owner 'ghost@acme.test'"),
    ({"owner": "checkout"}, "owner", "owner 'checkout' is a team, not a person"),
    (
        {"kind": "increase"},
        "kind",
        "kind increase contradicts baseline 5 and target 1: the target is below the baseline",
    ),
    (
        {"kind": "decrease", "baseline": "1", "target": "5"},
        "kind",
        "kind decrease contradicts baseline 1 and target 5",
    ),
    ({"target": "5"}, "target", "target equals baseline (5): nothing to increase or decrease"),
    (
        {"kind": "increase", "target": "5"},
        "target",
        "target equals baseline (5) for kind increase: nothing to move",
    ),
    ({"target": ""}, "target", "key result 'time-to-first-deploy' is missing a target"),
    (
        {"kind": "stay_below", "target": ""},
        "target",
        "key result 'time-to-first-deploy' (stay_below) is missing a target",
    ),
    ({"baseline": "", "target": "3"}, "target", "needs a kind: with no baseline"),
    ({"kind": "milestone", "baseline": "", "target": "4"}, "target", "a milestone is done at 1"),
    ({"kind": "sideways"}, "kind", "unknown kind 'sideways'"),
    ({"weight": "0"}, "weight", "weight must be greater than 0 (got 0)"),
    ({"target": "lots"}, "target", "Target must be a finite number"),
    ({"unit": "u" * 33}, "unit", "Unit is too long (33 characters, at most 32)"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), KEY_RESULT_ERRORS)
def test_a_bad_key_result_shows_apply_s_message_by_its_field(
    world: Any, client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    signed_in(client, world.platform_lead)
    before = writes(world)
    response = client.post(
        "/objectives/deploys-advantage/new-key-result/", key_result_data(**overrides)
    )
    assert response.status_code == 400
    assert message in field_html(response, field)
    assert "first defined on line" not in response.content.decode()
    assert writes(world) == before
    assert 'value="Cut the time to a first production deploy from 5 days to 1"' in (
        response.content.decode()
    )


def test_a_bad_edit_of_a_key_result_changes_nothing(world: Any, client: Client) -> None:
    signed_in(client, world.member)
    before = writes(world)
    response = client.post(
        "/key-results/deploys-advantage/lead-time/edit/",
        key_result_data(kind="increase", baseline="96", target="6", title="Typed title"),
    )
    assert response.status_code == 400
    assert "kind increase contradicts baseline 96 and target 6" in field_html(response, "kind")
    assert 'value="Typed title"' in response.content.decode()
    assert writes(world) == before
    kr = KeyResult.objects.get(pk=world.lead_time.pk)
    assert (kr.kind, kr.title) == ("decrease", world.lead_time.title)


INITIATIVE_ERRORS = [
    ({"key": "Canary!"}, "key", "invalid key 'Canary!'"),
    (
        {"key_result": "ghost"},
        "key_result",
        "initiative 'canary': key_result 'ghost' is not a key result of objective",
    ),
    ({"owner": "nobody@acme.test"}, "owner", "unknown owner 'nobody@acme.test'"),
    ({"status": "someday"}, "status", "unknown status 'someday'"),
    ({"completed_on": "next week"}, "completed_on", "Completed on must be a date (YYYY-MM-DD)"),
    (
        {"work": "label:canary\nticket:PLAT-12"},
        "work",
        "work entry 'ticket:PLAT-12' must be label:NAME, branch:PREFIX or jira:ISSUE-KEY",
    ),
    (
        {"work": "label:canary, label:canary"},
        "work",
        "work entry 'label:canary' is listed twice",
    ),
]


@pytest.mark.parametrize(("overrides", "field", "message"), INITIATIVE_ERRORS)
def test_a_bad_initiative_shows_apply_s_message_by_its_field(
    world: Any, client: Client, overrides: dict[str, str], field: str, message: str
) -> None:
    signed_in(client, world.platform_lead)
    before = writes(world)
    response = client.post(
        "/objectives/deploys-advantage/new-initiative/", initiative_data(**overrides)
    )
    assert response.status_code == 400
    assert message in field_html(response, field)
    assert writes(world) == before


# The page names a field as its label does; "'completed_on'" is the plan file's key, not a word
# the person sees anywhere on the form.
LABELLED_ERRORS = [
    ("/new/objective/", {"title": ""}, "title", "Title is required"),
    ("/new/objective/", {"title": "x" * 501}, "title", "Title is too long"),
    ("/objectives/deploys-advantage/new-key-result/", {"unit": "u" * 33}, "unit", "Unit is too"),
    ("/objectives/deploys-advantage/new-key-result/", {"target": "x"}, "target", "Target must"),
    (
        "/objectives/deploys-advantage/new-initiative/",
        {"completed_on": "next week"},
        "completed_on",
        "Completed on must be a date",
    ),
]


@pytest.mark.parametrize(("url", "overrides", "field", "message"), LABELLED_ERRORS)
def test_a_field_s_message_names_it_as_its_label_does(
    world: Any, client: Client, url: str, overrides: dict[str, str], field: str, message: str
) -> None:
    signed_in(client, world.admin)
    if url.endswith("new-initiative/"):
        data = initiative_data
    elif url.endswith("new-key-result/"):
        data = key_result_data
    else:
        data = objective_data
    response = client.post(url, data(**overrides))
    assert response.status_code == 400
    shown = field_html(response, field)
    assert message in shown
    assert f"'{field}'" not in shown


def test_a_duplicate_initiative_key_is_refused(world: Any, client: Client) -> None:
    signed_in(client, world.platform_lead)
    assert (
        client.post("/objectives/deploys-advantage/new-initiative/", initiative_data()).status_code
        == 302
    )
    before = writes(world)
    response = client.post("/objectives/deploys-advantage/new-initiative/", initiative_data())
    assert response.status_code == 400
    assert "duplicate initiative key 'canary' in objective 'deploys-advantage'" in field_html(
        response, "key"
    )
    assert writes(world) == before


def test_every_problem_is_listed_at_once(world: Any, client: Client) -> None:
    signed_in(client, world.platform_lead)
    response = client.post(
        "/objectives/deploys-advantage/new-key-result/",
        key_result_data(key="Bad Key", owner="ghost@acme.test", target="5"),
    )
    assert response.status_code == 400
    summary = response.content.decode()
    assert summary.count('role="alert"') == 1
    assert "invalid key 'Bad Key'" in field_html(response, "key")
    assert "unknown owner 'ghost@acme.test'" in field_html(response, "owner")
    assert "target equals baseline (5)" in field_html(response, "target")


# --- permissions -------------------------------------------------------------------------------

CREATE_OBJECTIVE = [
    # who, level, team, owner, allowed
    ("admin", "company", "", "ada@acme.test", True),
    ("lead", "team", "platform", "lena@acme.test", True),  # erin leads platform's parent
    ("platform_lead", "team", "platform", "maya@acme.test", True),
    ("platform_lead", "team", "checkout", "carl@acme.test", False),
    ("platform_lead", "company", "", "lena@acme.test", False),
    ("member", "individual", "platform", "maya@acme.test", True),
    ("member", "individual", "", "maya@acme.test", True),
    ("member", "individual", "checkout", "owen@acme.test", False),
    ("member", "team", "platform", "maya@acme.test", False),
    ("member", "company", "", "maya@acme.test", False),
]


@pytest.mark.parametrize(("who", "level", "team", "owner", "allowed"), CREATE_OBJECTIVE)
def test_who_may_create_which_objective(
    world: Any, client: Client, who: str, level: str, team: str, owner: str, allowed: bool
) -> None:
    signed_in(client, getattr(world, who))
    before = writes(world)
    response = client.post(
        "/new/objective/", objective_data(level=level, team=team, owner=owner, aligns_to="")
    )
    if allowed:
        assert response.status_code == 302
        assert Objective.objects.filter(key="faster-onboarding").exists()
    else:
        assert response.status_code == 403
        assert writes(world) == before
        # What was typed is kept, with the reason.
        assert 'value="Make onboarding a new service painless"' in response.content.decode()
        assert "You may create only" in response.content.decode() or "As a lead" in (
            response.content.decode()
        )


def test_a_viewer_gets_no_form_and_a_403(world: Any, client: Client) -> None:
    signed_in(client, world.viewer)
    urls = [
        "/new/objective/",
        "/objectives/deploys-advantage/edit/",
        "/objectives/deploys-advantage/new-key-result/",
        "/key-results/deploys-advantage/lead-time/edit/",
        "/objectives/deploys-advantage/new-initiative/",
    ]
    for url in urls:
        page = client.get(url)
        assert page.status_code == 403, url
        assert 'method="post" class="card editor-form"' not in page.content.decode()
    before = writes(world)
    assert client.post("/new/objective/", objective_data()).status_code == 403
    assert (
        client.post("/objectives/deploys-advantage/new-key-result/", key_result_data()).status_code
        == 403
    )
    assert writes(world) == before


EDIT_OBJECTIVE = [
    ("admin", True),
    ("lead", True),  # engineering's lead: platform is below it
    ("platform_lead", True),
    ("checkout_lead", False),
    ("member", False),  # maya owns key results here, not the objective
    ("viewer", False),
]


@pytest.mark.parametrize(("who", "allowed"), EDIT_OBJECTIVE)
def test_who_may_edit_the_platform_objective(
    world: Any, client: Client, who: str, allowed: bool
) -> None:
    signed_in(client, getattr(world, who))
    assert client.get("/objectives/deploys-advantage/edit/").status_code == (
        200 if allowed else 403
    )
    response = client.post(
        "/objectives/deploys-advantage/edit/", objective_data(title="Changed by " + who)
    )
    title = Objective.objects.get(pk=world.platform_objective.pk).title
    if allowed:
        assert response.status_code == 302 and title == "Changed by " + who
    else:
        assert response.status_code == 403 and title == world.platform_objective.title
    # Adding key results and initiatives follows the same rule.
    assert client.get("/objectives/deploys-advantage/new-key-result/").status_code == (
        200 if allowed else 403
    )
    assert client.get("/objectives/deploys-advantage/new-initiative/").status_code == (
        200 if allowed else 403
    )


def test_a_lead_cannot_move_an_objective_out_of_their_teams(world: Any, client: Client) -> None:
    signed_in(client, world.platform_lead)
    response = client.post("/objectives/deploys-advantage/edit/", objective_data(team="checkout"))
    assert response.status_code == 403
    assert Objective.objects.get(pk=world.platform_objective.pk).team == world.platform


@pytest.mark.parametrize(
    ("who", "allowed"),
    [("member", True), ("platform_lead", True), ("other_member", False), ("checkout_lead", False)],
)
def test_who_may_edit_a_key_result(world: Any, client: Client, who: str, allowed: bool) -> None:
    signed_in(client, getattr(world, who))
    response = client.post(
        "/key-results/deploys-advantage/lead-time/edit/",
        key_result_data(kind="decrease", baseline="96", target="8", unit="hours"),
    )
    assert response.status_code == (302 if allowed else 403)
    assert KeyResult.objects.get(pk=world.lead_time.pk).target == (8 if allowed else 6)


def test_someone_else_s_initiative_cannot_be_edited(world: Any, client: Client) -> None:
    signed_in(client, world.platform_lead)
    client.post("/objectives/deploys-advantage/new-initiative/", initiative_data())
    signed_in(client, world.checkout_lead)
    response = client.post(
        "/initiatives/deploys-advantage/canary/edit/", initiative_data(status="dropped")
    )
    assert response.status_code == 403
    assert Initiative.objects.get(key="canary").status == "planned"


def test_the_create_form_offers_a_member_only_their_own_individual_objective(
    world: Any, client: Client
) -> None:
    signed_in(client, world.member)
    page = client.get("/new/objective/")
    assert page.status_code == 200
    level = field_html(page, "level")
    assert 'value="individual"' in level
    assert 'value="team"' not in level and 'value="company"' not in level
    owner = field_html(page, "owner")
    assert re.findall(r'<option value="([^"]+)"', owner) == ["maya@acme.test"]


def test_signing_in_is_required(world: Any, client: Client) -> None:
    response = client.get("/new/objective/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    response = client.post("/objectives/deploys-advantage/edit/", objective_data())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_unknown_objectives_are_404(world: Any, client: Client) -> None:
    signed_in(client, world.admin)
    assert client.get("/objectives/nope/edit/").status_code == 404
    assert client.get("/key-results/deploys-advantage/nope/edit/").status_code == 404
    assert client.get("/initiatives/deploys-advantage/nope/edit/").status_code == 404


def test_choosing_another_cycle_reloads_the_alignment_choices(world: Any, client: Client) -> None:
    from okrs.goals.models import Cycle

    year = Cycle.objects.create(key="2026", start="2026-01-01", end="2026-12-31")
    world.cycle.parent = year
    world.cycle.save()
    Objective.objects.create(
        key="be-profitable", cycle=year, level="company", title="Be profitable", owner=world.admin
    )
    signed_in(client, world.admin)
    quarter = field_html(client.get("/new/objective/?cycle=2026-Q4"), "aligns_to")
    assert 'value="be-profitable"' in quarter  # the parent cycle's goals are offered
    assert 'value="grow-self-serve"' in quarter
    yearly = field_html(client.get("/new/objective/?cycle=2026"), "aligns_to")
    assert 'value="be-profitable"' in yearly and 'value="grow-self-serve"' not in yearly
    cycle_field = field_html(client.get("/new/objective/"), "cycle")
    assert 'hx-get="/new/objective/"' in cycle_field and 'hx-select="#field-aligns_to"' in (
        cycle_field
    )


def test_a_member_edits_their_individual_objective_within_their_rights(
    world: Any, client: Client
) -> None:
    mine = Objective.objects.create(
        key="maya-grow", cycle=world.cycle, level="individual", team=world.platform,
        title="Learn the deploy pipeline end to end", owner=world.member,
    )  # fmt: skip
    signed_in(client, world.member)
    page = client.get("/objectives/maya-grow/edit/")
    assert page.status_code == 200
    assert re.findall(r'<option value="([^"]+)"', field_html(page, "level")) == ["individual"]
    data = objective_data(
        level="individual", team="platform", owner="maya@acme.test", title="Own the pipeline"
    )
    assert client.post("/objectives/maya-grow/edit/", data).status_code == 302
    assert Objective.objects.get(pk=mine.pk).title == "Own the pipeline"
    # Promoting it to a company goal, or handing it to someone else, is not theirs to do.
    for change in ({"level": "company", "team": ""}, {"owner": "owen@acme.test"}):
        response = client.post("/objectives/maya-grow/edit/", {**data, **change})
        assert response.status_code == 403
    mine.refresh_from_db()
    assert (mine.level, mine.owner) == ("individual", world.member)


def test_a_member_cannot_file_an_individual_objective_under_another_team(world, client) -> None:
    client.force_login(world.member)  # maya is on platform, not on checkout
    response = client.post(
        "/new/objective/",
        {
            "key": "mayas-own", "cycle": "2026-Q4", "level": "individual", "team": "checkout",
            "title": "Learn the checkout code", "owner": "maya@acme.test",
        },
    )  # fmt: skip
    assert response.status_code == 403
    assert not Objective.objects.filter(key="mayas-own").exists()


def test_a_key_results_owner_cannot_hand_it_over_or_reweight_it(world, client) -> None:
    client.force_login(world.member)  # owns lead-time, may not edit the platform objective
    url = "/key-results/deploys-advantage/lead-time/edit/"
    base = {
        "title": world.lead_time.title, "owner": "maya@acme.test", "kind": "decrease",
        "baseline": "96", "target": "6", "unit": "hours", "weight": "1",
    }  # fmt: skip
    for change in ({"owner": "owen@acme.test"}, {"weight": "1000"}):
        assert client.post(url, {**base, **change}).status_code == 403
    world.lead_time.refresh_from_db()
    assert (world.lead_time.owner, world.lead_time.weight) == (world.member, 1)
    # Sharpening the target is still hers to do.
    assert client.post(url, {**base, "target": "5"}).status_code == 302
