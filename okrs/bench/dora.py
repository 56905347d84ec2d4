"""Benchmark of delivery events and DORA: ingestion throughput, then the five metrics' cost.

    python -m okrs.bench.dora [--quick] [--databases sqlite,postgresql] [--only ingestion]

1. Ingestion (PostgreSQL; add `--ingest-on sqlite,postgresql` for both): signed generic
   events (60% changes, 35% deployments, 5% incidents, and 5% redeliveries of earlier events)
   through `okrs.metrics.delivery.ingest.services.ingest`, the function behind POST
   /api/v1/events/generic: signature check, JSON parsing, the append-only raw event with
   deduplication, and the normalised rows with their links. Reports events per second from one
   process (target: 1,000 or more) and, measured in the same run in alternating blocks, the
   bare limit: the same rows written by plain INSERT statements, one transaction per event, on
   the same connection; their ratio holds on a noisy machine when the absolute figures do not.
   Then, on PostgreSQL, the same mix POSTed over HTTP to `okrs serve` with two web processes
   from several concurrent client threads: events per second, the PostgreSQL connections the
   servers held, and the ratio to the bare INSERTs from as many threads at once.
2. Computation: a year of history for 120 services (57,000 successful production deployments,
   140,000 commits, 4,300 incidents) written with bulk_create, then the five metrics, reads
   and scope resolution included, for one service over a quarter, the whole organisation over
   a quarter and the whole organisation over a year. Each is timed interleaved, run by run,
   with a hand-written *limit* statement on the same tables that gives the same answers (one
   SQL statement per measure; on SQLite the same statement with row_number() ranks, plus
   Python placing the whole weeks' finishes on local days, which SQLite cannot do); the two
   are checked to agree and the table shows both and the ratio okrs/limit. Targets: one
   service over a quarter p95 under 10 ms; the organisation over a year at most 1.5x the
   limit; the organisation over a quarter reports its ratio.

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
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from okrs.bench import harness
from okrs.bench.run import percentile

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


FULL = DoraSizes(events=100_000, services=120, deployments=57_000, commits=140_000, incidents=4_300)
QUICK = DoraSizes(events=3_000, services=12, deployments=5_700, commits=14_000, incidents=430)

TARGET_EVENTS_PER_SECOND = 1000.0
# Over HTTP, all of the full run would take long: this many events (all of them with --quick).
HTTP_EVENTS_FULL = 20_000
HTTP_CLIENTS = 8
# Per computation: ("ms", p95 under it), ("ratio", okrs's median at most that many times the
# limit statement's), or ("report", None): the ratio is shown, nothing is required.
TARGETS: dict[str, tuple[str, float | None]] = {
    "one service, a quarter": ("ms", 10.0),
    "organisation, a quarter": ("report", None),
    "organisation, a year": ("ratio", 1.5),
}


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

    def run(name: str, env: dict[str, str], data_dir: Path) -> dict[str, Any] | None:
        print(f"== {name}: {sizes}", flush=True)
        return _run_worker(name, env, data_dir, sizes, runs, name in ingest_on, options)

    outcome = harness.each_database(
        options.databases,
        choices=DATABASES,
        prefix="okrs-bench-dora",
        postgres_url=options.postgres_url,
        run=run,
        # A connection for each bare writer of the HTTP run, and one to spare.
        postgres_env={"OKRS_DATABASE_POOL_SIZE": str(max(8, options.http_clients + 1))},
    )
    if outcome is None:
        return 2
    reports = outcome.reports

    print()
    print(format_table(reports))
    outcome.print_skipped()
    document = {
        "quick": options.quick,
        "sizes": asdict(sizes),
        "databases": reports,
        "skipped": outcome.skipped,
    }
    harness.write_report(options.output, document)
    if outcome.failed:
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
        "--events", type=int, default=0, help="events to ingest (default: 100,000; --quick 3,000)"
    )
    parser.add_argument(
        "--only", choices=("all", "ingestion"), default="all", help="run only the ingestion part"
    )
    parser.add_argument(
        "--http-events",
        type=int,
        default=0,
        help=f"events POSTed over HTTP (default: {HTTP_EVENTS_FULL:,}; --quick: --events); "
        "0 with --no-http skips that run",
    )
    parser.add_argument("--no-http", action="store_true", help="skip the run over HTTP")
    parser.add_argument("--http-clients", type=int, default=HTTP_CLIENTS)
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--seed", type=int, default=1)
    harness.add_worker_arguments(parser)
    parser.add_argument("--ingest", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--http", type=int, default=0, help=argparse.SUPPRESS)
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
    arguments = ["--runs", str(runs), "--seed", str(options.seed)]
    if ingest:
        arguments.append("--ingest")
        if name == "postgresql" and not options.no_http:
            http_events = options.http_events or (
                sizes.events if options.quick else min(sizes.events, HTTP_EVENTS_FULL)
            )
            arguments += ["--http", str(http_events), "--http-clients", str(options.http_clients)]
    if options.only != "all":
        arguments += ["--only", options.only]
    return harness.run_worker(
        "okrs.bench.dora",
        name,
        env=env,
        data_dir=data_dir,
        sizes=asdict(sizes),
        arguments=arguments,
        timeout=WORKER_TIMEOUT_SECONDS,
    )


def _passed(report: dict[str, Any]) -> bool:
    ingestion = report.get("ingestion")
    if ingestion and ingestion["events_per_second"] < TARGET_EVENTS_PER_SECOND:
        return False
    return all(_met(t) is not False for t in report.get("timings", []))


def format_table(reports: dict[str, Any]) -> str:
    lines = []
    for name, report in reports.items():
        ingestion = report.get("ingestion")
        if ingestion:
            verdict = (
                "PASS" if ingestion["events_per_second"] >= TARGET_EVENTS_PER_SECOND else "MISS"
            )
            lines.append(
                f"{name}  ingestion, one process: {ingestion['events']} events "
                f"({ingestion['duplicates']} redeliveries) in {ingestion['seconds']:.1f} s = "
                f"{ingestion['events_per_second']:.0f} events/s (target >= "
                f"{TARGET_EVENTS_PER_SECOND:.0f})  {verdict}; bare INSERTs "
                f"{ingestion['bare_events_per_second']:.0f} events/s, ratio "
                f"{ingestion['ratio_to_bare']:.2f}"
            )
        http = report.get("ingestion_http")
        if http:
            lines.append(
                f"{name}  ingestion over HTTP: {http['events']} events from {http['clients']} "
                f"clients to {http['web_processes']} web processes in {http['seconds']:.1f} s = "
                f"{http['events_per_second']:.0f} events/s, {http['postgresql_connections_max']} "
                f"PostgreSQL connections at most; bare INSERTs from {http['clients']} threads "
                f"{http['bare_events_per_second']:.0f} events/s, ratio {http['ratio_to_bare']:.2f}"
            )
    header = (
        "database",
        "computation",
        "runs",
        "median ms",
        "p95 ms",
        "limit median",
        "limit p95",
        "okrs/limit",
        "target",
        "queries",
        "result",
    )
    verdicts = {True: "PASS", False: "MISS", None: "-"}
    rows = [
        (
            name, t["name"], str(t["runs"]), f"{t['median_ms']:.1f}", f"{t['p95_ms']:.1f}",
            f"{t['limit_median_ms']:.1f}", f"{t['limit_p95_ms']:.1f}", f"{t['ratio']:.2f}x",
            _target_text(t["target"]), str(t["queries"]), verdicts[_met(t)],
        )
        for name, report in reports.items()
        for t in report.get("timings", [])
    ]  # fmt: skip
    if rows:
        lines += harness.aligned_table(header, rows, left=2)
    return "\n".join(lines)


def _target_text(target: tuple[str, float | None]) -> str:
    kind, value = target
    if kind == "ms":
        return f"p95 < {value:.0f} ms"
    if kind == "ratio":
        return f"<= {value:.1f}x"
    return "reported"


# --- the worker ---------------------------------------------------------------------------------


def _worker(options: argparse.Namespace) -> int:
    name: str = options.worker
    actual = harness.open_worker_database(name, options.expect_database)
    if actual is None:
        return 1
    from django.core.management import call_command
    from django.db import connection

    from okrs.metrics.delivery.models import Service
    from okrs.org.models import Person, Team

    sizes = DoraSizes(**json.loads(options.sizes))
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
        if options.http:
            report["ingestion_http"] = ingest_over_http(
                sizes, rng, events=options.http, clients=options.http_clients
            )
            print(f"{name}: ingestion over HTTP {report['ingestion_http']}", flush=True)
            call_command("flush", interactive=False, verbosity=0)
    if options.only == "ingestion":
        Path(options.result_file).write_text(json.dumps(report, indent=2))
        return 0
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
            f"{name}: {t['name']}: median {t['median_ms']:.1f} ms, p95 {t['p95_ms']:.1f} ms; "
            f"limit median {t['limit_median_ms']:.1f} ms ({t['ratio']:.2f}x)",
            flush=True,
        )
    Path(options.result_file).write_text(json.dumps(report, indent=2))
    return 0


def _teams_and_services(count: int) -> list[Any]:
    from okrs.metrics.delivery.models import Service
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


# In-process ingestion and its bare limit alternate in blocks of this many events, so that both
# see the same load on a shared machine and their ratio holds when the absolute times do not.
INGEST_BLOCK = 500


@dataclass(frozen=True)
class Delivery:
    """One POST of the run: its body, and whether it repeats an earlier one (a redelivery)."""

    body: bytes
    redelivery: bool


def deliveries(count: int, services: list[str], rng: random.Random) -> list[Delivery]:
    """The benchmark's mix: 60% changes, 35% deployments, 5% incidents, and 5% of the
    deliveries redeliveries of earlier ones."""
    import datetime as dt

    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    sent: list[bytes] = []
    made = []
    for n in range(count):
        if sent and rng.random() < 0.05:
            made.append(Delivery(sent[rng.randrange(len(sent))], redelivery=True))
        else:
            body = json.dumps(_event(n, services, start, rng)).encode()
            sent.append(body)
            made.append(Delivery(body, redelivery=False))
    return made


def _signed(secret: str, body: bytes) -> dict[str, str]:
    from okrs.metrics.delivery.signatures import generic_signature

    stamp = str(int(time.time()))
    return {
        "X-Okrs-Timestamp": stamp,
        "X-Okrs-Signature": generic_signature(secret, body, stamp),
        "Content-Type": "application/json",
    }


def _bench_secret() -> str:
    from okrs.metrics.delivery.models import WebhookSecret

    secret = "bench-secret-" + "x" * 20
    WebhookSecret.objects.create(provider="generic", secret=secret)
    return secret


def ingest_events(sizes: DoraSizes, rng: random.Random) -> dict[str, Any]:
    """Sign and ingest `sizes.events` generic events in this process, one after another, and
    the same rows written by bare INSERTs (the limit), alternating in blocks."""
    from okrs.metrics.delivery.ingest.services import ingest
    from okrs.metrics.delivery.models import RawEvent

    secret = _bench_secret()
    services = [s.key for s in _teams_and_services(min(sizes.services, 120))]
    bare = BareLimit(min(sizes.services, 120))
    run = deliveries(sizes.events, services, rng)
    outcomes: dict[str, int] = {}
    seconds = bare_seconds = 0.0
    for first in range(0, len(run), INGEST_BLOCK):
        block = run[first : first + INGEST_BLOCK]
        began = time.perf_counter()
        for delivery in block:
            headers = _signed(secret, delivery.body)
            result = ingest(provider="generic", headers=headers, body=delivery.body)
            outcome = str(result.outcome)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        seconds += time.perf_counter() - began
        bare_seconds += bare.write(block)
    distinct = sum(1 for d in run if not d.redelivery)
    duplicates = len(run) - distinct
    stored = RawEvent.objects.exclude(delivery_id__startswith=BareLimit.PREFIX).count()
    if stored != distinct or outcomes.get("duplicate", 0) != duplicates:
        raise RuntimeError(
            f"deduplication failed: {stored} raw events for {distinct} distinct, {outcomes}"
        )
    return {
        "events": sizes.events,
        "duplicates": duplicates,
        "outcomes": outcomes,
        "seconds": round(seconds, 2),
        "events_per_second": round(sizes.events / seconds, 1),
        "bare_seconds": round(bare_seconds, 2),
        "bare_events_per_second": round(sizes.events / bare_seconds, 1),
        "ratio_to_bare": round(bare_seconds / seconds, 3),
    }


class BareLimit:
    """The database's floor for the same deliveries: each event's rows (the raw event, and its
    change, deployment or incident) written by plain INSERT statements, one transaction per
    event, on this thread's connection; a redelivery is the raw INSERT finding its conflict.
    No signature, no parsing, no links: what any ingestion must at least pay per event. The rows
    belong to services of their own, so they never meet the measured ingestion's rows."""

    PREFIX = "bare-"

    def __init__(self, services: int) -> None:
        from okrs.metrics.delivery.models import Service

        # The same services for every thread of a concurrent run (get_or_create is not
        # needed: one BareLimit per run creates them, threads share it).
        made = Service.objects.bulk_create(
            Service(key=f"{PREFIX}{self.PREFIX}{n}", name=f"Bare {n}") for n in range(services)
        )
        self.service_ids = {f"{PREFIX}service-{n}": s.pk for n, s in enumerate(made)}

    def write(self, block: list[Delivery]) -> float:
        """Write the block's rows; the seconds it took."""
        from django.db import connection, transaction

        insert_raw = _BARE_RAW[connection.vendor == "postgresql"]
        rows = [(delivery, json.loads(delivery.body)) for delivery in block]
        now = connection.ops.adapt_datetimefield_value(_now())
        began = time.perf_counter()
        for delivery, event in rows:
            service_id = self.service_ids[event["service"]]
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    insert_raw,
                    [
                        event["type"],
                        self.PREFIX + event["id"],
                        now,
                        delivery.body.decode(),
                        service_id,
                    ],
                )
                raw = cursor.fetchone()
                if raw is not None:
                    _bare_row(cursor, event, service_id, raw[0])
        return time.perf_counter() - began


