"""Time the heaviest routes against a large organisation on every database we support.

    python -m okrs.bench [--quick] [--databases sqlite,postgresql] [--profile DIR]

Each database runs in a subprocess of its own (`--worker`), because Django reads its settings
once per process from OKRS_DATABASE_URL and OKRS_DATA_DIR. The worker migrates a fresh
database, generates the organisation (okrs.bench.generate), issues an admin token and times
the routes through django.test.Client, so the numbers include URL routing, middleware,
authentication and JSON rendering, but no network or web server.

The dashboard and the alignment map are timed three ways. Warm (`dashboard`, `alignment`):
the evaluation cache (docs/evaluation.md) is current, as for every read between two writes;
their targets are on this one. Cold (`... cold`): an untimed check-in first, so the read
rebuilds the cycle's check-ins. Mixed (`check-in + dashboard`): a check-in and the next
dashboard read timed together, what a team checking in while others watch costs.

In the same run, on the same database, the bare SQL under each (okrs.bench.baseline: one
query counting the key results by status with okrs's rules, checked to give the dashboard's
counts; the four queries of the map's rows) is timed too, and each route is printed with
its median and p95 as a multiple of its bare SQL's. The dashboard and the alignment API must
stay under their target p95 and at most RATIO_LIMIT times their bare SQL's median.

SQLite runs on the embedded default (a file in a fresh OKRS_DATA_DIR, WAL mode), which is what
`okrs serve` uses; PostgreSQL on OKRS_BENCH_POSTGRES_URL (default below), skipped with a note
when it cannot be reached.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import math
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from okrs.bench import harness
from okrs.bench.sizes import FULL, QUICK, Sizes

if TYPE_CHECKING:
    from django.http.response import HttpResponseBase
    from django.test import Client

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/okrs_bench"
DEFAULT_OUTPUT = Path("var/bench/results.json")
DATABASES = ("sqlite", "postgresql")
# p95 in milliseconds that each route must stay under; None: measured, no target.
# On the large organisation (FULL) with the evaluation cache warm; see the docstring.
TARGETS_MS: dict[str, float | None] = {
    "dashboard bare SQL": None,
    "alignment bare SQL": None,
    "dashboard": 100.0,
    "alignment": 100.0,
    "check-in": 15.0,
    "dashboard cold": None,
    "alignment cold": None,
    "check-in + dashboard": None,
    "dashboard page": 150.0,
    "alignment page": 150.0,
    # The dashboard's charts: one scoring of the cycle per week so far, fetched by the page
    # once it has loaded and after a change, never by an empty poll.
    "dashboard trends": None,
}
# The bare SQL each route is compared with, and the routes held to RATIO_LIMIT of it.
BASELINES = {
    "dashboard": "dashboard bare SQL",
    "dashboard cold": "dashboard bare SQL",
    "check-in + dashboard": "dashboard bare SQL",
    "dashboard page": "dashboard bare SQL",
    "dashboard trends": "dashboard bare SQL",
    "alignment": "alignment bare SQL",
    "alignment cold": "alignment bare SQL",
}
RATIO_LIMIT = 3.0
HELD_TO_RATIO = ("dashboard", "alignment")
WARMUP_RUNS = 3
WORKER_TIMEOUT_SECONDS = 1800


@dataclass(frozen=True)
class Timing:
    database: str
    route: str
    runs: int
    median_ms: float
    p95_ms: float
    target_ms: float | None
    queries: int
    # Median CPU time of this process per request: unlike wall time it barely moves when other
    # work shares the machine, so it tells a slow route from a busy host (on SQLite it includes
    # the database's own work; on PostgreSQL the server's share is not in it).
    cpu_median_ms: float
    # Median and p95 as multiples of those of the bare SQL under the route (BASELINES).
    baseline: str | None = None
    median_ratio: float | None = None
    p95_ratio: float | None = None
    ratio_limit: float | None = None

    @property
    def passed(self) -> bool:
        if self.target_ms is not None and self.p95_ms >= self.target_ms:
            return False
        return self.ratio_limit is None or (
            self.median_ratio is not None and self.median_ratio <= self.ratio_limit
        )

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "result": "PASS" if self.passed else "MISS"}


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `fraction` of them at or below."""
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


