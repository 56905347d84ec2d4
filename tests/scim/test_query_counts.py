"""A provider pages through every person and team: the queries of one page do not grow with
the number of people, teams or members on it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from okrs.org.models import Person, Team
from okrs.scim.models import ScimToken, ScimUser
from tests.conftest import World


@pytest.fixture
def scim(world: World) -> Client:
    _, token = ScimToken.issue("tests")
    return Client(headers={"Authorization": f"Bearer {token}"})


def _add(world: World, n: int, start: int) -> None:
    """n more people, half of them provisioned, each in two teams of their own."""
    for i in range(start, start + n):
        person = Person.objects.create(email=f"p{i}@acme.test", name=f"P {i}")
        if i % 2:
            ScimUser.objects.create(person=person, user_name=f"p{i}", attributes={"title": "x"})
        for key in (f"t{i}", f"u{i}"):
            Team.objects.create(key=key, name=key).members.set([person, world.member])


def _queries(scim: Client, path: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as captured:
        response = scim.get(path)
    assert response.status_code == 200
    return len(captured), len(response.json()["Resources"])


@pytest.mark.parametrize(
    "path", ["/scim/v2/Users", "/scim/v2/Groups", "/scim/v2/Users?filter=active eq true"]
)
def test_a_page_costs_the_same_queries_however_many_it_holds(
    scim: Client, world: World, path: str
) -> None:
    scim.get(path)  # the token's first use records when it was used: once a minute, not here
    _add(world, 3, 0)
    few, shown_few = _queries(scim, path)
    _add(world, 12, 100)
    many, shown_many = _queries(scim, path)
    assert shown_many > shown_few
    assert many == few
    # The token, the count, the page and one query for the memberships of the whole page.
    assert many == 4
