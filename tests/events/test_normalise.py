"""The pure parts: reading provider times, verifying signatures, the merge and link rules."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from okrs.metrics.delivery.ingest.normalise import (
    DeploymentFact,
    DeploymentRecord,
    PayloadInvalid,
    parse_time,
    shipping_deployment,
    status_rank,
    supersedes,
    suspect_deployment,
)
from okrs.metrics.delivery.signatures import (
    SignatureInvalid,
    generic_signature,
    verify_generic,
    verify_github,
    verify_gitlab,
    verify_pagerduty,
)

UTC = dt.UTC


@pytest.mark.parametrize(
    ("given_", "expected"),
    [
        ("2019-05-15T15:20:55Z", dt.datetime(2019, 5, 15, 15, 20, 55, tzinfo=UTC)),
        ("2026-11-15T23:36:29+02:00", dt.datetime(2026, 11, 15, 21, 36, 29, tzinfo=UTC)),
        ("2021-04-28 21:50:00 +0200", dt.datetime(2021, 4, 28, 19, 50, tzinfo=UTC)),
        ("2013-12-03 17:23:34 UTC", dt.datetime(2013, 12, 3, 17, 23, 34, tzinfo=UTC)),
        ("2020-10-02T18:45:22.169Z", dt.datetime(2020, 10, 2, 18, 45, 22, 169000, tzinfo=UTC)),
        (1557933657, dt.datetime(2019, 5, 15, 15, 20, 57, tzinfo=UTC)),
        ("2026-11-16T10:00:00", dt.datetime(2026, 11, 16, 10, tzinfo=UTC)),
    ],
)
def test_provider_time_formats(given_, expected):
    assert parse_time(given_, "t") == expected


@pytest.mark.parametrize("bad", ["", None, "yesterday", True, [], "2026-13-01T00:00:00Z"])
def test_unreadable_times_say_which_field(bad):
    with pytest.raises(PayloadInvalid, match=r"^finished_at"):
        parse_time(bad, "finished_at")


BODY = b'{"zen": "Design for failure."}'


def test_github_signature():
    good = "sha256=" + hmac.new(b"k3y", BODY, hashlib.sha256).hexdigest()
    verify_github("k3y", {"x-hub-signature-256": good}, BODY)
    with pytest.raises(SignatureInvalid):
        verify_github("k3y", {"x-hub-signature-256": good.upper()}, BODY)
    with pytest.raises(SignatureInvalid):
        verify_github("k3y", {"x-hub-signature-256": "sha1=" + good[7:]}, BODY)


def test_gitlab_token():
    verify_gitlab("t0ken", {"x-gitlab-token": "t0ken"}, BODY)
    with pytest.raises(SignatureInvalid):
        verify_gitlab("t0ken", {"x-gitlab-token": "t0ken "}, BODY)


def test_pagerduty_signatures_any_of_several():
    good = "v1=" + hmac.new(b"pd", BODY, hashlib.sha256).hexdigest()
    verify_pagerduty("pd", {"x-pagerduty-signature": f"v1=00ff, {good}"}, BODY)
    with pytest.raises(SignatureInvalid):
        verify_pagerduty("pd", {"x-pagerduty-signature": "v1=00ff,v1=abcd"}, BODY)


def test_generic_signature_and_freshness():
    signature = generic_signature("g", BODY, 1_700_000_000)
    headers = {"x-okrs-timestamp": "1700000000", "x-okrs-signature": signature}
    verify_generic("g", headers, BODY, now=1_700_000_100)
    with pytest.raises(SignatureInvalid, match="X-Okrs-Timestamp"):
        verify_generic("g", headers, BODY, now=1_700_000_400)
    with pytest.raises(SignatureInvalid, match="X-Okrs-Signature"):
        verify_generic("g", dict(headers, **{"x-okrs-timestamp": "1700000001"}), BODY)


@given(st.binary(max_size=200), st.text(min_size=1, max_size=40))
def test_any_change_to_a_signed_body_is_refused(body, secret):
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    verify_github(secret, {"x-hub-signature-256": signature}, body)
    with pytest.raises(SignatureInvalid):
        verify_github(secret, {"x-hub-signature-256": signature}, body + b" ")


STATUSES = st.sampled_from(["success", "failure", "error", "in_progress"])
TIMES = st.datetimes(
    min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2026, 1, 3), timezones=st.just(UTC)
)


def record(status: str, at: dt.datetime) -> DeploymentRecord:
    return DeploymentRecord("1", "production", True, status, at)


@given(st.lists(st.tuples(STATUSES, TIMES), min_size=1, max_size=6), st.randoms())
def test_the_winning_status_does_not_depend_on_arrival_order(reports, rng):
    def winner(order: list[tuple[str, dt.datetime]]) -> tuple[str, dt.datetime]:
        current = order[0]
        for status, at in order[1:]:
            if supersedes(record(status, at), *current):
                current = (status, at)
        return current

    shuffled = list(reports)
    rng.shuffle(shuffled)
    assert winner(shuffled) == winner(reports) == max(reports, key=lambda r: status_rank(*r))


def test_a_final_status_is_never_replaced_by_in_progress():
    early = dt.datetime(2026, 1, 1, tzinfo=UTC)
    assert not supersedes(record("in_progress", early + dt.timedelta(hours=1)), "failure", early)
    assert supersedes(record("success", early), "in_progress", early + dt.timedelta(hours=1))


FACTS = st.lists(
    st.builds(DeploymentFact, st.text("abc", min_size=1, max_size=3), TIMES), max_size=6
)


@given(TIMES, FACTS)
def test_a_change_ships_with_the_first_deployment_at_or_after_it(merged, facts):
    found = shipping_deployment(merged, facts)
    if found is None:
        assert all(fact.finished_at < merged for fact in facts)
    else:
        assert found.finished_at >= merged
        assert not any(merged <= fact.finished_at < found.finished_at for fact in facts)


@given(TIMES, FACTS, st.integers(min_value=1, max_value=48))
def test_the_suspect_finished_before_the_incident_within_the_window(opened, facts, hours):
    window = dt.timedelta(hours=hours)
    found = suspect_deployment(opened, facts, window)
    if found is not None:
        assert opened - window <= found.finished_at < opened
        assert not any(found.finished_at < fact.finished_at < opened for fact in facts)
    # Shifting every time by the same amount blames the same deployment.
    shift = dt.timedelta(days=3, minutes=7)
    moved = [DeploymentFact(f.key, f.finished_at + shift) for f in facts]
    again = suspect_deployment(opened + shift, moved, window)
    assert (again.key if again else None) == (found.key if found else None)
