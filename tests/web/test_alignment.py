"""The alignment map's page: signed in only, the cycle picker, the filters and the orphans."""

from __future__ import annotations

import json
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from okrs.goals.models import KeyResult, Objective
from okrs.org.models import Person, Team


def _config(content: bytes) -> dict:
    found = re.search(
        rb'<script id="alignment-config" type="application/json">(.*?)</script>', content
    )
    assert found, "the map's configuration is on the page"
    return json.loads(found.group(1))


def test_sign_in_is_required(world, client: Client) -> None:
    response = client.get("/alignment/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_page_offers_the_cycle_filters_and_the_map(world, client: Client) -> None:
    client.force_login(world.member)
    response = client.get("/alignment/?cycle=2026-Q4")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-current="page"' in html and ">Alignment</a>" in html
    for control in ('name="cycle"', 'name="team"', 'name="status"', 'name="owner"', 'name="q"'):
        assert control in html
    assert '<option value="platform">' in html and "Platform" in html
    assert '<option value="off_track">Off track</option>' in html
    # Owners are the people who own something in the cycle, by name.
    assert '<option value="maya@acme.test">Maya Patel</option>' in html
    assert "vic@acme.test" not in html
    assert 'id="alignment-map"' in html and "vendor/cytoscape/cytoscape.min.js" in html
    config = _config(response.content)
    assert config["cycle"] == "2026-Q4" and config["api"] == "/api/v1/alignment"
    assert {"key": "platform", "parent": "engineering"} in config["teams"]
    # No inline code: the CSP allows scripts from our own origin only.
    assert "onclick" not in html and re.search(r"<script>(?!\s*</script>)", html) is None


def test_the_filters_keep_what_the_address_asks_for(world, client: Client) -> None:
    client.force_login(world.member)
    html = client.get("/alignment/?team=checkout&status=at_risk&q=lead").content.decode()
    assert '<option value="checkout" selected>' in html
    assert '<option value="at_risk" selected>' in html
    assert 'value="lead"' in html


def test_orphans_are_listed_with_links(world, client: Client) -> None:
    Objective.objects.create(
        key="tidy-dashboards",
        cycle=world.cycle,
        level="team",
        team=world.platform,
        title="Tidy up the internal dashboards",
        owner=world.platform_lead,
    )
    client.force_login(world.viewer)
    html = client.get("/alignment/").content.decode()
    assert "Orphans" in html
    assert '<a href="/objectives/tidy-dashboards/">Tidy up the internal dashboards</a>' in html
    # A company goal aligns to nothing by nature: it is no orphan.
    assert 'href="/objectives/grow-self-serve/"' not in html


def test_no_orphans_says_so(world, client: Client) -> None:
    client.force_login(world.member)
    assert b"every team objective aligns to a goal" in client.get("/alignment/").content


def test_an_unknown_cycle_is_not_found(world, client: Client) -> None:
    client.force_login(world.member)
    assert client.get("/alignment/?cycle=1999-Q1").status_code == 404


def test_without_cycles_the_page_explains_what_to_do(db, client: Client) -> None:
    from okrs.org.models import Organisation, Person

    Organisation.objects.create(name="Empty", timezone="Europe/London")
    person = Person.objects.create_user("new@empty.test", "correct-horse-battery", name="New")
    client.force_login(person)
    response = client.get("/alignment/")
    assert response.status_code == 200
    assert b"There are no cycles yet" in response.content
    assert b"alignment-config" not in response.content


def test_the_shell_does_not_grow_with_the_plan(world, client: Client) -> None:
    client.force_login(world.member)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/alignment/").status_code == 200
        return len(queries)

    small = count()
    for n in range(30):
        objective = Objective.objects.create(
            key=f"extra-{n}", cycle=world.cycle, level="team", team=world.checkout,
            title=f"Extra {n}", owner=world.checkout_lead,
        )  # fmt: skip
        KeyResult.objects.create(
            objective=objective, key="kr", title="Raise it", owner=world.other_member,
            kind="increase", baseline=0, target=1,
        )  # fmt: skip
    assert count() == small


def test_owner_and_team_names_are_shown_as_text(world, client: Client) -> None:
    owner = Person.objects.create(email="bob@acme.test", name="<b>Bob</b> & co", role="member")
    Team.objects.create(key="labs", name="<i>Labs</i>", parent=world.platform)
    KeyResult.objects.create(
        objective=world.platform_objective, key="escaped", title="Raise it", owner=owner,
        kind="increase", baseline=0, target=1,
    )  # fmt: skip
    client.force_login(world.member)
    html = client.get("/alignment/?owner=bob@acme.test").content.decode()
    assert "<b>" not in html and "<i>" not in html
    assert '<option value="bob@acme.test" selected>&lt;b&gt;Bob&lt;/b&gt; &amp; co</option>' in html
    assert '<option value="labs">— — &lt;i&gt;Labs&lt;/i&gt;</option>' in html
