"""What of a key result's automatic `source` configuration may be shown to readers.

A source configuration can hold credentials (a database URL with a password, a token in a URL's
query, a header). Until the metric-source registry marks each backend's secret parameters, only
an allow-list of descriptive fields is ever shown, in pages, API answers and the audit log; URLs
lose their user, password and query.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

# Queries are shown: what a number measures is what readers need to trust it, and a query
# holds no credentials (those belong in the connection settings, which stay hidden).
SHOWN_FIELDS = frozenset(
    {
        "kind", "metric", "service", "team", "window", "schedule", "unit", "repository",
        "project", "query", "jsonpath", "jql",
    }
)  # fmt: skip
HIDDEN = "(hidden)"


def public_source(source: dict[str, Any] | None) -> dict[str, Any] | None:
    if source is None:
        return None
    return {name: _shown(name, value) for name, value in source.items()}


def _shown(name: str, value: Any) -> Any:
    if name not in SHOWN_FIELDS or not isinstance(value, str | int | float | bool):
        return HIDDEN
    if isinstance(value, str) and "://" in value:
        parts = urlsplit(value)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}"
    return value
