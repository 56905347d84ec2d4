"""Load benchmark: many users at once against real `okrs serve` processes, over HTTP.

    python -m okrs.bench.load [--mode scaled|embedded|both] [--org demo|large|both]
        [--users 50] [--seconds 60] [--quick] [--serve-args "..."]

Each run starts okrs as an administrator would, in a deployment of its own:

- **scaled out**: two web processes `okrs serve --no-worker --host 127.0.0.1 --port P` and one
  `okrs worker`, on a fresh PostgreSQL database okrs_load_<pid>_<org> (created on the server of
  --postgres-url, dropped afterwards) and Redis (--redis-url, its own db number), with one
  OKRS_SECRET_KEY shared by every process. The load goes to the two processes round-robin, as a
  load balancer would.
- **embedded**: one `okrs serve` on SQLite (and its in-process worker) in a fresh OKRS_DATA_DIR.

on the demo organisation (`okrs demo`) or the large one (okrs.bench.generate, the sizes of
okrs.bench.sizes; --quick: the small sizes, 10 users, 10 s). --serve-args is appended to every
`okrs serve` command line as it is, so that serving stacks can be compared on the same load
(e.g. --serve-args "--workers 3"); everything else in the caller's environment
(OKRS_DATABASE_POOL_SIZE...) is passed through, except the settings that say where the data
lives, which point at the run's own database, queue and data dir.

The load: --users closed-loop users for --seconds (each sends its next request as soon as the
last is answered, with no think time), from one asyncio process over raw HTTP/1.1 keep-alive
connections on loopback (okrs.bench.loadgen), at most --max-requests in all. The mix, as a
share of requests (MIX below): 70% API reads with a bearer token of the organisation's admin
(dashboard 15, alignment 10, objectives 10, one objective 15, one key result 15, cycles 5),
15% pages with a session signed in through the real sign-in form (dashboard 8, alignment 7),
15% check-ins (POST /api/v1/key-results/{ref}/check-ins, note "load <n>", on key results of the
running cycle, which the admin may check in on). Before the clock starts each process answers
every read route once (imports, templates and caches warm; not counted).

It prints requests per second; per route and overall the p50/p95/p99 (nearest rank, over the
requests that got an answer); errors by status, and connection errors and timeouts apart;
the database connections (scaled out: the benchmark database's rows in pg_stat_activity;
embedded: the server's open handles on okrs.sqlite3), sampled every 0.5 s, at the peak during
the load and 5 s after it; the load generator's own CPU use, the servers' and the machine's;
and it checks that the check-ins stored (rows with the benchmark's note created since the load
began) equal the check-ins answered 2xx, one row per answer.

The targets (demo organisation, scaled out, on a 2-core machine): 0 errors, p99 under 500 ms,
at least 100 requests per second, each printed MET or MISS. A benchmark reports: the exit
status is 1 only when a check-in was lost or doubled, when a request failed (an unexpected
status, a connection error, a timeout) or a run could not be set up, never for a missed
latency or throughput target. The results go to var/bench/load.json and the servers' logs to
var/bench/load-logs/.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import closing, suppress
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

from okrs.bench.harness import aligned_table, write_report
from okrs.bench.loadgen import Answer, Connection, Load, Outcome, Request
from okrs.bench.processes import free_port
from okrs.bench.run import percentile
from okrs.bench.sizes import FULL, QUICK, Sizes

DEFAULT_OUTPUT = Path("var/bench/load.json")
DEFAULT_LOGS = Path("var/bench/load-logs")
# The server whose maintenance database the benchmark connects to, to create its own.
DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
MODES = ("scaled", "embedded")
ORGS = ("demo", "large")
DEMO_ADMIN = "ceo@acme.test"  # okrs.demo.load; imported from there it would need Django set up
DEMO_PASSWORD = "okrs-demo"  # noqa: S105  (printed by `okrs serve` for everyone to try)
NOTE_PREFIX = "load "

# Share of the requests per route, in percent: 70 API reads, 15 pages, 15 check-in writes.
MIX = {
    "dashboard": 15,
    "alignment": 10,
    "objectives": 10,
    "objective": 15,
    "key result": 15,
    "cycles": 5,
    "dashboard page": 8,
    "alignment page": 7,
    "check-in": 15,
}
# Paths as reported, for the table's readers.
ROUTE_PATHS = {
    "dashboard": "GET /api/v1/dashboard",
    "alignment": "GET /api/v1/alignment",
    "objectives": "GET /api/v1/objectives",
    "objective": "GET /api/v1/objectives/{key}",
    "key result": "GET /api/v1/key-results/{ref}",
    "cycles": "GET /api/v1/cycles",
    "dashboard page": "GET / (session)",
    "alignment page": "GET /alignment/ (session)",
    "check-in": "POST /api/v1/key-results/{ref}/check-ins",
}
# Demo organisation, scaled out.
TARGET_P99_MS = 500.0
TARGET_REQUESTS_PER_SECOND = 100.0

SAMPLE_EVERY_SECONDS = 0.5
AFTER_LOAD_SECONDS = 5.0
# Sessions signed in through the form, shared by the users: allauth allows 30 sign-ins a
# minute from one address, and a sign-in is an Argon2 hash, which is not what is measured.
SESSIONS = 4
READY_TIMEOUT_SECONDS = 120
COMMAND_TIMEOUT_SECONDS = 1800
STOP_TIMEOUT_SECONDS = 20


class SetupFailed(Exception):
    """A run could not be started; the message says which step and why."""


@dataclass(frozen=True)
class Scenario:
    """One run: a deployment, an organisation and a load."""

    mode: str
    org: str
    users: int
    seconds: float
    max_requests: int
    sizes: Sizes = QUICK
    serve_args: tuple[str, ...] = ()
    postgres_url: str = DEFAULT_POSTGRES_URL
    redis_url: str = DEFAULT_REDIS_URL
    timeout: float = 30.0
    seed: int = 1
    logs: Path = DEFAULT_LOGS
    # How long the connections are watched after the load, for the "after" count.
    after_seconds: float = AFTER_LOAD_SECONDS

    @property
    def label(self) -> str:
        return f"{'scaled out' if self.mode == 'scaled' else 'embedded'}, {self.org} organisation"

    @property
    def has_targets(self) -> bool:
        return self.mode == "scaled" and self.org == "demo"


@dataclass(frozen=True)
class RouteFigures:
    route: str
    requests: int
    per_second: float
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    errors: int


@dataclass(frozen=True)
class CheckInCount:
    """The check-ins answered 2xx against the rows stored with the benchmark's notes."""

    answered: int
    stored: int
    lost: int  # answered 2xx, no row
    doubled: int  # rows beyond the first for one note
    without_answer: int  # a row whose request got no 2xx (a timeout, a 500 after the commit)

    @property
    def ok(self) -> bool:
        return self.stored == self.answered and self.lost == 0 and self.doubled == 0


