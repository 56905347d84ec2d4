"""The heavy routes read a plan in a fixed number of queries, however many objectives it holds.

A route that issues one query per objective or key result passes every functional test on a
demo organisation and then takes seconds on a real one. Each route is measured on two plans
from the benchmark's generator, one four times the size of the other, and must issue exactly
as many queries on both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from django.db import connection, transaction
from django.http.response import HttpResponseBase
from django.test import Client
from django.test.utils import CaptureQueriesContext

from okrs.bench.generate import generate_large_org
from okrs.bench.sizes import Sizes
from okrs.goals.evaluation import CACHE
from okrs.goals.models import KeyResult
from okrs.org.models import ApiToken, Person

SMALL = Sizes(people=30, teams=6, objectives=20, key_results=50)
LARGE = Sizes(people=120, teams=12, objectives=80, key_results=200)
ROUTES = (
    "dashboard", "dashboard trends", "alignment", "objectives", "check-in", "dashboard page",
    "alignment page",
)  # fmt: skip

# The marker is also what makes pytest-django create the test database before the
# module-scoped fixture below runs.
pytestmark = pytest.mark.django_db


def _empty_database() -> None:
    """Delete every row, inside the caller's transaction, which is rolled back afterwards.

    The generator needs an empty database, but a shared fixture may have committed rows at
    session scope. Django creates foreign keys deferred to commit on SQLite and PostgreSQL and
    this transaction never commits, so the order of the deletes does not matter.
    """
    # Django names test databases test_<name> (SQLite's is in memory).
    name = str(connection.settings_dict["NAME"])
    if not (name.startswith("test_") or "memory" in name):
        raise RuntimeError(f"refusing to empty {name}: it is not a test database")
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608


def _requests(
    client: Client, admin: Person, cycle: str, as_of: str
) -> dict[str, Callable[[], HttpResponseBase]]:
    query = f"cycle={quote(cycle)}&as_of={quote(as_of)}"
    key_result = (
        KeyResult.objects.filter(objective__cycle__key=cycle)
        .select_related("objective")
        .order_by("id")
        .first()
    )
    assert key_result is not None
    check_in_path = f"/api/v1/key-results/{quote(key_result.ref, safe='')}/check-ins"
    body = {"value": 1.0, "confidence": "at_risk", "note": "counted"}
    browser = Client()  # the web pages, as a signed-in person's browser asks for them
    browser.force_login(admin)
    return {
        "dashboard": lambda: client.get(f"/api/v1/dashboard?{query}"),
        "dashboard trends": lambda: client.get(f"/api/v1/dashboard/trends?{query}"),
        "alignment": lambda: client.get(f"/api/v1/alignment?{query}"),
        "objectives": lambda: client.get(f"/api/v1/objectives?{query}"),
        "check-in": lambda: client.post(check_in_path, body, content_type="application/json"),
        "dashboard page": lambda: browser.get(f"/?cycle={quote(cycle)}"),
        "alignment page": lambda: browser.get(f"/alignment/?cycle={quote(cycle)}"),
    }


def _count_queries(sizes: Sizes) -> dict[str, int]:
    # Each plan is read as by a fresh process: the first read of one also checks, once, that
    # the evaluation cache's triggers are installed, which would otherwise be counted only for
    # whichever plan happens to come first.
    CACHE.clear()
    org = generate_large_org(
        seed=7,
        people=sizes.people,
        teams=sizes.teams,
        objectives=sizes.objectives,
        key_results=sizes.key_results,
        verbose=False,
    )
    admin = Person.objects.get(email=org.admin_email)
    _, token = ApiToken.issue(admin, "query counts")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    # A token's first request also records when it was last used; keep that out of the counts.
    assert client.get("/api/v1/cycles").status_code == 200
    counts = {}
    requests = _requests(client, admin, org.current_cycle, org.today.strftime("%Y-%m-%dT%H:%M:%SZ"))
    for route, send in requests.items():
        with CaptureQueriesContext(connection) as captured:
            response = send()
        assert response.status_code in (200, 201), (route, getattr(response, "content", b""))
        counts[route] = len(captured.captured_queries)
    return counts


@pytest.fixture(scope="module")
def query_counts(django_db_setup: None, django_db_blocker: Any) -> dict[str, dict[str, int]]:
    """Queries per route on the small and on the large plan, each generated and rolled back."""
    counts = {}
    with django_db_blocker.unblock():
        for label, sizes in (("small", SMALL), ("large", LARGE)):
            with transaction.atomic():
                _empty_database()
                counts[label] = _count_queries(sizes)
                transaction.set_rollback(True)
    return counts


@pytest.mark.parametrize("route", ROUTES)
def test_queries_do_not_grow_with_the_number_of_objectives(
    query_counts: dict[str, dict[str, int]], route: str
) -> None:
    small, large = query_counts["small"][route], query_counts["large"][route]
    assert small == large, (
        f"{route}: {small} queries for {SMALL.objectives} objectives but {large} for "
        f"{LARGE.objectives}: something queries once per row"
    )
