"""Properties of the DORA arithmetic that must hold for any history (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from okrs.metrics.delivery import dora
from okrs.metrics.delivery.dora import ChangeFact, Deploy, IncidentFact, Window

START = 1_790_000_000.0  # October 2026
SPAN = 60 * dora.DAY
instants = st.floats(min_value=START, max_value=START + SPAN, allow_nan=False)
durations = st.floats(min_value=0, max_value=20 * dora.DAY, allow_nan=False)
zones = st.sampled_from(["UTC", "Europe/London", "America/New_York", "Asia/Kolkata"])


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Deploy], list[ChangeFact], list[IncidentFact]]:
    deploys = [
        Deploy(i, draw(st.integers(1, 3)), draw(instants), draw(st.booleans()))
        for i in range(draw(st.integers(0, 25)))
    ]
    changes = [
        ChangeFact(d.id, draw(durations)) for d in deploys for _ in range(draw(st.integers(0, 2)))
    ]
    incidents = []
    for d in deploys:
        if draw(st.integers(0, 4)) == 0:
            opened = d.finished + draw(durations)

            def after_opening(x: float, o: float = opened) -> float:
                return o + x

            resolved = draw(st.none() | durations.map(after_opening))
            incidents.append(IncidentFact(d.id, opened, resolved))
    return deploys, changes, incidents


@st.composite
def windows(draw: st.DrawFn) -> Window:
    a, b = sorted((draw(instants), draw(instants)))
    return Window(a, b + 1)


@given(histories(), windows(), zones)
def test_adding_a_failed_deployment_never_lowers_the_change_failure_rate(
    history: tuple[list[Deploy], list[ChangeFact], list[IncidentFact]], window: Window, tz: str
) -> None:
    deploys, changes, incidents = history
    before = dora.dora_metrics(deploys, changes, incidents, window, tz).change_failure_rate
    # A deployment that caused an incident, the latest of its service (so it takes no
    # remediation's attention away from an earlier one).
    latest = max((d.finished for d in deploys), default=START)
    new = Deploy(10_000, 1, min(latest + 1, window.end - 0.5), remediation=False)
    if any(d.service == 1 and d.finished >= new.finished for d in deploys):
        new = new._replace(service=99)
    incident = IncidentFact(new.id, new.finished + 60, None)
    after = dora.dora_metrics(
        [*deploys, new], changes, [*incidents, incident], window, tz
    ).change_failure_rate
    if before.percent is not None and after.percent is not None:
        assert after.percent >= before.percent
    assert after.numerator >= before.numerator


@given(histories(), windows(), st.floats(min_value=-1e7, max_value=1e7, allow_nan=False))
def test_shifting_every_instant_by_the_same_amount_changes_no_duration_or_count(
    history: tuple[list[Deploy], list[ChangeFact], list[IncidentFact]],
    window: Window,
    shift: float,
) -> None:
    deploys, changes, incidents = history
    moved = dora.dora_metrics(
        [d._replace(finished=d.finished + shift) for d in deploys],
        changes,
        [
            IncidentFact(
                i.deployment, i.opened + shift, None if i.resolved is None else i.resolved + shift
            )
            for i in incidents
        ],
        Window(window.start + shift, window.end + shift),
        "UTC",
    )
    same = dora.dora_metrics(deploys, changes, incidents, window, "UTC")

    def close(a: float | None, b: float | None) -> bool:
        return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-3)

    assert moved.deployment_frequency.deployments == same.deployment_frequency.deployments
    assert moved.lead_time.samples == same.lead_time.samples
    assert close(moved.lead_time.median, same.lead_time.median)
    assert close(moved.lead_time.p90, same.lead_time.p90)
    assert moved.recovery_time[:2] == same.recovery_time[:2]
    assert close(moved.recovery_time.median, same.recovery_time.median)
    assert close(moved.recovery_time.p90, same.recovery_time.p90)
    assert moved.change_failure_rate == same.change_failure_rate
    assert moved.rework_rate == same.rework_rate


@given(histories(), windows(), st.floats(min_value=0, max_value=1), zones)
def test_counts_add_up_over_adjacent_windows(
    history: tuple[list[Deploy], list[ChangeFact], list[IncidentFact]],
    window: Window,
    cut: float,
    tz: str,
) -> None:
    deploys, changes, incidents = history
    middle = window.start + cut * (window.end - window.start)
    whole = dora.dora_metrics(deploys, changes, incidents, window, tz)
    parts = [
        dora.dora_metrics(deploys, changes, incidents, part, tz)
        for part in (Window(window.start, middle), Window(middle, window.end))
    ]
    assert whole.deployment_frequency.deployments == sum(
        p.deployment_frequency.deployments for p in parts
    )
    assert whole.lead_time.samples == sum(p.lead_time.samples for p in parts)
    for metric in ("change_failure_rate", "rework_rate"):
        assert getattr(whole, metric).numerator == sum(getattr(p, metric).numerator for p in parts)
        assert getattr(whole, metric).denominator == sum(
            getattr(p, metric).denominator for p in parts
        )
    assert whole.recovery_time.failures == sum(p.recovery_time.failures for p in parts)
    assert whole.recovery_time.unresolved == sum(p.recovery_time.unresolved for p in parts)


@given(st.lists(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False), min_size=1))
def test_median_and_p90_lie_between_the_smallest_and_largest(values: list[float]) -> None:
    middle, p90 = dora.median(values), dora.percentile(values, 0.9)
    assert middle is not None and p90 is not None
    assert min(values) <= middle <= max(values)
    assert min(values) <= p90 <= max(values)
    assert p90 >= middle or abs(p90 - middle) < 1e-6 * max(1.0, abs(middle))


@given(histories(), windows(), zones)
def test_rates_are_percentages_of_the_windows_deployments(
    history: tuple[list[Deploy], list[ChangeFact], list[IncidentFact]], window: Window, tz: str
) -> None:
    deploys, changes, incidents = history
    m = dora.dora_metrics(deploys, changes, incidents, window, tz)
    for rate in (m.change_failure_rate, m.rework_rate):
        assert rate.denominator == m.deployment_frequency.deployments
        assert 0 <= rate.numerator <= rate.denominator
        if rate.denominator:
            assert rate.percent is not None and 0 <= rate.percent <= 100
    assert m.recovery_time.unresolved <= m.recovery_time.failures


@given(durations, durations)
def test_a_shorter_duration_never_gets_a_worse_band(a: float, b: float) -> None:
    shorter, longer = sorted((a, b))
    rank = dora.BANDS.index
    assert rank(dora.lead_time_band(shorter) or "low") <= rank(dora.lead_time_band(longer) or "low")
    assert rank(dora.recovery_band(shorter) or "low") <= rank(dora.recovery_band(longer) or "low")


@given(st.floats(0, 100), st.floats(0, 100))
def test_a_lower_failure_rate_never_gets_a_worse_band(a: float, b: float) -> None:
    lower, higher = sorted((a, b))
    rank = dora.BANDS.index
    assert rank(dora.change_failure_band(lower) or "low") <= rank(
        dora.change_failure_band(higher) or "low"
    )


@given(histories(), windows(), zones)
def test_the_weekly_series_adds_up_to_the_window(
    history: tuple[list[Deploy], list[ChangeFact], list[IncidentFact]], window: Window, tz: str
) -> None:
    deploys, changes, incidents = history
    whole = dora.dora_metrics(deploys, changes, incidents, window, tz)
    series = dora.weekly_series(deploys, changes, incidents, window, tz)
    assert sum(m.deployment_frequency.deployments for _, m in series) == (
        whole.deployment_frequency.deployments
    )
    assert sum(m.change_failure_rate.numerator for _, m in series) == (
        whole.change_failure_rate.numerator
    )
    assert sum(m.lead_time.samples for _, m in series) == whole.lead_time.samples


@given(histories(), st.data())
def test_a_remediation_belongs_to_one_failure_at_most(
    history: tuple[list[Deploy], list[ChangeFact], list[IncidentFact]], data: st.DataObject
) -> None:
    deploys, _, incidents = history
    # Some remediations name a deployment (any, even a later one) or an incident.
    named = {
        d.id: dora.Named(data.draw(st.none() | st.sampled_from([x.id for x in deploys])), None)
        for d in deploys
        if d.remediation and data.draw(st.booleans())
    }
    failed = dora.failures_by_deployment(deploys, incidents, named)
    remedies = dora.remediation_rules(deploys, incidents, named)
    assert len(remedies) == sum(1 for d in deploys if d.remediation)
    by_remediation = [
        f.source
        for fs in failed.values()
        for f in fs
        if f.cause != dora.INCIDENT and f.source is not None
    ]
    assert all(
        f.source is not None for fs in failed.values() for f in fs if f.cause != dora.INCIDENT
    )
    # No remediation makes two failures, and those under rule 2 or naming an incident make none.
    assert len(by_remediation) == len(set(by_remediation))
    rule_of = {r.remediation: r.rule for r in remedies}
    assert all(
        rule_of[source] in (dora.NAMED_DEPLOYMENT, dora.PREVIOUS_DEPLOYMENT)
        for source in by_remediation
    )
    # A deployment with an incident has only its incidents as failures.
    for fs in failed.values():
        causes = {f.cause == dora.INCIDENT for f in fs}
        assert len(causes) == 1
        if causes == {False}:
            assert len(fs) == 1