_BARE_RAW_INSERT = (
    "INSERT INTO delivery_rawevent (provider, event_type, delivery_id, received_at, "
    "payload, outcome, detail, service_id) VALUES ('generic', %s, %s, %s, %s, "
    "'normalised', '', %s) ON CONFLICT (provider, delivery_id) DO NOTHING RETURNING id"
)
# jsonb needs the text cast (keyed by "is PostgreSQL").
_BARE_RAW = {
    True: _BARE_RAW_INSERT.replace("%s, %s, %s, %s, '", "%s, %s, %s, CAST(%s AS jsonb), '"),
    False: _BARE_RAW_INSERT,
}


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()


def _bare_row(cursor: Any, event: dict[str, Any], service_id: int, raw_id: int) -> None:
    key = BareLimit.PREFIX + event["id"]
    if event["type"] == "change":
        cursor.execute(
            "INSERT INTO delivery_change (service_id, commit_sha, first_commit_at, merged_at, "
            "pull_request, remediation_kind, raw_event_id) VALUES (%s, %s, %s, %s, NULL, '', %s)",
            [service_id, event["commit"], event["first_commit_at"], event["merged_at"], raw_id],
        )
    elif event["type"] == "deployment":
        cursor.execute(
            "INSERT INTO delivery_deployment (provider, external_id, service_id, environment, "
            "is_production, status, finished_at, commit_sha, ref, is_remediation, "
            "remediation_kind, raw_event_id) VALUES ('generic', %s, %s, %s, %s, %s, %s, %s, '', "
            "%s, '', %s)",
            [key, service_id, "production", True, "success", event["finished_at"],
             event["commit"], False, raw_id],
        )  # fmt: skip
    else:
        cursor.execute(
            "INSERT INTO delivery_incident (provider, external_id, service_id, title, opened_at, "
            "resolved_at, caused_by_ref, raw_event_id, attribution) VALUES ('generic', %s, %s, "
            "%s, %s, %s, '', %s, 'none')",
            [key, service_id, event["title"], event["opened_at"], event["resolved_at"], raw_id],
        )


