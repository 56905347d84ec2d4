"""The live coach in the editor: the panel on the page, and the endpoint htmx posts to."""

from __future__ import annotations

import json
import re
from html import unescape

from django.test import Client

from okrs.goals.models import KeyResult, Objective

KR_URL = "/coach/key-result/"
OBJECTIVE_URL = "/coach/objective/"


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def rules_in(html: str) -> list[str]:
    return re.findall(r'data-rule="(OKR\d+)"', html)


def kr_fields(**fields: str) -> dict[str, str]:
    values = {
        "coach_objective": "deploys-advantage",
        "coach_key_result": "",
        "key": "new-kr",
        "title": "Cut flaky builds from 12% to 2%",
        "owner": "maya@acme.test",
        "kind": "",
        "baseline": "12",
        "target": "2",
        "unit": "%",
    }
    values.update(fields)
    return values


def test_a_deliverable_title_gets_the_finding_and_the_rewrite(world) -> None:
    client = signed_in(world.platform_lead)
    response = client.post(
        KR_URL, kr_fields(title="Complete the Kubernetes migration"), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html  # a partial, for htmx to swap in
    assert rules_in(html) == ["OKR009"]
    assert "reads as a deliverable or activity" in html
    assert "Reduce infrastructure cost per customer from &lt;baseline&gt; to &lt;target&gt;" in html
    assert "to an initiative" in html


def test_a_finding_reads_as_a_sentence_with_its_severity_and_rule_after_it(world) -> None:
    client = signed_in(world.platform_lead)
    html = client.post(
        KR_URL, kr_fields(title="Complete the Kubernetes migration"), headers={"HX-Request": "true"}
    ).content
    words = re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", "", html.decode())))
    assert "“Complete the Kubernetes migration” reads as a deliverable or activity" in words
    assert re.search(
        r"reads as a deliverable or activity, not an outcome: [^()]+\. "
        r"\(Warning, rule OKR009\)",
        words,
    )
    assert "Warning OKR009" not in words


def test_an_outcome_gets_no_findings(world) -> None:
    response = signed_in(world.platform_lead).post(KR_URL, kr_fields())
    assert rules_in(response.content.decode()) == []
    assert "No findings" in response.content.decode()


def test_half_typed_numbers_and_missing_targets(world) -> None:
    client = signed_in(world.platform_lead)
    missing = client.post(KR_URL, kr_fields(target="", baseline="12"))
    assert rules_in(missing.content.decode()) == ["OKR005"]
    half_typed = client.post(KR_URL, kr_fields(target="1e", baseline="12"))
    assert rules_in(half_typed.content.decode()) == ["OKR005"]
    equal = client.post(KR_URL, kr_fields(target="12.0", baseline="12"))
    assert rules_in(equal.content.decode()) == ["OKR006"]
    held = client.post(KR_URL, kr_fields(kind="stay_below", target="5", baseline=""))
    assert rules_in(held.content.decode()) == []


def test_an_empty_title_asks_for_one(world) -> None:
    response = signed_in(world.platform_lead).post(KR_URL, kr_fields(title="  "))
    assert "Type the key result\u2019s title" in response.content.decode()


def test_an_owner_with_too_many_key_results_in_the_cycle(world) -> None:
    # maya owns lead-time and change-failure-rate; four more make six with the one typed.
    for index in range(4):
        KeyResult.objects.create(
            objective=world.checkout_objective,
            key=f"extra-{index}",
            title=f"Cut errors from {index + 5} to {index}",
            owner=world.member,
            kind="decrease",
            baseline=index + 5,
            target=index,
        )
    client = signed_in(world.platform_lead)
    html = client.post(KR_URL, kr_fields()).content.decode()
    assert rules_in(html) == ["OKR012"]
    assert "maya@acme.test owns 7 key results in Q4 2026" in html
    # Editing one of hers does not count it twice.
    editing = kr_fields(coach_key_result="lead-time", key="")
    assert rules_in(client.post(KR_URL, editing).content.decode()) == ["OKR012"]
    assert "owns 6 key results" in client.post(KR_URL, editing).content.decode()


def test_an_objective_with_a_number_and_no_alignment(world) -> None:
    client = signed_in(world.platform_lead)
    fields = {
        "coach_objective": "",
        "key": "new",
        "title": "Cut costs by 20%",
        "level": "team",
        "aligns_to": "",
    }
    html = client.post(OBJECTIVE_URL, fields).content.decode()
    # New: it cannot have key results yet, so OKR001 would be noise.
    assert rules_in(html) == ["OKR010", "OKR011"]
    assert "“20%”" in html


def test_an_existing_objective_counts_its_key_results_from_the_database(world) -> None:
    client = signed_in(world.checkout_lead)
    fields = {
        "coach_objective": "checkout-conversion",
        "title": "Make checkout effortless",
        "level": "team",
        "aligns_to": "grow-self-serve",
    }
    assert rules_in(client.post(OBJECTIVE_URL, fields).content.decode()) == ["OKR002"]
    Objective.objects.filter(key="checkout-conversion").get().key_results.all().delete()
    assert rules_in(client.post(OBJECTIVE_URL, fields).content.decode()) == ["OKR001"]


def test_the_endpoints_need_a_signed_in_post(world) -> None:
    assert Client().post(KR_URL, kr_fields()).status_code == 302  # to sign in
    assert signed_in(world.member).get(KR_URL).status_code == 405
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(world.member)
    assert csrf_client.post(KR_URL, kr_fields()).status_code == 403


def test_the_editor_pages_carry_the_panel_already_filled(world) -> None:
    world.change_failure_rate.title = "Roll out automated rollbacks"
    world.change_failure_rate.save()
    client = signed_in(world.platform_lead)
    page = client.get("/key-results/deploys-advantage/change-failure-rate/edit/")
    html = page.content.decode()
    assert 'hx-post="/coach/key-result/"' in html
    assert 'hx-trigger="input changed delay:400ms from:closest form"' in html
    vals = re.search(r"hx-vals='([^']*)'", html)
    assert vals is not None
    assert json.loads(vals.group(1)) == {
        "coach_objective": "deploys-advantage",
        "coach_key_result": "change-failure-rate",
    }
    # The findings are there on arrival, without a request after the page loads.
    assert rules_in(html) == ["OKR009"]
    new_objective = client.get("/new/objective/").content.decode()
    assert 'hx-post="/coach/objective/"' in new_objective
    assert "Type the objective\u2019s title" in new_objective


def test_a_refused_save_shows_the_coach_on_what_was_typed(world) -> None:
    client = signed_in(world.platform_lead)
    response = client.post(
        "/objectives/deploys-advantage/new-key-result/",
        {"key": "bad key", "title": "Hold 5 customer interviews", "owner": "maya@acme.test",
         "baseline": "", "target": "5", "unit": "", "weight": ""},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert "OKR009" in rules_in(html)
    assert "counts the activity" in html
