"""Any JSON endpoint: GET a URL and pick one number out with a JSONPath (RFC 9535 style)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import jsonpath

from okrs.metrics.sources.http import request_json
from okrs.metrics.sources.registry import ConfigProblem, Param, SourceBackend, SourceError, register


@register
class HttpJsonSource(SourceBackend):
    kind = "http_json"
    label = "JSON over HTTP (a URL and a JSONPath)"
    url_param = "url"
    params = (
        Param("url", "the JSON document's URL", type="url", label="URL"),
        Param("jsonpath", "where the number is, e.g. $.data.active_customers", label="JSONPath"),
        Param(
            "token",
            "sent as 'Authorization: Bearer TOKEN', or as it is in the header below",
            required=False,
            secret=True,
        ),
        Param(
            "header", "the header that carries the token (default Authorization)", required=False
        ),
    )

    @classmethod
    def check(cls, values: Mapping[str, Any]) -> list[ConfigProblem]:
        try:
            jsonpath.compile(values["jsonpath"])
        except jsonpath.JSONPathError as exc:
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            return [ConfigProblem("jsonpath", f"'jsonpath' cannot be read: {reason}")]
        return []

    def fetch(self, *, now: dt.datetime) -> float:
        headers: dict[str, str] = {}
        token = self.config.get("token")
        if token:
            header = self.config.get("header") or "Authorization"
            headers[header] = f"Bearer {token}" if header.lower() == "authorization" else token
        document = request_json(
            "GET", self.config["url"], what="The JSON endpoint", headers=headers
        )
        return pick_number(document, self.config["jsonpath"])


def pick_number(document: Any, path: str) -> float:
    try:
        found = jsonpath.findall(path, document)
    except jsonpath.JSONPathError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SourceError(f"the JSONPath cannot be applied: {reason}", permanent=True) from None
    if not found:
        raise SourceError(f"the JSONPath {path} matches nothing in the answer", permanent=True)
    if len(found) > 1:
        raise SourceError(
            f"the JSONPath {path} matches {len(found)} values, not one", permanent=True
        )
    value = found[0]
    if isinstance(value, str):
        # Some APIs quote their numbers ("12.5"); a word is still an error.
        text = value
        try:
            value = float(text)
        except ValueError:
            # The text itself is not quoted: it is whatever the endpoint holds, and errors are
            # shown to everyone who may read the key result.
            raise SourceError(
                f"the JSONPath {path} matched a string, not a number", permanent=True
            ) from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SourceError(
            f"the JSONPath {path} matched {_json_type(value)}, not a number", permanent=True
        )
    if not math.isfinite(float(value)):
        raise SourceError(
            f"the JSONPath {path} matched a number that is not finite", permanent=True
        )
    return float(value)


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "something else"