# --- ingestion over HTTP: `okrs serve` with two web processes, concurrent senders -------------

HTTP_WEB_PROCESSES = 2
HTTP_SERVE_THREADS = 4
HTTP_READY_SECONDS = 60


def ingest_over_http(
    sizes: DoraSizes, rng: random.Random, *, events: int, clients: int
) -> dict[str, Any]:
    """POST `events` signed generic events to `okrs serve` (gunicorn, two web processes) from
    `clients` concurrent threads over keep-alive connections on 127.0.0.1, then check that
    every distinct event is stored once and each redelivery was answered as a duplicate.
    Reports events/s, the PostgreSQL connections the servers held (sampled every 50 ms), and
    the ratio to the same rows written by bare INSERTs from as many threads (BareLimit)."""
    import queue
    import threading

    from django.db import connection, connections

    from okrs.bench.processes import free_port
    from okrs.metrics.delivery.models import RawEvent

    secret = _bench_secret()
    services = [s.key for s in _teams_and_services(min(sizes.services, 120))]
    run = deliveries(events, services, rng)
    port = free_port()
    env = {
        **os.environ,
        "OKRS_ALLOWED_HOSTS": "127.0.0.1",
        "OKRS_BASE_URL": f"http://127.0.0.1:{port}",
    }
    command = [
        sys.executable, "-m", "okrs", "serve", "--no-worker", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(HTTP_WEB_PROCESSES),
        "--threads", str(HTTP_SERVE_THREADS),
    ]  # fmt: skip
    log = Path(tempfile.mkstemp(prefix="okrs-bench-dora-serve-", suffix=".log")[1])
    with log.open("wb") as handle:
        server = subprocess.Popen(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_for_server(port, server, log)
        pending: queue.SimpleQueue[Delivery | None] = queue.SimpleQueue()
        for delivery in run:
            pending.put(delivery)
        for _ in range(clients):
            pending.put(None)
        answers: list[dict[str, int]] = [{} for _ in range(clients)]
        watching = threading.Event()
        sampled = _ConnectionSampler(str(connection.settings_dict["NAME"]), watching)
        sampler = threading.Thread(target=sampled.run, daemon=True)
        sampler.start()
        threads = [
            threading.Thread(target=_post_all, args=(port, secret, pending, answers[n]))
            for n in range(clients)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds = time.perf_counter() - began
        watching.set()
        sampler.join()
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=30)
    statuses: dict[str, int] = {}
    for answer in answers:
        for key, count in answer.items():
            statuses[key] = statuses.get(key, 0) + count
    distinct = sum(1 for d in run if not d.redelivery)
    duplicates = len(run) - distinct
    stored = RawEvent.objects.exclude(delivery_id__startswith=BareLimit.PREFIX).count()
    if stored != distinct or statuses.get("duplicate", 0) != duplicates:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
        raise RuntimeError(
            f"over HTTP: {stored} raw events for {distinct} distinct, answers {statuses}\n{tail}"
        )
    log.unlink(missing_ok=True)
    bare_seconds = _bare_concurrently(BareLimit(min(sizes.services, 120)), run, clients)
    connections.close_all()
    return {
        "events": events,
        "duplicates": duplicates,
        "answers": statuses,
        "clients": clients,
        "web_processes": HTTP_WEB_PROCESSES,
        "threads_per_process": HTTP_SERVE_THREADS,
        "seconds": round(seconds, 2),
        "events_per_second": round(events / seconds, 1),
        "postgresql_connections_max": sampled.most,
        "bare_seconds": round(bare_seconds, 2),
        "bare_events_per_second": round(events / bare_seconds, 1),
        "ratio_to_bare": round(bare_seconds / seconds, 3),
    }


def _wait_for_server(port: int, server: subprocess.Popen[bytes], log: Path) -> None:
    import urllib.request

    deadline = time.monotonic() + HTTP_READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-20:])
            raise RuntimeError(f"okrs serve exited with {server.returncode}:\n{tail}")
        try:
            url = f"http://127.0.0.1:{port}/api/v1/openapi.json"
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"okrs serve did not answer within {HTTP_READY_SECONDS} s")


