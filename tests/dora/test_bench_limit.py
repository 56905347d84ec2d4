"""The DORA benchmark's limit statement answers what okrs answers, on a history of its kind.

`make bench` times okrs's DORA report against a hand-written statement over the same tables
(okrs/bench/dora.py) and refuses to report a ratio when the two disagree; this runs the same
comparison on a small history, so a rule changed in okrs but not in the limit fails here first.
"""

from __future__ import annotations

import random

import pytest

from okrs.bench.dora import MEASURES, DoraSizes, generate_history, limit_metrics
from okrs.metrics.delivery.selectors import dora_report, parse_window, resolve_scope

SMALL = DoraSizes(events=0, services=4, deployments=1_500, commits=3_000, incidents=300)


@pytest.mark.django_db
def test_the_limit_statement_agrees_with_okrs_on_every_measure_it_times() -> None:
    generate_history(SMALL, random.Random(7))  # once: it is most of the test's time
    for name, service, start, end in MEASURES:
        scope = resolve_scope(service=service)
        window = parse_window(start, end, tz_name=scope.timezone)
        ids = None if service is None else list(scope.services)

        expected = dora_report(scope=scope, window=window).metrics
        assert expected.change_failure_rate.numerator > 0, name  # failures to count
        assert limit_metrics(ids, window, scope.timezone) == expected, name
