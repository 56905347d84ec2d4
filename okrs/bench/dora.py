"""Benchmark of delivery events and DORA: ingestion throughput, then the five metrics' cost.

    python -m okrs.bench.dora [--quick] [--databases sqlite,postgresql]

1. Ingestion (PostgreSQL; add `--ingest-on sqlite,postgresql` for both): signed generic
   events (deployments, changes, incidents, and 5% redeliveries of earlier events) through
   `okrs.delivery.ingest.services.ingest`, the function behind POST /api/v1/events/generic:
   signature check, JSON parsing, the append-only raw event with deduplication, and the
   normalised rows with their links. Reports events per second (target: 500 or more).
2. Computation: a year of history for 120 services (57,000 successful production deployments,
   140,000 commits, 4,300 incidents) written with bulk_create, then the time to compute all
   five metrics, reads included, for one service over a quarter (target: under 20 ms) and for
   the whole organisation over a quarter (target: under 170 ms), on each database.

Like okrs.bench.run, each database runs in a subprocess of its own on a database of its own:
a fresh SQLite file, and PostgreSQL at OKRS_BENCH_DORA_POSTGRES_URL (default below), created
when missing and refused when it holds anything the benchmark did not write.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from okrs.bench.run import (
    _expected_database,
    _worker_env,
    ensure_postgres_database,
    percentile,
)

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/okrs_bench_dora"
DEFAULT_OUTPUT = Path("var/bench/dora.json")
DATABASES = ("sqlite", "postgresql")
PREFIX = "bench-"
WORKER_TIMEOUT_SECONDS = 4 * 3600
WARMUP_RUNS = 3


@dataclass(frozen=True)
class DoraSizes:
    events: int
    services: int
    deployments: int
    commits: int
    incidents: int


FULL = DoraSizes(
    events=1_000_000, services=120, deployments=57_000, commits=140_000, incidents=4_300
)
QUICK = DoraSizes(events=3_000, services=12, deployments=5_700, commits=14_000, incidents=430)

TARGET_EVENTS_PER_SECOND = 500.0
TARGETS_MS = {"one service, a quarter": 20.0, "organisation, a quarter": 170.0}


# --- the parent ---------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    if options.worker:
        return _worker(options)
    sizes = QUICK if options.quick else FULL
    if options.events:
        sizes = dataclasses.replace(sizes, events=options.events)
    runs = options.runs or (10 if options.quick else 30)
    ingest_on = {name.strip() for name in options.ingest_on.split(",") if name.strip()}
    reports: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    failed = False
    for name in (n.strip() for n in options.databases.split(",")):
        if name not in DATABASES:
            print(f"unknown database {name!r}; choose from {', '.join(DATABASES)}", file=sys.stderr)
            return 2
        data_dir = Path(tempfile.mkdtemp(prefix=f"okrs-bench-dora-{name}-"))
        try:
            env = _worker_env(data_dir)
            if name == "postgresql":
                problem = ensure_postgres_database(options.postgres_url)
                if problem is not None:
                    print(f"skipping postgresql: {options.postgres_url} unreachable ({problem})")
                    skipped[name] = problem
                    continue
                env["OKRS_DATABASE_URL"] = options.postgres_url
            print(f"== {name}: {sizes}", flush=True)
            report = _run_worker(name, env, data_dir, sizes, runs, name in ingest_on, options)
        finally:
            shutil.rmtree(data_dir, ignore_errors=True)
        if report is None:
            skipped[name] = "the benchmark failed, see the output above"
            failed = True
            continue
        reports[name] = report

    print()
    print(format_table(reports))
    for name, reason in skipped.items():
        print(f"{name}: skipped ({reason})")
    output = Path(options.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "quick": options.quick,
        "sizes": asdict(sizes),
        "databases": reports,
        "skipped": skipped,
    }
    output.write_text(json.dumps(document, indent=2) + "\n")
    print(f"wrote {output}")
    if failed:
        return 1
    if options.strict and not all(_passed(report) for report in reports.values()):
        return 1
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m okrs.bench.dora",
        description="Ingestion throughput and the cost of the five DORA metrics.",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes, fewer runs")
    parser.add_argument("--databases", default=",".join(DATABASES))
    parser.add_argument(
        "--ingest-on", default="postgresql", help="databases that run the ingestion part"
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("OKRS_BENCH_DORA_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="database to (re)fill; created when missing, emptied when the benchmark filled it",
    )
    parser.add_argument("--runs", type=int, default=0, help="timed runs per computation")
    parser.add_argument(
        "--events", type=int, default=0, help="events to ingest (default: 1,000,000; --quick 3,000)"
    )
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    parser.add_argument("--ingest", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--expect-database", help=argparse.SUPPRESS)
    return parser


def _run_worker(
    name: str,
    env: dict[str, str],
    data_dir: Path,
    sizes: DoraSizes,
    runs: int,
    ingest: bool,
    options: argparse.Namespace,
) -> dict[str, Any] | None:
    result_file = data_dir / "result.json"
    command = [
        sys.executable, "-m", "okrs.bench.dora", "--worker", name,
        "--result-file", str(result_file), "--sizes", json.dumps(asdict(sizes)),
        "--runs", str(runs), "--seed", str(options.seed),
        "--expect-database", _expected_database(env, data_dir),
    ]  # fmt: skip
    if ingest:
        command.append("--ingest")
    try:
        completed = subprocess.run(command, env=env, timeout=WORKER_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        print(f"{name}: gave up after {WORKER_TIMEOUT_SECONDS} s", file=sys.stderr)
        return None
    if completed.returncode != 0 or not result_file.exists():
        print(f"{name}: the worker exited with status {completed.returncode}", file=sys.stderr)
        return None
    report: dict[str, Any] = json.loads(result_file.read_text())
    return report


def _passed(report: dict[str, Any]) -> bool:
    ingestion = report.get("ingestion")
    if ingestion and ingestion["events_per_second"] < TARGET_EVENTS_PER_SECOND:
        return False
    return all(t["p95_ms"] < t["target_ms"] for t in report["timings"])


def format_table(reports: dict[str, Any]) -> str:
    lines = []
    for name, report in reports.items():
        ingestion = report.get("ingestion")
        if ingestion:
            verdict = (
                "PASS" if ingestion["events_per_second"] >= TARGET_EVENTS_PER_SECOND else "MISS"
            )
            lines.append(
                f"{name}  ingestion: {ingestion['events']} events ({ingestion['duplicates']} "
                f"redeliveries) in {ingestion['seconds']:.1f} s = "
                f"{ingestion['events_per_second']:.0f} events/s (target >= "
                f"{TARGET_EVENTS_PER_SECOND:.0f})  {verdict}"
            )
    header = (
        "database",
        "computation",
        "runs",
        "median ms",
        "p95 ms",
        "target ms",
        "queries",
        "result",
    )
    rows = [
        (
            name, t["name"], str(t["runs"]), f"{t['median_ms']:.1f}", f"{t['p95_ms']:.1f}",
            f"< {t['target_ms']:.0f}", str(t["queries"]),
            "PASS" if t["p95_ms"] < t["target_ms"] else "MISS",
        )
        for name, report in reports.items()
        for t in report["timings"]
    ]  # fmt: skip
    if rows:
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for index, row in enumerate([header, *rows]):
            lines.append(
                "  ".join(
                    c.ljust(w) if i < 2 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
            )
            if index == 0:
                lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# --- the worker ---------------------------------------------------------------------------------


def _worker(options: argparse.Namespace) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okrs.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from okrs.delivery.models import Service
    from okrs.org.models import Person, Team

    name: str = options.worker
    sizes = DoraSizes(**json.loads(options.sizes))
    actual = str(connection.settings_dict["NAME"])
    if options.expect_database and actual != options.expect_database:
        print(f"{name}: configured for {actual}, not {options.expect_database}", file=sys.stderr)
        return 1
    call_command("migrate", interactive=False, verbosity=0)
    foreign = (
        Person.objects.exists()
        or Team.objects.exclude(key__startswith=PREFIX).exists()
        or Service.objects.exclude(key__startswith=PREFIX).exists()
    )
    if foreign:
        print(f"{name}: {actual} holds data the benchmark did not write", file=sys.stderr)
        return 1
    call_command("flush", interactive=False, verbosity=0)

    report: dict[str, Any] = {"database": name, "vendor": connection.vendor}
    rng = random.Random(options.seed)
    if options.ingest:
        report["ingestion"] = ingest_events(sizes, rng)
        print(f"{name}: ingestion {report['ingestion']}", flush=True)
        call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    counts = generate_history(sizes, rng)
    report["generated"] = {**counts, "seconds": round(time.perf_counter() - started, 1)}
    print(f"{name}: generated {report['generated']}", flush=True)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    report["timings"] = time_metrics(options.runs)
    for t in report["timings"]:
        print(
            f"{name}: {t['name']}: median {t['median_ms']:.1f} ms, p95 {t['p95_ms']:.1f} ms",
            flush=True,
        )
    Path(options.result_file).write_text(json.dumps(report, indent=2))
    return 0


def _teams_and_services(count: int) -> list[Any]:
    from okrs.delivery.models import Service
    from okrs.org.models import Organisation, Team

    Organisation.current()
    root = Team.objects.create(
        key=f"{PREFIX}engineering", name="Engineering", timezone="Europe/London"
    )
    teams = [
        Team.objects.create(key=f"{PREFIX}team-{n}", name=f"Team {n}", parent=root)
        for n in range(max(1, count // 5))
    ]
    return list(
        Service.objects.bulk_create(
            Service(key=f"{PREFIX}service-{n}", name=f"Service {n}", team=teams[n % len(teams)])
            for n in range(count)
        )
    )


def ingest_events(sizes: DoraSizes, rng: random.Random) -> dict[str, Any]:
    """Sign and ingest `sizes.events` generic events; 5% are redeliveries of earlier ones."""
    import datetime as dt

    from okrs.delivery.ingest.services import ingest
    from okrs.delivery.models import RawEvent, WebhookSecret
    from okrs.delivery.signatures import generic_signature

    secret = "bench-secret-" + "x" * 20
    WebhookSecret.objects.create(provider="generic", secret=secret)
    services = [s.key for s in _teams_and_services(min(sizes.services, 120))]
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    sent: list[bytes] = []
    outcomes: dict[str, int] = {}
    duplicates = 0
    began = time.perf_counter()
    for n in range(sizes.events):
        if sent and rng.random() < 0.05:
            body = sent[rng.randrange(len(sent))]
            duplicates += 1
        else:
            body = json.dumps(_event(n, services, start, rng)).encode()
            sent.append(body)
        stamp = str(int(time.time()))
        headers = {
            "X-Okrs-Timestamp": stamp,
            "X-Okrs-Signature": generic_signature(secret, body, stamp),
        }
        result = ingest(provider="generic", headers=headers, body=body)
        outcome = str(result.outcome)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    seconds = time.perf_counter() - began
    stored = RawEvent.objects.count()
    if stored != len(sent) or outcomes.get("duplicate", 0) != duplicates:
        raise RuntimeError(
            f"deduplication failed: {stored} raw events for {len(sent)} distinct, {outcomes}"
        )
    return {
        "events": sizes.events,
        "duplicates": duplicates,
        "outcomes": outcomes,
        "seconds": round(seconds, 2),
        "events_per_second": round(sizes.events / seconds, 1),
    }


def _event(n: int, services: list[str], start: Any, rng: random.Random) -> dict[str, Any]:
    import datetime as dt

    service = services[n % len(services)]
    at = start + dt.timedelta(seconds=n * 30 + rng.randrange(30))
    kind = rng.random()
    if kind < 0.6:
        first = at - dt.timedelta(hours=rng.uniform(1, 120))
        return {
            "id": f"c{n}", "type": "change", "service": service, "commit": f"{n:040x}",
            "first_commit_at": first.isoformat(), "merged_at": at.isoformat(),
        }  # fmt: skip
    if kind < 0.95:
        return {
            "id": f"d{n}", "type": "deployment", "service": service, "environment": "production",
            "status": "success", "finished_at": at.isoformat(), "commit": f"{n:040x}",
        }  # fmt: skip
    return {
        "id": f"i{n}", "type": "incident", "service": service, "title": "Errors",
        "status": "resolved", "opened_at": at.isoformat(),
        "resolved_at": (at + dt.timedelta(hours=rng.uniform(0.2, 6))).isoformat(),
    }  # fmt: skip


def generate_history(sizes: DoraSizes, rng: random.Random) -> dict[str, int]:
    """A year of delivery for `sizes.services` services, written with bulk_create."""
    import datetime as dt

    from okrs.delivery.models import Change, Deployment, Incident

    services = _teams_and_services(sizes.services)
    end = dt.datetime(2026, 11, 27, tzinfo=dt.UTC)
    year = 365 * 86400
    # Rows are written in time order, as webhooks deliver them: a quarter's rows sit together
    # in the tables, as they do in production.
    moments = sorted(
        end - dt.timedelta(seconds=rng.randrange(year)) for _ in range(sizes.deployments)
    )
    staging = sorted(
        end - dt.timedelta(seconds=rng.randrange(year)) for _ in range(sizes.deployments // 10)
    )
    deployments = []
    for n, finished in enumerate(moments):
        remediation = "hotfix" if rng.random() < 0.02 else ""
        deployments.append(
            Deployment(
                provider="generic", external_id=f"{PREFIX}d{n}",
                service=services[rng.randrange(len(services))],
                environment="production", is_production=True, status="success",
                finished_at=finished, commit_sha=f"{n:040x}",
                is_remediation=bool(remediation), remediation_kind=remediation,
            )
        )  # fmt: skip
    # Failed and staging deployments exist too, and the queries must skip them.
    for n, finished in enumerate(staging):
        deployments.append(
            Deployment(
                provider="generic", external_id=f"{PREFIX}s{n}",
                service=services[n % len(services)], environment="staging",
                is_production=False, status="success", finished_at=finished,
            )
        )  # fmt: skip
    deployments.sort(key=lambda d: d.finished_at)
    created = Deployment.objects.bulk_create(deployments, batch_size=5000)
    production = [d for d in created if d.is_production]
    # Each deployment ships at least one change; the rest are spread at random.
    per_deployment = [1] * len(production)
    for _ in range(sizes.commits - len(production)):
        per_deployment[rng.randrange(len(production))] += 1
    changes: list[Change] = []
    for d, count in zip(production, per_deployment, strict=True):
        for _ in range(count):
            changes.append(
                Change(
                    service_id=d.service_id, commit_sha=f"{PREFIX}{len(changes):034x}",
                    first_commit_at=d.finished_at - dt.timedelta(hours=rng.lognormvariate(3, 1)),
                    deployment=d,
                )
            )  # fmt: skip
    Change.objects.bulk_create(changes, batch_size=5000)
    incidents = []
    for n in range(sizes.incidents):
        d = production[rng.randrange(len(production))]
        opened = d.finished_at + dt.timedelta(minutes=rng.uniform(5, 600))
        attributed = rng.random() < 0.8
        incidents.append(
            Incident(
                provider="generic", external_id=f"{PREFIX}i{n}", service_id=d.service_id,
                opened_at=opened,
                resolved_at=opened + dt.timedelta(hours=rng.lognormvariate(0.5, 1)),
                caused_by=d if attributed else None,
                attribution="explicit" if attributed else "none",
            )
        )  # fmt: skip
    Incident.objects.bulk_create(incidents, batch_size=5000)
    return {
        "services": len(services),
        "production_deployments": sizes.deployments,
        "other_deployments": len(created) - sizes.deployments,
        "commits": len(changes),
        "incidents": len(incidents),
    }


def time_metrics(runs: int) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from okrs.delivery.selectors import dora_report, parse_window, resolve_scope

    def compute(service: str | None) -> Callable[[], Any]:
        def call() -> Any:
            scope = resolve_scope(service=service)
            window = parse_window("2026-08-27", "2026-11-27", tz_name=scope.timezone)
            return dora_report(scope=scope, window=window)

        return call

    timings = []
    for name, call in (
        ("one service, a quarter", compute(f"{PREFIX}service-0")),
        ("organisation, a quarter", compute(None)),
    ):
        for _ in range(WARMUP_RUNS):
            call()
        samples = []
        for _ in range(runs):
            began = time.perf_counter()
            call()
            samples.append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as captured:
            result = call()
        timings.append(
            {
                "name": name,
                "runs": runs,
                "median_ms": round(statistics.median(samples), 2),
                "p95_ms": round(percentile(samples, 0.95), 2),
                "target_ms": TARGETS_MS[name],
                "queries": len(captured.captured_queries),
                "deployments": result.metrics.deployment_frequency.deployments,
                "changes": result.metrics.lead_time.samples,
            }
        )
    return timings


if __name__ == "__main__":
    raise SystemExit(main())