def _post_all(port: int, secret: str, pending: Any, answers: dict[str, int]) -> None:
    """One sender: POST deliveries from the queue over one keep-alive connection, signing
    each as it goes; counts the answers (outcome, or the HTTP status when refused)."""
    import http.client

    client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        while (delivery := pending.get()) is not None:
            headers = _signed(secret, delivery.body)
            client.request("POST", "/api/v1/events/generic", delivery.body, headers)
            response = client.getresponse()
            answer = response.read()
            key = str(response.status)
            if response.status in (200, 202):
                key = str(json.loads(answer)["outcome"])
            answers[key] = answers.get(key, 0) + 1
    finally:
        client.close()


class _ConnectionSampler:
    """The most client connections to the benchmark database seen at once, its own excluded."""

    def __init__(self, database: str, stop: Any) -> None:
        self.database, self.stop, self.most = database, stop, 0

    def run(self) -> None:
        from django.db import connection

        try:
            while not self.stop.wait(0.05):
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
                        "AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
                        [self.database],
                    )
                    row = cursor.fetchone()
                self.most = max(self.most, int(row[0]) if row else 0)
        finally:
            connection.close()


def _bare_concurrently(bare: BareLimit, run: list[Delivery], clients: int) -> float:
    """BareLimit's rows for `run`, written by `clients` threads (a connection each) at once."""
    import threading

    from django.db import connection

    shares = [run[n::clients] for n in range(clients)]
    failures: list[BaseException] = []

    def write(share: list[Delivery]) -> None:
        try:
            bare.write(share)
        except BaseException as exc:  # a share not written would flatter the limit
            failures.append(exc)
        finally:
            connection.close()

    # This thread's connection goes back to the pool first: with it held, one writer would
    # wait for a connection the pool could not give and time out.
    connection.close()
    threads = [threading.Thread(target=write, args=(share,)) for share in shares]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} of {clients} bare writers failed") from failures[0]
    return time.perf_counter() - began


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

    from okrs.metrics.delivery.models import Change, Deployment, Incident

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