@dataclass(frozen=True)
class Connections:
    """Database connections sampled during and after the load."""

    what: str
    before: int | None
    peak: int | None
    peak_detail: dict[str, int]
    after: int | None
    after_detail: dict[str, int]
    after_seconds: float
    samples: list[tuple[float, int]]


@dataclass
class RunResult:
    scenario: Scenario
    processes: list[str] = field(default_factory=list)
    requests: int = 0
    by_process: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    routes: list[RouteFigures] = field(default_factory=list)
    errors_by_status: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    checkins: CheckInCount | None = None
    connections: Connections | None = None
    cpu: dict[str, Any] = field(default_factory=dict)
    log_errors: list[tuple[str, int]] = field(default_factory=list)
    setup_error: str | None = None

    @property
    def errors(self) -> int:
        return sum(sum(by_route.values()) for by_route in self.errors_by_status.values()) + sum(
            self.failures.values()
        )

    @property
    def overall(self) -> RouteFigures | None:
        return self.routes[-1] if self.routes else None

    @property
    def failed(self) -> bool:
        """Exit status material: a broken run, a failed request or a lost or doubled check-in."""
        return (
            self.setup_error is not None
            or self.errors > 0
            or self.checkins is None
            or not self.checkins.ok
        )

    def targets(self) -> list[tuple[str, bool, str]]:
        overall = self.overall
        if overall is None:
            return []
        p99 = overall.p99_ms if overall.p99_ms is not None else float("inf")
        return [
            ("0 errors", self.errors == 0, str(self.errors)),
            (f"p99 < {TARGET_P99_MS:.0f} ms", p99 < TARGET_P99_MS, f"{p99:.0f} ms"),
            (
                f">= {TARGET_REQUESTS_PER_SECOND:.0f} requests/s",
                overall.per_second >= TARGET_REQUESTS_PER_SECOND,
                f"{overall.per_second:.1f}/s",
            ),
        ]

    def as_dict(self) -> dict[str, Any]:
        scenario = asdict(self.scenario)
        scenario["logs"] = str(self.scenario.logs)
        return {
            "scenario": scenario,
            "processes": self.processes,
            "requests": self.requests,
            "requests_by_process": self.by_process,
            "elapsed_seconds": round(self.elapsed_seconds, 2),
            "errors": self.errors,
            "routes": [asdict(r) for r in self.routes],
            "errors_by_status": self.errors_by_status,
            "failures": self.failures,
            "checkins": {**asdict(self.checkins), "ok": self.checkins.ok}
            if self.checkins
            else None,
            "connections": asdict(self.connections) if self.connections else None,
            "cpu": self.cpu,
            "log_errors": self.log_errors,
            "targets": [
                {"target": name, "result": "MET" if met else "MISS", "measured": measured}
                for name, met, measured in self.targets()
            ]
            if self.scenario.has_targets
            else [],
            "setup_error": self.setup_error,
            "failed": self.failed,
        }


