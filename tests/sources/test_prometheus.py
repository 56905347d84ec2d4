"""A key result reads its P95 from a real Prometheus server (Debian's `prometheus` package).

The test starts a small exporter (prometheus_client) with a latency histogram of known
observations, then Prometheus on a free port scraping it every second, and waits until the
samples are in. histogram_quantile interpolates linearly inside the bucket that holds the
rank, which is what the expected value below works out by hand.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry, Histogram, start_http_server

from okrs.goals.checkins.models import CheckIn
from okrs.metrics.sources.backends.prometheus import PrometheusSource
from okrs.metrics.sources.registry import SourceError
from okrs.metrics.sources.sync import sync_key_result
from tests.services import HANG_SECONDS, require
from tests.sources.conftest import bind, fresh, synced

PROMETHEUS = os.environ.get("OKRS_PROMETHEUS", "/usr/bin/prometheus")
P95 = "histogram_quantile(0.95, sum by (le) (shop_request_duration_seconds_bucket))"

# 50 fast requests, 40 medium, 10 slow. Cumulative bucket counts: le=0.1: 50, le=0.25: 90,
# le=0.5: 100. The 95th of 100 observations falls in (0.25, 0.5]: 5 of that bucket's 10, so
# histogram_quantile answers 0.25 + (0.5 - 0.25) * 5 / 10.
OBSERVATIONS = [0.05] * 50 + [0.2] * 40 + [0.4] * 10
EXPECTED_P95 = 0.25 + (0.5 - 0.25) * 5 / 10


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def query(base: str, promql: str) -> dict:
    url = f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require("Prometheus", os.path.exists(PROMETHEUS), f"{PROMETHEUS} is not installed")
    registry = CollectorRegistry()
    latency = Histogram(
        "shop_request_duration_seconds",
        "Request latency",
        buckets=(0.1, 0.25, 0.5, 1.0),
        registry=registry,
    )
    for seconds in OBSERVATIONS:
        latency.observe(seconds)
    exporter, _ = start_http_server(0, addr="127.0.0.1", registry=registry)
    workdir: Path = tmp_path_factory.mktemp("prometheus")
    config = workdir / "prometheus.yml"
    config.write_text(
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
        "scrape_configs:\n  - job_name: shop\n    static_configs:\n"
        f"      - targets: ['127.0.0.1:{exporter.server_port}']\n"
    )
    port = free_port()
    process = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={workdir / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + HANG_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "")
            try:
                answer = query(base, "shop_request_duration_seconds_count")
                if answer["data"]["result"]:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("Prometheus never scraped the exporter")
            time.sleep(0.25)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        exporter.shutdown()
        shutil.rmtree(workdir, ignore_errors=True)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def test_the_p95_is_read_from_prometheus(prometheus: str) -> None:
    value = PrometheusSource({"url": prometheus, "query": P95}).fetch(now=now())
    assert value == pytest.approx(EXPECTED_P95)


def test_a_prometheus_bound_key_result_records_its_p95_as_a_sync_check_in(
    world, prometheus: str
) -> None:
    kr = bind(world.conversion, kind="prometheus", url=prometheus, query=P95)
    # Prometheus stamps its samples with the real time, so the sync runs at the real time too,
    # and the cycle must be running then for a check-in to be recorded.
    world.cycle.start, world.cycle.end = dt.date(2000, 1, 1), dt.date(2999, 12, 31)
    world.cycle.save()
    outcome = sync_key_result(key_result=fresh(kr), now=now())
    assert outcome.status == "recorded" and outcome.value == pytest.approx(EXPECTED_P95)
    checkin = CheckIn.objects.get(key_result=kr)
    assert checkin.source == "sync" and checkin.value == pytest.approx(EXPECTED_P95)
    assert synced(kr).last_error == ""


def test_several_series_are_a_permanent_error(prometheus: str) -> None:
    source = PrometheusSource({"url": prometheus, "query": "shop_request_duration_seconds_bucket"})
    with pytest.raises(SourceError) as caught:
        source.fetch(now=now())
    assert caught.value.permanent and "returned 5 series" in str(caught.value)


def test_no_sample_is_temporary(prometheus: str) -> None:
    source = PrometheusSource({"url": prometheus, "query": "shop_no_such_metric"})
    with pytest.raises(SourceError) as caught:
        source.fetch(now=now())
    assert not caught.value.permanent and "no sample" in str(caught.value)


def test_a_promql_syntax_error_is_permanent_without_quoting_prometheus(prometheus: str) -> None:
    source = PrometheusSource({"url": prometheus, "query": "sum(rate(x[5m]"})
    with pytest.raises(SourceError) as caught:
        source.fetch(now=now())
    assert caught.value.permanent and "HTTP 400" in str(caught.value)
    assert "parse error" not in str(caught.value)  # Prometheus's answer is not shown


def test_a_scalar_answer_is_the_number(prometheus: str) -> None:
    source = PrometheusSource(
        {"url": prometheus, "query": "scalar(sum(shop_request_duration_seconds_count))"}
    )
    assert source.fetch(now=now()) == 100