# The limit: one hand-written statement per measure on okrs's own tables, for one scope and
# window, giving the five metrics' inputs with nothing general about it (no measures to join,
# no Python beyond turning its one row into Metrics). The history names no remediation's
# target, so of the remediation rules only the open incident's and the previous deployment's
# apply. On SQLite, which has neither
# percentile_disc nor time zones, the bare minimum is the same statement with row_number()
# ranks for the order statistics, plus Python placing the whole weeks' finishes on local days.
_LIMIT = """
WITH d AS MATERIALIZED (
    SELECT id, service_id, finished_at, {f} AS f,
           (is_remediation OR remediation_kind <> '') AS rem,
           LEAD(is_remediation OR remediation_kind <> '') OVER w AS next_rem,
           LEAD({f}) OVER w AS next_f
    FROM delivery_deployment
    WHERE is_production AND status = 'success'
      AND finished_at >= %(start)s AND finished_at < %(reach_end)s {service}
    WINDOW w AS (PARTITION BY service_id ORDER BY finished_at, id)
),
inw AS MATERIALIZED (SELECT * FROM d WHERE finished_at < %(end)s),
inc AS MATERIALIZED (
    SELECT i.caused_by_id AS dep,
           CASE WHEN i.resolved_at IS NULL THEN NULL
                ELSE {greatest}(0.0, {resolved} - {greatest}(inw.f, {opened})) END AS rec
    FROM delivery_incident i JOIN inw ON inw.id = i.caused_by_id
),
fail AS MATERIALIZED (
    SELECT dep, rec FROM inc
    UNION ALL
    SELECT id, next_f - f FROM inw
    WHERE next_rem AND next_f - f <= 604800.0 AND id NOT IN (SELECT dep FROM inc)
      AND NOT EXISTS (
          SELECT 1 FROM delivery_incident i
          WHERE i.service_id = inw.service_id AND {opened} <= inw.next_f
            AND (i.resolved_at IS NULL OR {resolved} >= inw.next_f - 3600.0)
      )
),
leads AS MATERIALIZED (
    SELECT CASE WHEN {lead} > 0 THEN {lead} ELSE 0.0 END AS lead
    FROM delivery_change c JOIN inw ON inw.id = c.deployment_id
)
{select}
"""
_LIMIT_PG_SELECT = """
SELECT (SELECT count(*) FROM inw), (SELECT count(*) FILTER (WHERE rem) FROM inw),
       (SELECT count(DISTINCT dep) FROM fail), (SELECT count(*) FROM fail),
       (SELECT count(rec) FROM fail),
       (SELECT percentile_disc(ARRAY[0.5, 0.500000001, 0.9]) WITHIN GROUP (ORDER BY rec) FROM fail),
       (SELECT count(*) FROM leads),
       (SELECT percentile_disc(ARRAY[0.5, 0.500000001, 0.9]) WITHIN GROUP (ORDER BY lead)
        FROM leads),
       (SELECT array_agg(n) FROM (
            SELECT count(DISTINCT CAST(finished_at AT TIME ZONE %(tz)s AS date)) AS n FROM inw
            WHERE f >= %(weeks_start)s AND f < %(weeks_end)s
            GROUP BY date_trunc('week', finished_at AT TIME ZONE %(tz)s)) weeks)
"""
_LIMIT_SQLITE_SELECT = """,
ranked AS (
    SELECT 'lead' AS kind, lead AS v, row_number() OVER (ORDER BY lead) AS r,
           count(*) OVER () AS n FROM leads
    UNION ALL
    SELECT 'rec', rec, row_number() OVER (ORDER BY rec), count(*) OVER ()
    FROM fail WHERE rec IS NOT NULL
)
SELECT 'counts', (SELECT count(*) FROM inw), (SELECT count(*) FILTER (WHERE rem) FROM inw),
       (SELECT count(DISTINCT dep) FROM fail), (SELECT count(*) FROM fail),
       (SELECT count(rec) FROM fail)
UNION ALL
SELECT kind, r, n, v, NULL, NULL FROM ranked WHERE r IN ((n + 1) / 2, n / 2 + 1, (9 * n + 9) / 10)
UNION ALL
SELECT 'finish', f, NULL, NULL, NULL, NULL FROM inw
WHERE f >= %(weeks_start)s AND f < %(weeks_end)s
"""


