"""The database computes exactly what the reference arithmetic computes, on any history.

Every figure users see comes from `okrs.metrics.delivery.dora_database` (SQL over the tables); the
rules are defined by `okrs.metrics.delivery.dora` over rows. For random histories written to the
database under test (SQLite with `make test`, PostgreSQL with `make test-postgres`), the
report, the trend and the overview must give the same `Metrics`, to the last bit of every
float, as the reference given the rows `delivery_facts` reads, and the same API answer.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from okrs.metrics.delivery import dora, selectors
from okrs.metrics.delivery.dora import Window
from okrs.metrics.delivery.models import Change, Deployment, Incident, Service
from okrs.org.models import Organisation, Team

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 10, 19, 5, 30, tzinfo=dt.UTC)  # a Monday, before two summer-time ends
ZONES = ["Europe/London", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "UTC"]
H = 3600


@dataclass(frozen=True)
class DeploySpec:
    service: int
    hour: int  # on a coarse grid, so finishes tie often
    micro: int  # and sometimes a fraction of a second off it
    success: bool
    production: bool
    remediation: str
    leads: tuple[int, ...]  # seconds from first commit to the finish; negative is clock skew
    commit: int = 0  # from a few, so rollbacks redeploy earlier commits
    names: str = ""  # what it says it remediates: "d3", "i1" or "sha2" (rule 1)


@dataclass(frozen=True)
class IncidentSpec:
    deployment: int | None  # index into the deployments; None: no cause
    opened: int  # seconds after that deployment finished (negative: opened before)
    resolved: int | None  # seconds after opening (negative: bad data); None: unresolved


deploys = st.builds(
    DeploySpec,
    service=st.integers(0, 2),
    # Half the finishes on a 12-hour grid, so deployments tie and lie exactly 7 days apart.
    hour=st.integers(0, 28).map(lambda k: k * 12) | st.integers(0, 24 * 14),
    micro=st.sampled_from([0, 0, 0, 1, 500_000, 999_999]),
    success=st.sampled_from([True, True, True, False]),
    production=st.sampled_from([True, True, True, False]),
    remediation=st.sampled_from(["", "", "", "hotfix", "rollback", "revert"]),
    leads=st.lists(st.integers(-2 * 86400, 40 * 86400), max_size=3).map(tuple),
    commit=st.integers(0, 5),
    names=st.sampled_from(["", "", ""])
    | st.builds(
        lambda kind, n: f"{kind}{n}", st.sampled_from(["d", "i", "sha"]), st.integers(0, 12)
    ),
)
incidents = st.builds(
    IncidentSpec,
    deployment=st.none() | st.integers(0, 40),
    opened=st.integers(-2 * H, 30 * H),
    resolved=st.none() | st.integers(-H, 10 * 86400),
)


@st.composite
def windows(draw: st.DrawFn) -> Window:
    """Windows cutting weeks anywhere, some on whole seconds, some on arbitrary doubles."""
    base = START.timestamp()
    start = base + draw(st.integers(-86400, 8 * 86400))
    length = draw(st.sampled_from([3600, 86400, 0])) or draw(st.integers(3 * 86400, 20 * 86400))
    if draw(st.booleans()):
        return Window(start + draw(st.floats(0, 1)), start + length + draw(st.floats(0, 1)))
    return Window(float(start), float(start + length))


def write(history: list[DeploySpec], faults: list[IncidentSpec], zone: str) -> None:
    Organisation.objects.update_or_create(pk=1, defaults={"timezone": "Europe/London"})
    engineering = Team.objects.create(key="engineering", name="Engineering", timezone=zone)
    platform = Team.objects.create(key="platform", name="Platform", parent=engineering)
    services = [
        Service.objects.create(key="checkout", name="Checkout", team=engineering),
        Service.objects.create(key="platform-api", name="Platform API", team=platform),
        Service.objects.create(key="search", name="Search"),
    ]
    rows = [
        Deployment(
            provider="generic",
            external_id=f"d{n}",
            service=services[spec.service],
            environment="production" if spec.production else "staging",
            is_production=spec.production,
            status="success" if spec.success else "failure",
            finished_at=START + dt.timedelta(hours=spec.hour, microseconds=spec.micro),
            is_remediation=spec.remediation == "hotfix",
            remediation_kind="" if spec.remediation == "hotfix" else spec.remediation,
            commit_sha=f"sha{spec.commit}",
            remediates_ref=spec.names,
        )
        for n, spec in enumerate(history)
    ]
    Deployment.objects.bulk_create(rows)
    Change.objects.bulk_create(
        Change(
            service=d.service,
            commit_sha=f"c{n}-{k}",
            first_commit_at=d.finished_at - dt.timedelta(seconds=lead),
            merged_at=d.finished_at,
            deployment=d,
        )
        for n, (d, spec) in enumerate(zip(rows, history, strict=True))
        for k, lead in enumerate(spec.leads)
    )
    found = []
    for n, fault in enumerate(faults):
        caused = (
            rows[fault.deployment % len(rows)] if rows and fault.deployment is not None else None
        )
        opened = (caused.finished_at if caused else START) + dt.timedelta(seconds=fault.opened)
        found.append(
            Incident(
                provider="generic",
                external_id=f"i{n}",
                service=caused.service if caused else services[0],
                opened_at=opened,
                resolved_at=None
                if fault.resolved is None
                else opened + dt.timedelta(seconds=fault.resolved),
                caused_by=caused,
                attribution="explicit" if caused else "none",
            )
        )
    Incident.objects.bulk_create(found)


def reference(scope: selectors.Scope, window: Window) -> dora.Metrics:
    facts = selectors.delivery_facts(
        service_ids=None if scope.kind == "organisation" else list(scope.services), window=window
    )
    return dora.dora_metrics(
        facts.deploys, facts.changes, facts.incidents, window, scope.timezone, named=facts.named
    )


def same(database: dora.Metrics, expected: dora.Metrics) -> None:
    # NamedTuple equality compares every field, floats exactly; NaN never occurs here.
    assert database == expected
    assert selectors.metrics_json(database) == selectors.metrics_json(expected)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def _plain(hour: int, remediation: str = "", service: int = 0) -> DeploySpec:
    return DeploySpec(service, hour, 0, True, True, remediation, (3600,))


DAY_ONE = START.timestamp() + 24 * H


@given(
    history=st.lists(deploys, min_size=3, max_size=30),
    faults=st.lists(incidents, max_size=10),
    window=windows(),
    zone=st.sampled_from(ZONES),
)
# Two deployments finishing together, the later id a hotfix: the earlier id failed.
@example(
    [_plain(0), _plain(24), _plain(24, "hotfix")], [], Window(START.timestamp(), DAY_ONE * 2), "UTC"
)
# A remediation exactly 7 days later still reaches back.
@example([_plain(0), _plain(168, "rollback")], [], Window(START.timestamp(), DAY_ONE), "UTC")
# A window ending a hair after a finish: the deployment counts (its double is below the end),
# but its changes and incidents are not read (the end rounds to that very microsecond).
@example(
    [_plain(0), _plain(24), _plain(30, "hotfix")],
    [IncidentSpec(1, 60, 600)],
    Window(START.timestamp(), math.nextafter(DAY_ONE, math.inf)),
    "Asia/Kolkata",
)
# A hotfix naming the first deployment (rule 1), not the one before it.
@example(
    [_plain(0), _plain(24), DeploySpec(0, 30, 0, True, True, "hotfix", (), names="d0")],
    [],
    Window(START.timestamp(), DAY_ONE * 2),
    "UTC",
)
# A hotfix finishing 59 minutes after the incident of the first deployment resolved (rule 2).
@example(
    [_plain(0), _plain(2), DeploySpec(0, 4, 0, True, True, "hotfix", ())],
    [IncidentSpec(0, 600, 4 * H - 600 - 59 * 60)],
    Window(START.timestamp(), DAY_ONE * 2),
    "UTC",
)
# A rollback redeploying the first deployment's commit undoes the second (rule 1).
@example(
    [
        _plain(0),
        DeploySpec(0, 24, 0, True, True, "", (), commit=1),
        _plain(48),
        _plain(60, "rollback"),
    ],
    [],
    Window(START.timestamp(), DAY_ONE * 4),
    "UTC",
)
def test_the_database_gives_the_references_answers(
    history: list[DeploySpec], faults: list[IncidentSpec], window: Window, zone: str
) -> None:
    with transaction.atomic():
        write(history, faults, zone)
        for named in ({"service": "checkout"}, {"team": "engineering"}, {"team": "platform"}, {}):
            scope = selectors.resolve_scope(**named)
            same(
                selectors.dora_report(scope=scope, window=window).metrics, reference(scope, window)
            )

        scope = selectors.resolve_scope(team="engineering")
        facts = selectors.delivery_facts(service_ids=list(scope.services), window=window)
        expected = dora.weekly_series(
            facts.deploys, facts.changes, facts.incidents, window, scope.timezone, named=facts.named
        )
        trend = selectors.dora_trend(scope=scope, window=window)
        assert [w for w, _ in trend] == [w for w, _ in expected]
        for (_, database), (_, wanted) in zip(trend, expected, strict=True):
            same(database, wanted)

        org, teams, services = selectors.organisation_overview(window=window)
        same(org.metrics, reference(org.scope, window))
        for row in [*teams, *services]:
            same(row.metrics, reference(row.scope, window))
        transaction.set_rollback(True)


def test_the_integer_p90_rank_is_the_references_nearest_rank() -> None:
    # SQLite picks the p90 at rank (9 n + 9) // 10; the reference computes ceil(0.9 n) in
    # doubles. They must agree for every sample size a window can hold.
    assert all((9 * n + 9) // 10 == dora.nearest_rank(n, 0.9) for n in range(1, 2_000_001))
    assert math.ceil(0.9 * 10) == 9


def test_a_median_of_an_even_count_is_the_mean_of_the_middle_two_to_the_last_bit() -> None:
    # percentile_cont would interpolate a + (b - a) * 0.5, which differs from (a + b) / 2 in
    # the last bit for these two lead times; the API must show the reference's number.
    svc = Service.objects.create(key="checkout", name="Checkout")
    finished = START + dt.timedelta(days=3)
    d = Deployment.objects.create(
        provider="generic", external_id="d1", service=svc, environment="production",
        is_production=True, status="success", finished_at=finished,
    )  # fmt: skip
    for n, lead in enumerate((0.1, 0.7)):
        Change.objects.create(
            service=svc,
            commit_sha=f"c{n}",
            first_commit_at=finished - dt.timedelta(seconds=lead),
            merged_at=finished,
            deployment=d,
        )
    window = Window(START.timestamp(), (START + dt.timedelta(days=7)).timestamp())
    scope = selectors.resolve_scope(service="checkout")
    m = selectors.dora_report(scope=scope, window=window).metrics
    assert m.lead_time.samples == 2
    assert m.lead_time.median == (0.1 + 0.7) / 2 == reference(scope, window).lead_time.median
    assert m.lead_time.p90 == 0.7
