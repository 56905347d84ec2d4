"""Process set-up for long-running okrs processes (the server, the worker)."""

from __future__ import annotations

import gc


def tune_for_serving() -> None:
    """Tune Python's cyclic garbage collector for a server that builds large responses.

    A whole-organisation dashboard makes tens of thousands of short-lived objects per request;
    with the default thresholds that sets off several collections per request, each walking
    everything Django loaded at start-up: a quarter of the time and most of the variance of
    the heavy routes. Freezing moves what exists now (imports, settings, URL patterns) out of
    the collector's reach, and a higher first threshold collects young objects less often.
    Reference counting frees nearly all our objects anyway; the collector is for cycles.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
