"""The evaluation cache gives exactly the uncached answers, and forgets on every kind of write.

Each test compares `evaluate_cycle` (cached) with `evaluate_cycle(cached=False)`, which reads
every check-in afresh and scores it with `scoring.evaluate_key_result`, field by field and
float by float, at instants before, inside and after the cycle, on frozen cycles and across a
year and its quarters. The writes are made the ways the product makes them (the check-in
service, apply, the demo loader) and the ways that send no signal (bulk_create, queryset
updates and deletes, another process).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from okrs.ascode.apply import apply_file
from okrs.bench.generate import generate_large_org
from okrs.demo.load import load_demo
from okrs.goals.checkins.models import CheckIn
from okrs.goals.checkins.services import record_checkin
from okrs.goals.evaluation import CACHE, CycleState, evaluate_cycle
from okrs.goals.models import Cycle, KeyResult, Objective
from okrs.org.audit import Actor
from okrs.org.models import Person, Team
from tests.migrated import migrated
from tests.services import HANG_SECONDS

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_PLAN = ROOT / "tests" / "data" / "example_plan.yaml"


def answer(state: CycleState) -> dict[str, Any]:
    """Everything a caller can read off an evaluation, as plain values."""
    return {
        "as_of": state.as_of,
        "teams": sorted((t.pk, t.key, t.name, t.parent_id) for t in state.teams.values()),
        "objectives": [
            {
                "key": o.objective.key,
                "team": o.objective.team.key if o.objective.team else None,
                "owner": o.objective.owner.email,
                "aligns_to": o.objective.aligns_to_ref,
                "score": o.score,
                "status": o.status,
                "key_results": [
                    {
                        "ref": kr.key_result.ref,
                        "owner": kr.key_result.owner.email,
                        "target": kr.key_result.target,
                        **dataclasses.asdict(kr.result),
                        "last_checkin_at": kr.last_checkin_at,
                        "last_human_checkin_at": kr.last_human_checkin_at,
                        "last_note": kr.last_note,
                        "score_week_ago": kr.score_week_ago,
                        "drifting": kr.drifting,
                        "moment": kr.moment,
                    }
                    for kr in o.key_results
                ],
            }
            for o in state.objectives
        ],
    }


def cached_and_uncached(cycle: Cycle, as_of: dt.datetime) -> tuple[dict[str, Any], Any]:
    cached = answer(evaluate_cycle(cycle, as_of=as_of))
    uncached = answer(evaluate_cycle(cycle, as_of=as_of, cached=False))
    return cached, uncached


def assert_same(cycle: Cycle, as_of: dt.datetime) -> dict[str, Any]:
    cached, uncached = cached_and_uncached(cycle, as_of)
    assert cached == uncached
    return cached


def cached_reads(cycle: Cycle, as_of: dt.datetime) -> int:
    """Queries of a cached evaluation: few when the cache is current."""
    with CaptureQueriesContext(connection) as queries:
        evaluate_cycle(cycle, as_of=as_of)
    return len(queries)


def instants(cycle: Cycle) -> list[dt.datetime]:
    start, end = cycle.bounds("UTC")
    middle = start + (end - start) / 2
    return [
        start - dt.timedelta(days=3),  # before the cycle: nothing known yet
        start + dt.timedelta(days=5),  # in the grace period
        middle,
        middle + dt.timedelta(days=7, hours=5),  # week-ago values from inside the cycle
        end - dt.timedelta(microseconds=1),
        end + dt.timedelta(days=40),  # long after: everything stale
    ]


@pytest.fixture(autouse=True)
def fresh_cache() -> None:
    CACHE.clear()


# --- the same answers ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_demo_is_scored_the_same_at_every_instant() -> None:
    load_demo(today=dt.datetime(2026, 11, 20, 16, tzinfo=dt.UTC))
    cycle = Cycle.objects.get(key="2026-Q4")
    for as_of in instants(cycle):
        assert_same(cycle, as_of)
    # Past instants did not spoil the present: the memo of forecasts is keyed by the readings.
    assert_same(cycle, dt.datetime(2026, 11, 20, 16, tzinfo=dt.UTC))


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [3, 11])
def test_random_organisations_are_scored_the_same(seed: int) -> None:
    org = generate_large_org(
        seed=seed, people=40, teams=6, objectives=24, key_results=70, verbose=False
    )
    for cycle in Cycle.objects.all():  # the year rolls up its quarters, each on its own dates
        for as_of in [*instants(cycle), org.today]:
            assert_same(cycle, as_of)


@pytest.mark.django_db
def test_a_frozen_cycle_is_scored_at_its_end_whatever_comes_later(world) -> None:
    end = world.cycle.bounds(world.org.timezone)[1]
    CheckIn.objects.create(key_result=world.lead_time, value=60, source="web", at=end)
    Cycle.objects.filter(pk=world.cycle.pk).update(frozen_at=end)
    world.cycle.refresh_from_db()
    for as_of in (end - dt.timedelta(days=20), end, end + dt.timedelta(days=90)):
        frozen = assert_same(world.cycle, as_of)
        assert frozen["objectives"][1]["key_results"][0]["moment"] <= end


@pytest.mark.django_db
def test_a_current_cache_costs_one_query_more_than_the_cycles(world) -> None:
    now = dt.datetime(2026, 11, 16, 12, tzinfo=dt.UTC)
    cold = cached_reads(world.cycle, now)
    warm = cached_reads(world.cycle, now)
    # Warm: the organisation, the cycles and the tokens; cold reads the plan and check-ins too.
    assert warm < cold
    assert warm == 3


# --- forgetting on every kind of write -------------------------------------------------------

NOW = dt.datetime(2026, 11, 16, 12, tzinfo=dt.UTC)


def changed_by(cycle: Cycle, write: Any) -> None:
    """`write` changes the answer, and the cache, current before, gives the new one."""
    before = assert_same(cycle, NOW)
    write()
    after = assert_same(cycle, NOW)
    assert after != before, "the write should have changed what the dashboard shows"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "write",
    [
        "check-in service",
        "bulk_create check-ins",
        "update check-ins",
        "delete check-ins",
        "update key results",
        "delete an objective",
        "rename a team",
        "a new team",
        "an owner's new email",
    ],
)
def test_every_kind_of_write_is_seen_by_the_next_read(world, write: str) -> None:
    kr = world.lead_time
    earlier = NOW - dt.timedelta(days=2)
    CheckIn.objects.create(key_result=kr, value=80, source="web", at=earlier)
    writes = {
        "check-in service": lambda: record_checkin(
            key_result=kr,
            value=40,
            confidence="off_track",
            actor=Actor(world.member, "web"),
            at=NOW - dt.timedelta(hours=1),
        ),
        "bulk_create check-ins": lambda: CheckIn.objects.bulk_create(
            [
                CheckIn(key_result=kr, value=v, source="sync", at=earlier + dt.timedelta(hours=v))
                for v in (1, 2, 3)
            ]
        ),
        "update check-ins": lambda: CheckIn.objects.filter(key_result=kr).update(value=20),
        "delete check-ins": lambda: CheckIn.objects.filter(key_result=kr).delete(),
        "update key results": lambda: KeyResult.objects.filter(pk=kr.pk).update(target=70),
        "delete an objective": lambda: Objective.objects.filter(
            pk=world.checkout_objective.pk
        ).delete(),
        "rename a team": lambda: Team.objects.filter(pk=world.platform.pk).update(key="infra"),
        "a new team": lambda: Team.objects.create(key="new", name="New"),
        "an owner's new email": lambda: Person.objects.filter(pk=world.member.pk).update(
            email="maya@elsewhere.test"
        ),
    }
    changed_by(world.cycle, writes[write])


def _forecast(state: dict[str, Any], ref: str) -> float | None:
    rows = [kr for o in state["objectives"] for kr in o["key_results"] if kr["ref"] == ref]
    return rows[0]["forecast"]


@pytest.mark.django_db
def test_a_person_s_check_in_on_an_automatic_key_result_moves_no_forecast(world) -> None:
    """Cached and uncached agree that an automatic key result is forecast through its synced
    values only, and both see a source given or taken away."""
    kr = world.lead_time
    for days_ago, value in ((30, 90), (20, 70), (10, 50)):
        CheckIn.objects.create(
            key_result=kr, value=value, source="sync", at=NOW - dt.timedelta(days=days_ago)
        )
    KeyResult.objects.filter(pk=kr.pk).update(source={"kind": "prometheus", "query": "x"})
    synced_only = _forecast(assert_same(world.cycle, NOW), kr.ref)
    assert synced_only is not None
    kr.refresh_from_db()
    record_checkin(
        key_result=kr, value=None, confidence="on_track", actor=Actor(world.member, "web"),
        at=NOW - dt.timedelta(hours=1),
    )  # fmt: skip
    assert _forecast(assert_same(world.cycle, NOW), kr.ref) == synced_only
    # Without a source the same check-in is a fourth point of the line.
    KeyResult.objects.filter(pk=kr.pk).update(source=None)
    assert _forecast(assert_same(world.cycle, NOW), kr.ref) != synced_only


@pytest.mark.django_db
def test_apply_is_seen_and_a_dry_run_changes_nothing(tmp_path: Path) -> None:
    actor = Actor(None, "apply", trusted=True)
    apply_file(EXAMPLE_PLAN, actor=actor)
    cycle = Cycle.objects.get(key="2026-Q4")
    before = assert_same(cycle, NOW)
    text = EXAMPLE_PLAN.read_text()
    assert "        target: 6\n" in text, "the plan file changed: pick another line to edit"
    edited = tmp_path / "plan.yaml"
    edited.write_text(text.replace("        target: 6\n", "        target: 3\n", 1))
    apply_file(edited, actor=actor, dry_run=True)  # written, then rolled back
    assert assert_same(cycle, NOW) == before
    apply_file(edited, actor=actor)
    assert assert_same(cycle, NOW) != before


@pytest.mark.django_db
def test_loading_the_demo_is_seen(world) -> None:
    changed_by(world.cycle, lambda: load_demo(today=NOW))  # its plan and history, in 2026-Q4


# --- another process ---------------------------------------------------------------------------


def _run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=HANG_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_a_check_in_by_another_process_is_seen_by_the_next_read(tmp_path: Path) -> None:
    """Two processes on one embedded database, as `okrs serve` runs its web processes."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
    env.update(OKRS_DATA_DIR=str(tmp_path), OKRS_LOG_LEVEL="ERROR", OKRS_DATABASE_URL="")
    migrated(tmp_path)
    _run(env, "-m", "okrs", "demo")
    reader = subprocess.Popen(
        [sys.executable, "-m", "tests.evaluation_reader"],
        env=env,
        cwd=ROOT,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert reader.stdin is not None and reader.stdout is not None

    def read(command: str) -> dict[str, Any]:
        reader.stdin.write(command + "\n")  # type: ignore[union-attr]
        reader.stdin.flush()  # type: ignore[union-attr]
        return json.loads(reader.stdout.readline())  # type: ignore[union-attr]

    try:
        first = read("cached")
        warm = read("cached")
        assert warm["statuses"] == first["statuses"] and warm["queries"] < first["queries"]
        ref = next(r for r, status in first["statuses"].items() if status != "off_track")
        _run(env, "-m", "okrs", "checkin", ref, "--value", "0", "--confidence", "off_track")
        after = read("cached")
        assert after["statuses"][ref] == "off_track"
        assert after["statuses"] == read("uncached")["statuses"]
    finally:
        reader.stdin.close()
        reader.wait(timeout=HANG_SECONDS)


@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_check_in_by_another_process_is_seen_by_this_one(world) -> None:
    """This process keeps its cache; `okrs checkin` runs in another, on the same database."""
    if connection.vendor != "postgresql":
        pytest.skip("the suite runs on SQLite in memory, which no other process can open")
    settings = connection.settings_dict
    url = (
        f"postgresql://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
    env.update(OKRS_DATABASE_URL=url, OKRS_LOG_LEVEL="ERROR")
    now = dt.datetime.now(dt.UTC)
    before = evaluate_cycle(world.cycle, as_of=now)
    assert cached_reads(world.cycle, now) == 3  # current: the next read would reuse it
    _run(env, "-m", "okrs", "checkin", world.lead_time.ref, "--value", "0",
         "--confidence", "at_risk")  # fmt: skip
    later = dt.datetime.now(dt.UTC)
    after = evaluate_cycle(world.cycle, as_of=later)
    lead_time = next(kr for kr in after.key_results() if kr.key_result.pk == world.lead_time.pk)
    assert lead_time.result.current == 0 and lead_time.result.confidence == "at_risk"
    assert answer(after) == answer(evaluate_cycle(world.cycle, as_of=later, cached=False))
    assert answer(before) != answer(after)