def limit_metrics(service_ids: Sequence[int] | None, window: Any, tz_name: str) -> Any:
    """The five metrics of one scope from the limit statement (see `_LIMIT`)."""
    import datetime as dt

    from django.db import connection

    from okrs.metrics.delivery import dora, dora_database

    vendor = connection.vendor
    epoch, between = dora_database.epoch_sql, dora_database.seconds_between_sql
    weeks = dora.whole_weeks(window, tz_name)

    def at(seconds: float) -> Any:
        instant = dt.datetime.fromtimestamp(seconds, dt.UTC)
        return connection.ops.adapt_datetimefield_value(instant)

    params: dict[str, Any] = {
        "start": at(window.start),
        "end": at(window.end),
        "reach_end": at(window.end + dora.REMEDIATION_REACH),
        "tz": tz_name,
        "weeks_start": weeks[0].start if weeks else 0.0,
        "weeks_end": weeks[-1].end if weeks else 0.0,
    }
    service = ""
    if service_ids is not None:
        service = "AND service_id IN (" + ", ".join(str(int(s)) for s in service_ids) + ")"
    sql = _LIMIT.format(
        f=epoch("finished_at", vendor),
        service=service,
        greatest="GREATEST" if vendor == "postgresql" else "max",
        resolved=epoch("i.resolved_at", vendor),
        opened=epoch("i.opened_at", vendor),
        lead=between("inw.finished_at", "c.first_commit_at", vendor),
        select=_LIMIT_PG_SELECT if vendor == "postgresql" else _LIMIT_SQLITE_SELECT,
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if vendor == "postgresql":
        (deploys, rework, failed, failures, resolved, rec, changes, leads, days) = rows[0]
        aggregates = dora.Aggregates(
            deploys, rework, failed, failures, failures - resolved,
            dora_database.picked(changes, leads),
            dora_database.picked(resolved, rec),
            days or (),
        )  # fmt: skip
    else:
        counts = next(row[1:] for row in rows if row[0] == "counts")
        picks: dict[str, dict[int, float]] = {"lead": {}, "rec": {}}
        sizes = {"lead": 0, "rec": 0}
        finishes = []
        for kind, a, b, c, _, _ in rows:
            if kind in picks:
                picks[kind][a] = c
                sizes[kind] = b
            elif kind == "finish":
                finishes.append(a)

        def picked(kind: str) -> Any:
            n, by_rank = sizes[kind], picks[kind]
            if not n:
                return dora.NO_SAMPLE
            return dora.OrderStatistics(
                n, by_rank[(n + 1) // 2], by_rank[n // 2 + 1], by_rank[(9 * n + 9) // 10]
            )

        deploys, rework, failed, failures, resolved = counts
        aggregates = dora.Aggregates(
            deploys, rework, failed, failures, failures - resolved, picked("lead"),
            picked("rec"), dora_database.deploy_days(finishes, weeks, tz_name),
        )  # fmt: skip
    return dora.metrics_from_aggregates(aggregates, window, len(weeks))


MEASURES = (
    # (name, service key or None for the organisation, from, to)
    ("one service, a quarter", f"{PREFIX}service-0", "2026-08-27", "2026-11-27"),
    ("organisation, a quarter", None, "2026-08-27", "2026-11-27"),
    ("organisation, a year", None, "2025-11-27", "2026-11-27"),
)


def time_metrics(runs: int) -> list[dict[str, Any]]:
    """okrs's report and the limit statement, interleaved run by run in this process, so both
    see the same cache and the same neighbours; each checked to give the same answers."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from okrs.metrics.delivery.selectors import dora_report, parse_window, resolve_scope

    timings = []
    for name, service, start, end in MEASURES:

        def okrs(service: str | None = service, start: str = start, end: str = end) -> Any:
            scope = resolve_scope(service=service)
            window = parse_window(start, end, tz_name=scope.timezone)
            return dora_report(scope=scope, window=window)

        scope = resolve_scope(service=service)
        window = parse_window(start, end, tz_name=scope.timezone)
        ids = None if service is None else list(scope.services)

        def limit(
            ids: list[int] | None = ids, window: Any = window, tz: str = scope.timezone
        ) -> Any:
            return limit_metrics(ids, window, tz)

        for _ in range(WARMUP_RUNS):
            okrs()
            limit()
        samples: list[float] = []
        limit_samples: list[float] = []
        for _ in range(runs):
            for call, into in ((okrs, samples), (limit, limit_samples)):
                began = time.perf_counter()
                call()
                into.append((time.perf_counter() - began) * 1000)
        with CaptureQueriesContext(connection) as captured:
            result = okrs()
        expected = limit()
        if result.metrics != expected:
            raise RuntimeError(f"{name}: okrs {result.metrics} but the limit {expected}")
        median_ms = statistics.median(samples)
        limit_median = statistics.median(limit_samples)
        timings.append(
            {
                "name": name,
                "runs": runs,
                "median_ms": round(median_ms, 2),
                "p95_ms": round(percentile(samples, 0.95), 2),
                "limit_median_ms": round(limit_median, 2),
                "limit_p95_ms": round(percentile(limit_samples, 0.95), 2),
                "ratio": round(median_ms / limit_median, 2),
                "target": TARGETS[name],
                "queries": len(captured.captured_queries),
                "deployments": result.metrics.deployment_frequency.deployments,
                "changes": result.metrics.lead_time.samples,
                "same_answers": True,
            }
        )
    return timings


def _met(timing: dict[str, Any]) -> bool | None:
    """Whether a timing meets its target; None when it has none (reported only)."""
    kind, value = timing["target"]
    if kind == "ms":
        return bool(timing["p95_ms"] < value)
    if kind == "ratio":
        return bool(timing["ratio"] <= value)
    return None


if __name__ == "__main__":
    raise SystemExit(main())