# --- the parent: one subprocess per database, then the table ------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    if options.worker:
        return _worker(options)

    sizes = QUICK if options.quick else FULL
    get_runs = options.runs or (10 if options.quick else 30)
    post_runs = options.post_runs or (20 if options.quick else 100)

    def run(name: str, env: dict[str, str], data_dir: Path) -> dict[str, Any] | None:
        print(f"== {name}: generating {sizes} and timing", flush=True)
        return _run_worker(name, env, data_dir, sizes, get_runs, post_runs, options)

    outcome = harness.each_database(
        options.databases,
        choices=DATABASES,
        prefix="okrs-bench",
        postgres_url=options.postgres_url,
        run=run,
    )
    if outcome is None:
        return 2
    databases: dict[str, Any] = {}
    timings: list[Timing] = []
    for name, report in outcome.reports.items():
        databases[name] = {k: v for k, v in report.items() if k != "timings"}
        timings += [Timing(**t) for t in report["timings"]]

    print()
    print(format_table(timings))
    outcome.print_skipped()
    document = {
        "quick": options.quick,
        "sizes": asdict(sizes),
        "databases": databases,
        "skipped": outcome.skipped,
        "results": [t.as_dict() for t in timings],
    }
    harness.write_report(options.output, document)
    if outcome.failed or (options.strict and not all(t.passed for t in timings)):
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m okrs.bench",
        description="Time the dashboard, the alignment map and a check-in on a large organisation.",
    )
    parser.add_argument("--quick", action="store_true", help="a small organisation, fewer runs")
    parser.add_argument(
        "--databases", default=",".join(DATABASES), help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("OKRS_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="database to (re)fill; created when missing, emptied when it holds data",
    )
    parser.add_argument("--runs", type=int, default=0, help="timed runs per GET (default 30)")
    parser.add_argument("--post-runs", type=int, default=0, help="timed check-ins (default 100)")
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="where to write the JSON")
    parser.add_argument(
        "--profile", metavar="DIR", help="cProfile the routes that miss their target into DIR"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a route misses")
    parser.add_argument("--seed", type=int, default=1)
    harness.add_worker_arguments(parser)
    return parser


def _run_worker(
    name: str,
    env: dict[str, str],
    data_dir: Path,
    sizes: Sizes,
    get_runs: int,
    post_runs: int,
    options: argparse.Namespace,
) -> dict[str, Any] | None:
    arguments = [
        "--runs",
        str(get_runs),
        "--post-runs",
        str(post_runs),
        "--seed",
        str(options.seed),
    ]
    if options.profile:
        arguments += ["--profile", str(Path(options.profile).resolve())]
    return harness.run_worker(
        "okrs.bench.run",
        name,
        env=env,
        data_dir=data_dir,
        sizes=asdict(sizes),
        arguments=arguments,
        timeout=WORKER_TIMEOUT_SECONDS,
    )


def format_table(timings: Sequence[Timing]) -> str:
    header = (
        "database",
        "route",
        "runs",
        "median ms",
        "p95 ms",
        "x bare (median/p95)",
        "target",
        "cpu ms",
        "queries",
        "result",
    )
    rows = [
        (
            t.database,
            t.route,
            str(t.runs),
            f"{t.median_ms:.1f}",
            f"{t.p95_ms:.1f}",
            _ratios(t),
            _target(t),
            f"{t.cpu_median_ms:.1f}",
            str(t.queries),
            ("PASS" if t.passed else "MISS") if t.target_ms or t.ratio_limit else "-",
        )
        for t in timings
    ]
    return "\n".join(harness.aligned_table(header, rows, left=2))


def _ratios(t: Timing) -> str:
    if t.median_ratio is None or t.p95_ratio is None:
        return "-"
    return f"{t.median_ratio:.1f} / {t.p95_ratio:.1f}"


def _target(t: Timing) -> str:
    parts = []
    if t.target_ms is not None:
        parts.append(f"p95 < {t.target_ms:.0f} ms")
    if t.ratio_limit is not None:
        parts.append(f"<= {t.ratio_limit:.0f}x")
    return ", ".join(parts) or "-"


# --- the worker: one database, in a process of its own ------------------------------------------


def _worker(options: argparse.Namespace) -> int:
    name: str = options.worker
    actual = harness.open_worker_database(name, options.expect_database)
    if actual is None:
        return 1

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from okrs.bench.generate import EMAIL_DOMAIN, generate_large_org
    from okrs.org.models import ApiToken, Person
    from okrs.runtime import tune_for_serving

    sizes = Sizes(**json.loads(options.sizes))
    if Person.objects.exists():
        if Person.objects.exclude(email__endswith=f"@{EMAIL_DOMAIN}").exists():
            print(f"{name}: {actual} holds people the benchmark did not create", file=sys.stderr)
            return 1
        # A PostgreSQL database left by an earlier run: empty it (and reset its sequences).
        call_command("flush", interactive=False, verbosity=0)

    started = time.perf_counter()
    org = generate_large_org(seed=options.seed, **asdict(sizes))
    generate_seconds = time.perf_counter() - started
    if connection.vendor == "postgresql":
        # A server would have run autovacuum's ANALYZE after a load this size by now; without
        # statistics the planner guesses and the timings say nothing about production.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"{name}: generated in {generate_seconds:.1f} s", flush=True)

    # Time the routes as `okrs serve` runs them: the same process set-up, after the load.
    tune_for_serving()

    admin = Person.objects.get(email=org.admin_email)
    _, token = ApiToken.issue(admin, "bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    routes = _routes(client, org.current_cycle, org.today.strftime("%Y-%m-%dT%H:%M:%SZ"))

    _check_bare_counts(client, org.current_cycle, org.today)
    timings: list[Timing] = []
    by_route: dict[str, Timing] = {}
    runs = {route: options.runs for route in TARGETS_MS}
    runs["check-in"] = options.post_runs
    for route, (call, before) in routes.items():
        samples, cpu = _time(call, runs[route], before)
        median, p95 = statistics.median(samples), percentile(samples, 0.95)
        baseline = by_route.get(BASELINES.get(route, ""))
        timing = Timing(
            database=name,
            route=route,
            runs=len(samples),
            median_ms=round(median, 2),
            p95_ms=round(p95, 2),
            target_ms=TARGETS_MS[route],
            queries=_count_queries(call, before),
            cpu_median_ms=round(statistics.median(cpu), 2),
            baseline=baseline.route if baseline else None,
            median_ratio=round(median / baseline.median_ms, 2) if baseline else None,
            p95_ratio=round(p95 / baseline.p95_ms, 2) if baseline else None,
            ratio_limit=RATIO_LIMIT if route in HELD_TO_RATIO else None,
        )
        ratio = f", {_ratios(timing)} x bare SQL" if baseline else ""
        print(
            f"{name}: {route}: median {timing.median_ms:.1f} ms, p95 {timing.p95_ms:.1f} ms"
            f"{ratio}, cpu {timing.cpu_median_ms:.1f} ms, {timing.queries} queries",
            flush=True,
        )
        timings.append(timing)
        by_route[route] = timing
        if options.profile and not timing.passed:
            _profile(call, Path(options.profile), f"{name}-{route}", runs=10, before=before)

    report = {
        "database": name,
        "vendor": connection.vendor,
        "server_version": _server_version(connection),
        "generate_seconds": round(generate_seconds, 1),
        "org": org.as_dict(),
        "timings": [asdict(t) for t in timings],
    }
    Path(options.result_file).write_text(json.dumps(report, indent=2))
    return 0


Call = Callable[[int], object]


def _routes(client: Client, cycle: str, as_of: str) -> dict[str, tuple[Call, Call | None]]:
    """Per timed route, the call and what to do untimed before each; the argument tells
    repeated calls apart."""
    import datetime as dt

    from okrs.bench import baseline
    from okrs.goals.models import KeyResult

    # Check in on different key results of the current quarter, spread over the whole plan, so
    # that no single key result's history grows and no cache of one row flatters the numbers.
    targets = list(
        KeyResult.objects.filter(objective__cycle__key=cycle)
        .select_related("objective")
        .order_by("id")
    )
    step = max(1, len(targets) // 97)

    def get(path: str) -> Callable[[int], HttpResponseBase]:
        def call(_: int) -> HttpResponseBase:
            return _expect(client.get(path), 200)

        return call

    def check_in(n: int) -> HttpResponseBase:
        kr = targets[(n * step) % len(targets)]
        body = {
            "value": kr.target if kr.target is not None else 1.0,
            "confidence": ("on_track", "at_risk")[n % 2],
            "note": f"bench check-in {n}",
        }
        path = f"/api/v1/key-results/{quote(kr.ref, safe='')}/check-ins"
        return _expect(client.post(path, body, content_type="application/json"), 201)

    # The web pages, as a signed-in browser gets them (they show the cycle as of now).
    from django.test import Client as BrowserClient

    from okrs.bench.generate import ADMIN_EMAIL
    from okrs.org.models import Person

    browser = BrowserClient()
    browser.force_login(Person.objects.get(email=ADMIN_EMAIL))

    def page(path: str) -> Callable[[int], HttpResponseBase]:
        def call(_: int) -> HttpResponseBase:
            return _expect(browser.get(path), 200)

        return call

    query = f"cycle={quote(cycle)}&as_of={quote(as_of)}"
    dashboard, alignment = get(f"/api/v1/dashboard?{query}"), get(f"/api/v1/alignment?{query}")
    at = baseline.moment(cycle, dt.datetime.fromisoformat(as_of.replace("Z", "+00:00")))

    def check_in_then_dashboard(n: int) -> HttpResponseBase:
        check_in(n)
        return dashboard(n)

    # Each route's check-ins start where the last one's ended: a key result checked in twice
    # in the same second would only make the history longer, not the read different.
    def checked_in_from(first: int) -> Call:
        return lambda n: check_in(first + n)

    return {
        "dashboard bare SQL": (lambda _: baseline.dashboard_counts(at), None),
        "alignment bare SQL": (lambda _: baseline.alignment_rows(at), None),
        "dashboard": (dashboard, None),
        "alignment": (alignment, None),
        "check-in": (check_in, None),
        "dashboard cold": (dashboard, checked_in_from(1_000)),
        "alignment cold": (alignment, checked_in_from(2_000)),
        "check-in + dashboard": (lambda n: check_in_then_dashboard(3_000 + n), None),
        "dashboard page": (page(f"/?cycle={quote(cycle)}"), None),
        "alignment page": (page(f"/alignment/?cycle={quote(cycle)}"), None),
        "dashboard trends": (get(f"/api/v1/dashboard/trends?{query}"), None),
    }


def _check_bare_counts(client: Client, cycle: str, today: Any) -> None:
    """The bare SQL counts what the dashboard counts, or its time means nothing."""
    import datetime as dt

    from okrs.bench import baseline

    as_of = today.strftime("%Y-%m-%dT%H:%M:%SZ")
    response = _expect(client.get(f"/api/v1/dashboard?cycle={quote(cycle)}&as_of={as_of}"), 200)
    okrs_counts = json.loads(getattr(response, "content", b"{}"))["counts"]["key_results"]
    bare = baseline.dashboard_counts(
        baseline.moment(cycle, dt.datetime.fromisoformat(as_of.replace("Z", "+00:00")))
    )
    if bare != okrs_counts:
        raise RuntimeError(f"the bare SQL counts {bare}, the dashboard {okrs_counts}")
    print(f"bare SQL and dashboard agree: {bare}", flush=True)


def _expect(response: HttpResponseBase, status: int) -> HttpResponseBase:
    if response.status_code != status:
        body = getattr(response, "content", b"")[:500]
        raise RuntimeError(f"expected HTTP {status}, got {response.status_code}: {body!r}")
    return response


def _time(call: Call, runs: int, before: Call | None = None) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of each of `runs` calls, after a warm-up.

    `before`, when given, runs untimed before each call (a check-in before a cold read).
    """
    for n in range(WARMUP_RUNS):
        if before is not None:
            before(n)
        call(n)
    wall, cpu = [], []
    for n in range(WARMUP_RUNS, WARMUP_RUNS + runs):
        if before is not None:
            before(n)
        started, started_cpu = time.perf_counter(), time.process_time()
        call(n)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    return wall, cpu


def _count_queries(call: Call, before: Call | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if before is not None:
        before(10_000)
    with CaptureQueriesContext(connection) as captured:
        call(10_000)
    return len(captured.captured_queries)


def _profile(
    call: Call, directory: Path, label: str, runs: int, before: Call | None = None
) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    profiler = cProfile.Profile()
    for n in range(runs):
        if before is not None:
            before(20_000 + n)
        profiler.enable()
        call(20_000 + n)
        profiler.disable()
    path = directory / f"{label}.prof"
    profiler.dump_stats(str(path))
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(r"okrs|django/db|ninja|pydantic", 30)
    stats.sort_stats("tottime").print_stats(15)
    print(f"--- profile of {label} over {runs} runs ({path}) ---\n{text.getvalue()}", flush=True)


def _server_version(connection: Any) -> str:
    if connection.vendor == "sqlite":
        import sqlite3

        return sqlite3.sqlite_version
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        row = cursor.fetchone()
    return str(row[0]) if row else ""


if __name__ == "__main__":
    raise SystemExit(main())