# --- the command -------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    options = _parser().parse_args(argv)
    if options.generate:
        return _generate(options)
    modes = MODES if options.mode == "both" else (options.mode,)
    orgs = ORGS if options.org == "both" else (options.org,)
    users = options.users or (10 if options.quick else 50)
    seconds = options.seconds or (10.0 if options.quick else 60.0)
    template = Scenario(
        mode=modes[0],
        org=orgs[0],
        users=users,
        seconds=seconds,
        max_requests=options.max_requests,
        sizes=QUICK if options.quick else FULL,
        serve_args=tuple(shlex.split(options.serve_args)),
        postgres_url=options.postgres_url,
        redis_url=options.redis_url,
        timeout=options.timeout,
        seed=options.seed,
        logs=Path(options.logs),
    )
    results: list[RunResult] = []
    skipped: dict[str, str] = {}
    for org in orgs:
        for mode in modes:
            scenario = replace(template, mode=mode, org=org)
            if mode == "scaled":
                problem = services_problem(scenario)
                if problem is not None:
                    print(f"skipping {scenario.label}: {problem}", flush=True)
                    skipped[scenario.label] = problem
                    continue
            print(f"== {scenario.label}: {describe_load(scenario)}", flush=True)
            result = run_scenario(scenario, progress=print)
            print(format_result(result), flush=True)
            results.append(result)
    if len(results) > 1:
        print()
        print(format_summary(results))
    document = {
        "quick": options.quick,
        "mix_percent": MIX,
        "think_time_seconds": 0,
        "host": {"cpus": os.cpu_count(), "loadavg_at_end": _loadavg()},
        "skipped": skipped,
        "runs": [r.as_dict() for r in results],
    }
    write_report(options.output, document)
    return 1 if any(r.failed for r in results) else 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m okrs.bench.load",
        description="Load real okrs processes with concurrent users; report throughput, "
        "latency, errors, database connections and the check-ins stored.",
    )
    parser.add_argument("--mode", choices=[*MODES, "both"], default="both")
    parser.add_argument("--org", choices=[*ORGS, "both"], default="both")
    parser.add_argument("--users", type=int, default=0, help="concurrent users (default 50)")
    parser.add_argument("--seconds", type=float, default=0, help="length of the load (60)")
    parser.add_argument(
        "--max-requests", type=int, default=200_000, help="stop after this many requests"
    )
    parser.add_argument("--quick", action="store_true", help="10 users, 10 s, small large org")
    parser.add_argument(
        "--serve-args",
        default="",
        help='appended to every `okrs serve` command line, e.g. "--workers 3"',
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("OKRS_BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL server to create the run's database on (scaled out)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("OKRS_BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        help="the Redis database of the queue (scaled out)",
    )
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="where to write the JSON")
    parser.add_argument("--logs", default=str(DEFAULT_LOGS), help="where the servers' logs go")
    # Internal: the subprocess that generates the large organisation in the run's database.
    parser.add_argument("--generate", metavar="SIZES", help=argparse.SUPPRESS)
    return parser


def describe_load(scenario: Scenario) -> str:
    return (
        f"{scenario.users} users for {scenario.seconds:g} s "
        f"(at most {scenario.max_requests} requests), closed loop, no think time"
    )


