"""What of a key result's automatic `source` configuration may be shown to readers.

Each backend of the metric-source registry (okrs/metrics/sources/registry.py) marks its secret
parameters; those are hidden in pages, API answers and the audit log, even when they only hold
an `env:VARIABLE` reference. Everything else a backend declares is shown: what a number
measures (the query, the JQL, the service) is what readers need to trust it, and the name of
the credential used says where the secret lives without giving it away. URLs lose any user
and password (validation refuses them, but older rows may hold one).

A kind the registry does not know (a backend removed, a typo stored before validation), or a
source that does not validate, falls back to an allow-list of descriptive fields.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from okrs.metrics.sources.registry import COMMON_PARAMS, REGISTRY, source_problems
from okrs.numbers import amount

# The fallback for unknown kinds. Queries are shown: a query holds no credentials.
SHOWN_FIELDS = frozenset(
    {
        "kind", "metric", "service", "team", "window", "schedule", "unit", "repository",
        "project", "query", "jsonpath", "jql",
    }
)  # fmt: skip
HIDDEN = "(hidden)"
# The source kinds whose numbers come from delivery events: an event for their services
# makes them due within a minute (okrs/metrics/sources/freshness.py).
EVENT_FED_KINDS = frozenset({"dora"})


def is_fed_by_events(source: Any) -> bool:
    return isinstance(source, dict) and source.get("kind") in EVENT_FED_KINDS


def public_source(source: dict[str, Any] | None) -> dict[str, Any] | None:
    if source is None:
        return None
    if not isinstance(source, dict):
        return {"kind": HIDDEN}
    known = _declared_params(source)
    if known is None:
        return {name: _fallback(name, value) for name, value in source.items()}
    shown_names, secret_names = known
    shown: dict[str, Any] = {}
    for name, value in source.items():
        if name in secret_names or name not in shown_names:
            shown[name] = HIDDEN
        elif isinstance(value, list):
            shown[name] = [_scalar(item) for item in value]
        else:
            shown[name] = _scalar(value)
    return shown


_SPAN = re.compile(r"(\d+)\s*([smhdw])")
_SPAN_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week"}  # singular


def readable_source(source: dict[str, Any] | None) -> list[tuple[str, str]]:
    """What a key result's page shows of its source, field by field, in words: the public
    fields of `public_source`, a DORA metric by its name ("Change lead time", not `lead_time`),
    its service and team by their names ("Checkout service", not `checkout`) and a span in
    words ("30 days", not `30d`). The API keeps the configuration as written."""
    from okrs.metrics.delivery.dora import METRIC_NAMES
    from okrs.metrics.delivery.models import Service
    from okrs.metrics.sources.backends.dora import METRICS
    from okrs.org.models import Team

    shown = public_source(source) or {}
    dora = shown.get("kind") == "dora"
    rows: list[tuple[str, str]] = []
    for name, value in shown.items():
        text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        span = _SPAN.fullmatch(text)
        if dora and name == "kind":
            text = "DORA metric, from delivery events"
        elif dora and name == "metric":
            text = METRIC_NAMES.get(METRICS.get(text, text), text)
        elif dora and name == "service":
            found = Service.objects.filter(key=text).values_list("name", flat=True).first()
            text = f"{found or text} service"
        elif dora and name == "team":
            found = Team.objects.filter(key=text).values_list("name", flat=True).first()
            text = f"{found or text} team"
        elif span and name in ("window", "schedule"):
            text = amount(int(span.group(1)), _SPAN_WORDS[span.group(2)] + "s")
        rows.append((name, text))
    return rows


def _declared_params(source: dict[str, Any]) -> tuple[frozenset[str], frozenset[str]] | None:
    """(names that may be shown, secret names) of a valid source of a registered kind, or None.

    A source that does not validate (saved around the validator, or from before it) may hold
    a raw secret anywhere, so it gets the conservative allow-list instead."""
    kind = source.get("kind")
    backend = REGISTRY.get(kind) if isinstance(kind, str) else None
    if backend is None or source_problems(source):
        return None
    secret = frozenset(param.name for param in backend.params if param.secret)
    shown = frozenset(COMMON_PARAMS) | frozenset(p.name for p in backend.params if not p.secret)
    return shown, secret


def _scalar(value: Any) -> Any:
    if not isinstance(value, str | int | float | bool):
        return HIDDEN
    if isinstance(value, str) and "://" in value:
        return _without_userinfo(value)
    return value


def _without_userinfo(value: str) -> str:
    parts = urlsplit(value)
    if not (parts.username or parts.password):
        return value
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{host}{port}", parts.path, parts.query, parts.fragment))


def _fallback(name: str, value: Any) -> Any:
    if name not in SHOWN_FIELDS or not isinstance(value, str | int | float | bool):
        return HIDDEN
    if isinstance(value, str) and "://" in value:
        parts = urlsplit(value)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"
    return value
