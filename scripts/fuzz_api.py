"""Fuzz the HTTP API against its own OpenAPI document with schemathesis (CI runs this).

    .venv/bin/python scripts/fuzz_api.py [--max-examples N] [--seed N] [schemathesis options]

Creates a PostgreSQL database of its own (okrs_fuzz_<pid>), loads the demo organisation, serves
it with `okrs serve --no-worker` on a free loopback port, and runs schemathesis over every
operation with the CEO's token. Fails on any server error or any answer that the document does
not describe: its status, its content type, its body's schema. Extra arguments go to
`schemathesis run`. Bounded by a number of examples per operation and a wall-clock limit;
nothing but 127.0.0.1 is contacted. The database and the data directory are removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from okrs.bench.processes import OKRS, free_port, run_okrs, wait_until_served

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES = os.environ.get("OKRS_FUZZ_POSTGRES", "postgresql://postgres@127.0.0.1:5432")
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
# An installed instance has a secret for each webhook it receives; without one a delivery gets
# a deliberate 503 (the sender retries later), which schemathesis would count as a server error.
CONFIGURE_WEBHOOKS = (
    "import secrets\n"
    "from okrs.metrics.delivery.models import Provider, WebhookSecret\n"
    "for provider in Provider.values:\n"
    "    WebhookSecret.objects.get_or_create(\n"
    "        provider=provider, defaults={'secret': secrets.token_hex(16)})\n"
)
# A run that has not finished by then is stuck, not thorough: fail it.
WALL_CLOCK_SECONDS = 900


@contextmanager
def fresh_database() -> Iterator[str]:
    import psycopg

    name = f"okrs_fuzz_{os.getpid()}"
    admin = f"{POSTGRES}/postgres"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{POSTGRES}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def known_keys(database_url: str) -> dict[str, list[str]]:
    """Keys that exist in the demo, so that some requests reach past the 404 of an unknown key."""
    import psycopg

    queries = {
        "cycles": "SELECT key FROM goals_cycle",
        "teams": "SELECT key FROM org_team",
        "objectives": "SELECT key FROM goals_objective",
        "key_results": "SELECT o.key || '/' || k.key FROM goals_keyresult k "
        "JOIN goals_objective o ON o.id = k.objective_id UNION ALL "
        "SELECT CAST(id AS text) FROM goals_keyresult",
        "services": "SELECT key FROM delivery_service",
    }
    with psycopg.connect(database_url) as connection:
        keys = {
            name: sorted(str(row[0]) for row in connection.execute(sql))
            for name, sql in queries.items()
        }
    keys["sources"] = ["generic", "github", "gitlab", "pagerduty"]
    return keys


def schemathesis_config(keys: dict[str, list[str]]) -> str:
    """A schemathesis.toml that mixes known keys into the generated parameters, half the time."""
    bindings = {
        "path.key": "objectives",
        "path.ref": "key_results",
        "query.cycle": "cycles",
        "query.team": "teams",
        "query.service": "services",
        "path.source": "sources",
    }
    lines = []
    for name, values in keys.items():
        quoted = ", ".join(json.dumps(value) for value in values if value)
        lines += [f"[dictionaries.{name}]", f"values = [{quoted}]", ""]
    lines.append("[parameters]")
    for parameter, dictionary in bindings.items():
        if keys.get(dictionary):
            lines.append(f'"{parameter}" = {{ dictionary = "{dictionary}", probability = 0.5 }}')
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--max-examples", type=int, default=40, help="per operation")
    parser.add_argument("--seed", type=int, default=11, help="same seed, same requests")
    options, extra = parser.parse_known_args()

    data_dir = tempfile.mkdtemp(prefix="okrs-fuzz-")
    try:
        return fuzz(data_dir, options.max_examples, options.seed, extra)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def fuzz(data_dir: str, max_examples: int, seed: int, extra: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKRS_")}
    env["OKRS_DATA_DIR"] = data_dir
    with fresh_database() as database_url:
        env["OKRS_DATABASE_URL"] = database_url
        run_okrs(env, "migrate")
        run_okrs(env, "demo")
        token = run_okrs(env, "token", "create", "ceo@acme.test").strip()
        run_okrs(env, "manage", "shell", "--no-imports", "-c", CONFIGURE_WEBHOOKS)
        config = Path(data_dir) / "schemathesis.toml"
        config.write_text(schemathesis_config(known_keys(database_url)))
        port = free_port()
        log = open(Path(data_dir) / "serve.log", "wb")  # noqa: SIM115 (closed below)
        server = subprocess.Popen(
            [*OKRS, "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_served(f"{base}/api/v1/openapi.json", server)
            command = [
                str(BIN / "schemathesis"),
                "--config-file",
                str(config),
                "run",
                f"{base}/api/v1/openapi.json",
                "--url",
                base,
                "--header",
                f"Authorization: Bearer {token}",
                "--checks",
                ",".join(CHECKS),
                "--max-examples",
                str(max_examples),
                "--seed",
                str(seed),
                "--continue-on-failure",
                # Requests carry the CEO's token; invented session cookies would only ever be
                # unknown ones (the 401 of each scheme is tested in tests/test_api_auth.py).
                "--generation-with-security-parameters",
                "false",
                "--request-timeout",
                "30",
                "--generation-database",
                "none",
                "--no-color",
                *extra,
            ]
            try:
                # Run inside the data directory: schemathesis keeps a cache in its working one.
                status = subprocess.run(
                    command, env=env, cwd=data_dir, timeout=WALL_CLOCK_SECONDS
                ).returncode
            except subprocess.TimeoutExpired:
                print(f"schemathesis did not finish within {WALL_CLOCK_SECONDS} s", flush=True)
                status = 1
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
        if status != 0:
            # The server's side of each failure: its tracebacks.
            tail = (Path(data_dir) / "serve.log").read_text(errors="replace")[-20000:]
            print("--- okrs serve log (last part) ---\n" + tail, flush=True)
    return status


if __name__ == "__main__":
    os.chdir(ROOT)
    sys.exit(main())