def services_problem(scenario: Scenario) -> str | None:
    """Why the scaled-out mode cannot run here (PostgreSQL or Redis unreachable), or None."""
    import psycopg
    import redis

    try:
        psycopg.connect(scenario.postgres_url, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL at {_without_password(scenario.postgres_url)}: {_first_line(exc)}"
    try:
        redis.Redis.from_url(scenario.redis_url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis at {scenario.redis_url}: {_first_line(exc)}"
    return None


# --- one run -----------------------------------------------------------------------------------


def run_scenario(scenario: Scenario, progress: Callable[[str], None] = print) -> RunResult:
    """Deploy, fill, load, count and tear down; the result says what happened at each step."""
    result = RunResult(scenario)
    try:
        with Deployment(scenario) as deployment:
            progress(f"  loading the {scenario.org} organisation")
            admin, password = deployment.load_organisation()
            token = deployment.okrs("token", "create", admin, "--name", "load benchmark").strip()
            result.processes = deployment.commands()
            progress("  starting " + "; ".join(result.processes))
            deployment.start()
            workload = asyncio.run(
                prepare_workload(deployment.ports, token, admin, password, scenario.users)
            )
            progress(
                f"  cycle {workload.cycle}: {len(workload.objectives)} objectives, "
                f"{len(workload.key_results)} key results; {len(workload.sessions)} sessions "
                "signed in; every read route warmed once per process; loading"
            )
            began_at, checkins = _measure(deployment, workload, result)
            # Counted once the servers are gone: a server that leaked every connection it
            # opened leaves none for the count, and nothing can be written any more.
            deployment.stop()
            result.log_errors = deployment.log_errors()
            result.checkins = count_checkins(deployment, began_at, checkins)
    except SetupFailed as exc:
        result.setup_error = str(exc)
    return result


def _measure(
    deployment: Deployment, workload: Workload, result: RunResult
) -> tuple[dt.datetime, list[Outcome]]:
    """Run the load; fill in the figures; the moment it began and the check-ins' outcomes."""
    scenario = deployment.scenario
    load = Load(
        ports=deployment.ports,
        users=scenario.users,
        seconds=scenario.seconds,
        max_requests=scenario.max_requests,
        plan=workload.plan,
        timeout=scenario.timeout,
        seed=scenario.seed,
    )
    sampler = ConnectionSampler(deployment)
    began_at = dt.datetime.now(dt.UTC)
    sampler.start()
    cpu = CpuMeter(deployment)
    try:
        asyncio.run(load.run())
        load_ended = time.perf_counter()
        result.cpu = cpu.read()
        time.sleep(scenario.after_seconds)
    finally:
        sampler.stop()
    outcomes = load.outcomes
    result.requests = len(outcomes)
    names = deployment.web_names()
    result.by_process = dict(sorted(Counter(names[o.backend] for o in outcomes).items()))
    result.elapsed_seconds = load.elapsed
    result.routes = summarise(outcomes, load.elapsed)
    result.errors_by_status = errors_by_status(outcomes)
    result.failures = dict(Counter(o.failure for o in outcomes if o.failure))
    result.connections = sampler.summary(load_ended)
    return began_at, [o for o in outcomes if o.route == "check-in"]


# --- the deployment: okrs processes on a database of their own ---------------------------------


class Deployment:
    """The run's processes, data dir and database; `with` removes them all afterwards."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.scaled = scenario.mode == "scaled"
        self.data_dir = Path(tempfile.mkdtemp(prefix=f"okrs-load-{scenario.mode}-"))
        self.database = f"okrs_load_{os.getpid()}_{scenario.org}" if self.scaled else None
        self.ports = [free_port() for _ in range(2 if self.scaled else 1)]
        self.env = self._environment()
        self._running: list[tuple[str, subprocess.Popen[bytes], Path]] = []
        self._logs: list[Path] = []

    def _environment(self) -> dict[str, str]:
        # Everything the caller set goes through (OKRS_DATABASE_POOL_SIZE, ...) except where the
        # data lives: a URL from their environment would point the benchmark at their real data.
        env = {k: v for k, v in os.environ.items() if not k.endswith("_FILE")}
        database_url = ""  # empty, unlike missing, is not filled in from a .env file
        queue_url = ""
        if self.database is not None:
            database_url = _with_database(self.scenario.postgres_url, self.database)
            queue_url = self.scenario.redis_url
        env.update(
            {
                "OKRS_DATA_DIR": str(self.data_dir),
                "OKRS_DATABASE_URL": database_url,
                "OKRS_QUEUE_URL": queue_url,
                "OKRS_SECRET_KEY": secrets.token_urlsafe(50),  # one for every process
                "OKRS_SECRET_KEY_FALLBACKS": "",
                "OKRS_DEBUG": "false",
                "OKRS_BASE_URL": "http://127.0.0.1",
                "OKRS_ALLOWED_HOSTS": "127.0.0.1",
                "OKRS_SMTP_HOST": "",
                "OKRS_LOG_LEVEL": os.environ.get("OKRS_LOG_LEVEL", "WARNING"),
            }
        )
        return env

    def __enter__(self) -> Deployment:
        if self.database is not None:
            self._admin_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            self._admin_sql(f'CREATE DATABASE "{self.database}"')
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop()
            if self.database is not None:
                self._admin_sql(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        finally:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def _admin_sql(self, statement: str) -> None:
        import psycopg

        try:
            with psycopg.connect(self.scenario.postgres_url, autocommit=True) as connection:
                connection.execute(statement.encode())
        except psycopg.Error as exc:
            raise SetupFailed(f"{statement}: {_first_line(exc)}") from exc

    def okrs(self, *args: str, stdin: str | None = None) -> str:
        """Run one okrs command in the deployment's environment; its standard output."""
        return self._run("okrs", *args, stdin=stdin)

    def _run(self, module: str, *args: str, stdin: str | None = None) -> str:
        what = f"{module} {' '.join(args[:2])}"
        try:
            done = subprocess.run(
                [sys.executable, "-m", module, *args], env=self.env, input=stdin,
                capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired as exc:
            raise SetupFailed(f"{what}: no answer in {exc.timeout} s") from exc
        if done.returncode != 0:
            tail = "\n".join(done.stderr.strip().splitlines()[-15:])
            raise SetupFailed(f"{what} exited {done.returncode}:\n{tail}")
        return done.stdout

    def load_organisation(self) -> tuple[str, str]:
        """Fill the database; the administrator's email and password."""
        if self.scenario.org == "demo":
            self.okrs("demo")
            return DEMO_ADMIN, DEMO_PASSWORD
        sizes = json.dumps(asdict(self.scenario.sizes))
        seed = str(self.scenario.seed)
        output = self._run("okrs.bench.load", "--generate", sizes, "--seed", seed)
        admin = json.loads(output.strip().splitlines()[-1])["admin"]
        password = secrets.token_urlsafe(18)
        self.okrs("user", "create", admin, "--role", "admin", "--password-stdin",
                  stdin=password + "\n")  # fmt: skip
        return admin, password

    def _planned(self) -> list[tuple[str, list[str]]]:
        """(name, okrs arguments) of every long-running process, the worker first."""

        def serve(port: int, *flags: str) -> list[str]:
            return ["serve", *flags, "--host", "127.0.0.1", "--port", str(port),
                    *self.scenario.serve_args]  # fmt: skip

        if not self.scaled:
            return [("web", serve(self.ports[0]))]
        webs = [(f"web{n + 1}", serve(port, "--no-worker")) for n, port in enumerate(self.ports)]
        return [("worker", ["worker"]), *webs]

    def commands(self) -> list[str]:
        return [f"{name}: okrs {shlex.join(args)}" for name, args in self._planned()]

    def start(self) -> None:
        logs = self.scenario.logs
        logs.mkdir(parents=True, exist_ok=True)
        for name, args in self._planned():
            log = logs / f"{self.scenario.mode}-{self.scenario.org}-{name}.log"
            with log.open("wb") as handle:
                process = subprocess.Popen(
                    [sys.executable, "-m", "okrs", *args], env=self.env, stdout=handle,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
                )  # fmt: skip
            self._running.append((name, process, log))
            self._logs.append(log)
        for port in self.ports:
            self._wait_until_ready(port)

    def _wait_until_ready(self, port: int) -> None:
        url = f"http://127.0.0.1:{port}/api/v1/openapi.json"
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            for name, process, log in self._running:
                if process.poll() is not None:
                    tail = "\n".join(log.read_text(errors="replace").splitlines()[-15:])
                    raise SetupFailed(f"{name} exited with {process.returncode}:\n{tail}")
            try:
                with urllib_open(url):
                    return
            except OSError:
                time.sleep(0.3)
        raise SetupFailed(f"{url} did not answer within {READY_TIMEOUT_SECONDS} s")

    def server_pids(self) -> dict[str, int]:
        return {name: process.pid for name, process, _ in self._running}

    def web_names(self) -> list[str]:
        """The web processes' names, in the order of self.ports."""
        return [name for name, _ in self._planned() if name != "worker"]

    def web_pids(self) -> list[int]:
        return [process.pid for name, process, _ in self._running if name != "worker"]

    def stop(self) -> None:
        """SIGTERM to each process, as an admin stopping it would; SIGKILL to any that hangs."""
        running, self._running = self._running, []
        for _, process, _ in running:
            if process.poll() is None:
                process.terminate()
        for _, process, _ in running:
            try:
                process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(
                        process.pid, signal.SIGKILL
                    )  # its own session: the children it started
                process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def log_errors(self) -> list[tuple[str, int]]:
        """The most frequent exceptions in the servers' logs (the last line of each traceback)."""
        found: Counter[str] = Counter()
        for log in self._logs:
            with suppress(OSError):
                for line in log.read_text(errors="replace").splitlines():
                    if EXCEPTION_LINE.match(line):
                        found[line[:240]] += 1
        return found.most_common(5)


EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exhausted|Timeout)(: |$)")


def urllib_open(url: str) -> Any:
    import urllib.request

    return urllib.request.urlopen(url, timeout=5)


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# --- the workload: what the users ask for -------------------------------------------------------


@dataclass(frozen=True)
class Workload:
    """What the users know before the load: a token, sessions, and the running cycle's plan."""

    token: str
    sessions: list[str]  # Cookie headers of signed-in sessions
    cycle: str
    objectives: list[str]
    key_results: list[tuple[str, float]]  # (ref, a value to check in)

    def plan(self, n: int, rng: random.Random) -> Request:
        route = rng.choices(ROUTES, WEIGHTS)[0]
        return self.request(route, n, rng)

    def request(self, route: str, n: int, rng: random.Random) -> Request:
        cycle = f"cycle={quote(self.cycle, safe='')}"
        bearer = (("Authorization", f"Bearer {self.token}"),)
        if route.endswith(" page"):
            path = "/" if route == "dashboard page" else "/alignment/"
            return Request(route, "GET", f"{path}?{cycle}", 200,
                           headers=(("Cookie", rng.choice(self.sessions)),))  # fmt: skip
        if route == "check-in":
            ref, value = rng.choice(self.key_results)
            note = f"{NOTE_PREFIX}{n}"
            body = json.dumps({"value": value, "confidence": "on_track", "note": note})
            return Request(
                route, "POST", f"/api/v1/key-results/{quote(ref, safe='')}/check-ins", 201,
                headers=(*bearer, ("Content-Type", "application/json")),
                body=body.encode(), note=note,
            )  # fmt: skip
        paths = {
            "dashboard": f"/api/v1/dashboard?{cycle}",
            "alignment": f"/api/v1/alignment?{cycle}",
            "objectives": f"/api/v1/objectives?{cycle}",
            "cycles": "/api/v1/cycles",
        }
        if route == "objective":
            path = f"/api/v1/objectives/{quote(rng.choice(self.objectives), safe='')}"
        elif route == "key result":
            path = f"/api/v1/key-results/{quote(rng.choice(self.key_results)[0], safe='')}"
        else:
            path = paths[route]
        return Request(route, "GET", path, 200, headers=bearer)


ROUTES = list(MIX)
WEIGHTS = list(MIX.values())


async def prepare_workload(
    ports: Sequence[int], token: str, admin: str, password: str, users: int
) -> Workload:
    """Find the running cycle's plan through the API, sign in, and warm every process up."""
    connection = Connection(ports[0])
    try:
        cycles = await _get_json(connection, "/api/v1/cycles", token)
        running = [c["key"] for c in cycles if c.get("current")]
        if not running:
            raise SetupFailed("the organisation has no running cycle to check in on")
        listing = await _get_json(
            connection, f"/api/v1/objectives?cycle={quote(running[0], safe='')}", token
        )
    finally:
        await connection.close()
    objectives = [o["key"] for o in listing["objectives"]]
    key_results = [
        (kr["ref"], _value_to_check_in(kr))
        for o in listing["objectives"]
        for kr in o["key_results"]
    ]
    if not key_results:
        raise SetupFailed(f"cycle {running[0]} has no key results to check in on")
    sessions = [
        await sign_in(ports[n % len(ports)], admin, password) for n in range(min(users, SESSIONS))
    ]
    workload = Workload(token, sessions, running[0], objectives, key_results)
    await warm_up(ports, workload)
    return workload


def _value_to_check_in(kr: dict[str, Any]) -> float:
    """The key result's current value (a check-in that changes no score), else a valid one."""
    for name in ("current", "baseline", "target"):
        if isinstance(kr.get(name), int | float):
            return float(kr[name])
    return 0.0


async def _get_json(connection: Connection, path: str, token: str) -> Any:
    answer = await connection.send(
        Request("setup", "GET", path, 200, headers=(("Authorization", f"Bearer {token}"),))
    )
    _expect(answer, 200, f"GET {path}")
    return json.loads(answer.body)


async def sign_in(port: int, email: str, password: str) -> str:
    """Sign in through allauth's form with its CSRF token; the session's Cookie header."""
    connection = Connection(port)
    try:
        form = await connection.send(Request("setup", "GET", "/accounts/login/", 200))
        _expect(form, 200, "GET /accounts/login/")
        cookies = _cookies(form)
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', form.body)
        if found is None or "csrftoken" not in cookies:
            raise SetupFailed("the sign-in form carries no CSRF token")
        fields = {"csrfmiddlewaretoken": found.group(1).decode(), "login": email,
                  "password": password}  # fmt: skip
        cookie = f"csrftoken={cookies['csrftoken']}"
        answer = await connection.send(
            Request(
                "setup", "POST", "/accounts/login/", 302,
                headers=(("Cookie", cookie),
                         ("Content-Type", "application/x-www-form-urlencoded")),
                body=urlencode(fields).encode(),
            )
        )  # fmt: skip
    finally:
        await connection.close()
    session = _cookies(answer).get("sessionid")
    if answer.status != 302 or not session:
        raise SetupFailed(f"signing in as {email} answered {answer.status} without a session")
    return f"{cookie}; sessionid={session}"


def _cookies(answer: Answer) -> dict[str, str]:
    pairs = (
        value.split(";", 1)[0].partition("=") for value in answer.headers.get("set-cookie", [])
    )
    return {name.strip(): value.strip() for name, _, value in pairs}


async def warm_up(ports: Sequence[int], workload: Workload) -> None:
    """Every read route once on every process: the first request pays for imports, template
    compilation and Python's caches, which a server that has been up for a while has done."""
    rng = random.Random(0)
    for port in ports:
        connection = Connection(port)
        try:
            for route in ROUTES:
                if route == "check-in":
                    continue  # the stored check-ins must be the load's alone
                request = workload.request(route, -1, rng)
                _expect(await connection.send(request), request.expect, f"warming up {route}")
        finally:
            await connection.close()


def _expect(answer: Answer, status: int, what: str) -> None:
    if answer.status != status:
        raise SetupFailed(f"{what}: HTTP {answer.status}: {answer.body[:300]!r}")


# --- what the load did -------------------------------------------------------------------------


def summarise(outcomes: Sequence[Outcome], elapsed: float) -> list[RouteFigures]:
    """Figures per route in MIX order, then "all". Latency is over the answered requests."""
    by_route: dict[str, list[Outcome]] = {route: [] for route in ROUTES}
    for outcome in outcomes:
        by_route.setdefault(outcome.route, []).append(outcome)
    figures = [_figures(route, got, elapsed) for route, got in by_route.items() if got]
    return [*figures, _figures("all", list(outcomes), elapsed)]


def _figures(route: str, outcomes: Sequence[Outcome], elapsed: float) -> RouteFigures:
    answered = [o.latency_ms for o in outcomes if o.status is not None]

    def at(fraction: float) -> float | None:
        return round(percentile(answered, fraction), 1) if answered else None

    return RouteFigures(
        route=route,
        requests=len(outcomes),
        per_second=round(len(outcomes) / elapsed, 1) if elapsed else 0.0,
        p50_ms=at(0.50),
        p95_ms=at(0.95),
        p99_ms=at(0.99),
        max_ms=round(max(answered), 1) if answered else None,
        errors=sum(1 for o in outcomes if not o.ok),
    )


def errors_by_status(outcomes: Sequence[Outcome]) -> dict[str, dict[str, int]]:
    """Answers other than the expected one: {status: {route: count}}."""
    found: dict[str, Counter[str]] = {}
    for outcome in outcomes:
        if outcome.status is not None and not outcome.ok:
            found.setdefault(str(outcome.status), Counter())[outcome.route] += 1
    return {status: dict(routes.most_common()) for status, routes in sorted(found.items())}


# Read with SQL rather than through Django: the parent process serves no settings, and a
# subprocess would cost seconds of imports. The table is okrs.goals.checkins.models.CheckIn's.
COUNT_SQL = (
    "SELECT note, count(*) FROM checkins_checkin WHERE substr(note, 1, {n}) = {p} "
    "AND created_at >= {p} GROUP BY note"
)


def count_checkins(
    deployment: Deployment, began_at: dt.datetime, outcomes: Sequence[Outcome]
) -> CheckInCount:
    """The rows with the benchmark's notes created since the load began, against the answers."""
    if deployment.database is None:
        import sqlite3

        # Django keeps SQLite date-times as UTC text that sorts as it reads.
        since = began_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        query = COUNT_SQL.format(n=len(NOTE_PREFIX), p="?")
        path = deployment.data_dir / "okrs.sqlite3"
        try:
            with closing(sqlite3.connect(path)) as connection:
                rows = connection.execute(query, (NOTE_PREFIX, since)).fetchall()
        except sqlite3.Error as exc:
            raise SetupFailed(f"could not count the check-ins in {path}: {exc}") from exc
        return compare_checkins(outcomes, {note: int(n) for note, n in rows})
    import psycopg

    url = _with_database(deployment.scenario.postgres_url, deployment.database)
    query = COUNT_SQL.format(n=len(NOTE_PREFIX), p="%s")
    try:
        with psycopg.connect(url) as connection:
            rows = connection.execute(query.encode(), (NOTE_PREFIX, began_at)).fetchall()
    except psycopg.Error as exc:
        raise SetupFailed(f"could not count the check-ins: {_first_line(exc)}") from exc
    return compare_checkins(outcomes, {note: int(n) for note, n in rows})


def compare_checkins(outcomes: Sequence[Outcome], stored: dict[str, int]) -> CheckInCount:
    answered = {o.note for o in outcomes if o.status is not None and 200 <= o.status < 300}
    return CheckInCount(
        answered=len(answered),
        stored=sum(stored.values()),
        lost=len(answered - stored.keys()),
        doubled=sum(rows - 1 for rows in stored.values() if rows > 1),
        without_answer=len(stored.keys() - answered),
    )


class ConnectionSampler:
    """Counts the deployment's database connections every SAMPLE_EVERY_SECONDS, in a thread.

    Scaled out: the benchmark database's backends in pg_stat_activity, by state, and the whole
    server's client backends (queried over a connection to the maintenance database, opened
    before the load so that a server out of connections still answers it). Embedded: the web
    process's open handles on okrs.sqlite3, one per SQLite connection.
    """

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.samples: list[tuple[float, int, dict[str, int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="connection-sampler", daemon=True)
        self._count: Callable[[], tuple[int, dict[str, int]]]
        self._connection: Any = None
        if deployment.database is not None:
            import psycopg

            try:
                self._connection = psycopg.connect(
                    deployment.scenario.postgres_url, autocommit=True, connect_timeout=10
                )
            except psycopg.Error as exc:
                raise SetupFailed(f"cannot watch pg_stat_activity: {_first_line(exc)}") from exc
            row = self._connection.execute("SHOW max_connections").fetchone()
            self.max_connections = int(row[0]) if row else 0
            self._count = self._postgresql
            self.what = f"pg_stat_activity rows of {deployment.database}"
        else:
            self._count = self._sqlite
            self.what = "open handles on okrs.sqlite3 in the server"

    def start(self) -> None:
        self._began = time.perf_counter()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()  # the "after" count, at the moment the caller stopped watching
        if self._connection is not None:
            self._connection.close()

    def _run(self) -> None:
        while True:
            self._sample()
            if self._stop.wait(SAMPLE_EVERY_SECONDS):
                return

    def _sample(self) -> None:
        moment = time.perf_counter() - self._began
        with suppress(Exception):  # one sample missed is no reason to stop the benchmark
            total, detail = self._count()
            self.samples.append((round(moment, 2), total, detail))

    def _postgresql(self) -> tuple[int, dict[str, int]]:
        rows = self._connection.execute(
            "SELECT coalesce(state, 'unknown'), count(*) FROM pg_stat_activity "
            "WHERE datname = %s GROUP BY 1",
            (self.deployment.database,),
        ).fetchall()
        detail = {str(state): int(n) for state, n in rows}
        server = self._connection.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'"
        ).fetchone()
        detail["server-wide"] = int(server[0]) if server else 0
        detail["max_connections"] = self.max_connections
        return sum(int(n) for _, n in rows), detail

    def _sqlite(self) -> tuple[int, dict[str, int]]:
        database = str(self.deployment.data_dir.resolve() / "okrs.sqlite3")
        handles = 0
        for pid in process_tree(self.deployment.web_pids()):
            with suppress(OSError):
                for fd in os.scandir(f"/proc/{pid}/fd"):
                    with suppress(OSError):
                        handles += os.readlink(fd.path) == database
        return handles, {}

    def summary(self, load_ended: float) -> Connections:
        """The peak up to `load_ended` (a perf_counter moment) and the last sample after it."""
        load_seconds = load_ended - self._began
        during = [s for s in self.samples if s[0] <= load_seconds]
        peak = max(during, key=lambda s: s[1]) if during else None
        after = self.samples[-1] if self.samples and self.samples[-1][0] > load_seconds else None
        return Connections(
            what=self.what,
            before=self.samples[0][1] if self.samples else None,
            peak=peak[1] if peak else None,
            peak_detail=peak[2] if peak else {},
            after=after[1] if after else None,
            after_detail=after[2] if after else {},
            after_seconds=round(after[0] - load_seconds, 1) if after else 0.0,
            samples=[(moment, total) for moment, total, _ in self.samples],
        )


# --- CPU: the load generator's, the servers' and the machine's ---------------------------------

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


class CpuMeter:
    """CPU used between its creation and read(), from /proc (Linux)."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self._wall = time.perf_counter()
        self._own = time.process_time()
        self._servers = {name: tree_cpu_seconds(pid) for name, pid in self._pids().items()}
        self._machine = machine_cpu_ticks()
        self._loadavg = _loadavg()

    def _pids(self) -> dict[str, int]:
        return self.deployment.server_pids()

    def read(self) -> dict[str, Any]:
        wall = time.perf_counter() - self._wall
        busy, total = (
            now - then for now, then in zip(machine_cpu_ticks(), self._machine, strict=True)
        )
        used = {
            name: tree_cpu_seconds(pid) - self._servers.get(name, 0.0)
            for name, pid in self._pids().items()
        }
        return {
            "load_generator_percent_of_a_core": round(
                100 * (time.process_time() - self._own) / wall
            ),
            "servers_percent_of_a_core": {name: round(100 * t / wall) for name, t in used.items()},
            "servers_cpu_seconds": round(sum(used.values()), 2),
            "machine_busy_percent": round(100 * busy / total) if total else None,
            "cpus": os.cpu_count(),
            "loadavg_before": self._loadavg,
            "loadavg_after": _loadavg(),
        }


def process_tree(roots: Sequence[int]) -> list[int]:
    """The processes and all their descendants (a server may fork workers).

    Read from each thread's `children` file: scanning all of /proc twice a second would cost
    the load generator a few percent of a core on a busy machine.
    """
    found, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        found.append(pid)
        with suppress(OSError, ValueError):
            for task in os.scandir(f"/proc/{pid}/task"):
                todo += [int(c) for c in Path(task.path, "children").read_text().split()]
    return found


def tree_cpu_seconds(root: int) -> float:
    total = 0
    for pid in process_tree([root]):
        with suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICKS


def machine_cpu_ticks() -> tuple[int, int]:
    """(busy, total) ticks of all cores since boot."""
    try:
        fields = [int(f) for f in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle, iowait
    return sum(fields) - idle, sum(fields)


def _loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


# --- the report --------------------------------------------------------------------------------


def format_result(result: RunResult) -> str:
    scenario = result.scenario
    if result.setup_error is not None:
        return f"{scenario.label}: could not run: {result.setup_error}"
    lines = [f"{scenario.label}: {describe_load(scenario)}"]
    lines += [f"  {command}" for command in result.processes]
    lines.append(
        f"  {result.requests} requests in {result.elapsed_seconds:.1f} s: "
        f"{result.overall.per_second if result.overall else 0:.1f} requests/s"
        + (f" ({', '.join(f'{n} {c}' for n, c in result.by_process.items())})"
           if len(result.by_process) > 1 else "")
    )  # fmt: skip
    header = ("route", "request", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms",
              "errors")  # fmt: skip
    rows = [
        (r.route, ROUTE_PATHS.get(r.route, ""), str(r.requests), f"{r.per_second:.1f}",
         _ms(r.p50_ms), _ms(r.p95_ms), _ms(r.p99_ms), _ms(r.max_ms), str(r.errors))
        for r in result.routes
    ]  # fmt: skip
    lines += ["  " + line for line in aligned_table(header, rows, left=2)]
    if result.errors_by_status:
        for status, routes in result.errors_by_status.items():
            where = ", ".join(f"{route} {n}" for route, n in routes.items())
            lines.append(f"  errors: HTTP {status}: {sum(routes.values())} ({where})")
    else:
        lines.append("  errors by status: none")
    failures = ", ".join(f"{kind} {n}" for kind, n in sorted(result.failures.items()))
    lines.append(f"  connection errors and timeouts: {failures or 'none'}")
    for line, count in result.log_errors:
        lines.append(f"  in the server logs, {count} x {line}")
    if result.connections is not None:
        lines.append(f"  database connections ({result.connections.what}): " +
                     _connections(result.connections))  # fmt: skip
    if result.checkins is not None:
        c = result.checkins
        verdict = "OK" if c.ok else (
            f"MISMATCH: {c.lost} answered 2xx but not stored, {c.doubled} stored twice, "
            f"{c.without_answer} stored without a 2xx answer"
        )  # fmt: skip
        lines.append(f"  check-ins: {c.answered} answered 2xx, {c.stored} stored: {verdict}")
    if result.cpu:
        cpu = result.cpu
        servers = ", ".join(f"{n} {p}%" for n, p in cpu["servers_percent_of_a_core"].items())
        lines.append(
            f"  CPU during the load (% of one core): load generator "
            f"{cpu['load_generator_percent_of_a_core']}%, {servers}; machine "
            f"{cpu['machine_busy_percent']}% busy on {cpu['cpus']} cores; load average "
            f"{cpu['loadavg_before']} before, {cpu['loadavg_after']} after"
        )
        if result.requests:
            # What bounds throughput when the servers are CPU-bound: cores / CPU per request.
            per_request = 1000 * cpu["servers_cpu_seconds"] / result.requests
            lines.append(f"  CPU of the okrs processes per request: {per_request:.1f} ms")
    if scenario.has_targets:
        for name, met, measured in result.targets():
            lines.append(f"  target {name}: {'MET' if met else 'MISS'} ({measured})")
    return "\n".join(lines)


def format_summary(results: Sequence[RunResult]) -> str:
    """One line per run: the table for the closing note of a comparison."""
    header = ("mode", "org", "users", "s", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms",
              "errors", "db conn peak", "after", "check-ins 2xx/stored")  # fmt: skip
    rows = []
    for r in results:
        overall, c, k = r.overall, r.connections, r.checkins
        if r.setup_error is not None or overall is None:
            rows.append((r.scenario.mode, r.scenario.org, *["-"] * (len(header) - 3), "not run"))
            continue
        rows.append((
            r.scenario.mode, r.scenario.org, str(r.scenario.users), f"{r.scenario.seconds:g}",
            str(r.requests), f"{overall.per_second:.1f}", _ms(overall.p50_ms),
            _ms(overall.p95_ms), _ms(overall.p99_ms), str(r.errors),
            _count(c.peak if c else None), _count(c.after if c else None),
            f"{k.answered}/{k.stored} {'OK' if k.ok else 'MISMATCH'}" if k else "?",
        ))  # fmt: skip
    return "\n".join(aligned_table(header, rows, left=2))


def _connections(c: Connections) -> str:
    def detail(values: dict[str, int]) -> str:
        return f" ({', '.join(f'{k} {v}' for k, v in values.items())})" if values else ""

    return (
        f"before {_count(c.before)}, peak {_count(c.peak)}{detail(c.peak_detail)}, "
        f"{c.after_seconds:g} s after {_count(c.after)}{detail(c.after_detail)}"
    )


def _count(value: int | None) -> str:
    return "?" if value is None else str(value)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


# --- the subprocess that generates the large organisation -------------------------------------


def _generate(options: argparse.Namespace) -> int:
    """Migrate the run's empty database and generate the large organisation in it."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "okrs.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from okrs.bench.generate import generate_large_org
    from okrs.org.models import Person

    call_command("migrate", interactive=False, verbosity=0)
    if Person.objects.exists():
        print(f"{connection.settings_dict['NAME']} is not empty", file=sys.stderr)
        return 1
    org = generate_large_org(seed=options.seed, **json.loads(options.generate))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum would have by now; see okrs.bench.run
    print(json.dumps({"admin": org.admin_email, "cycle": org.current_cycle}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
