"""The DORA pages: /dora/ (every team and service), /dora/service|team/KEY/ (trends), and
/dora/detail/, /dora/service|team/KEY/detail/ (the rows behind each figure, a page at a time).

Read-only, for every signed-in person, like the rest of the plan. The window comes from
`?from=&to=` (ISO dates or date-times, half-open, read in the scope's time zone; default the
last 30 days, to the minute); every link from one page to another names the same window.
The trend charts show the twelve local weeks (Monday on) up to the window's end, a point each.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from okrs.metrics.delivery import dora, dora_detail
from okrs.metrics.delivery.dora import Metrics, Window
from okrs.metrics.delivery.models import Service
from okrs.metrics.delivery.selectors import (
    BANDS_SOURCE,
    DoraQueryInvalid,
    ScopeNotFound,
    dora_report,
    dora_trend,
    metrics_json,
    organisation_overview,
    parse_window,
    resolve_scope,
)
from okrs.numbers import amount, duration_text, per_day
from okrs.org.models import Organisation
from okrs.timeutil import MOMENT_FORMAT, moment_text

TREND_WEEKS = 12


def _window(request: HttpRequest, tz_name: str) -> tuple[Window, str | None]:
    """The requested window, or the default one and the reason the request's was refused.

    The default ends now, to the minute the page shows, so that the links of the page can
    name the very same window (`_window_query`) however much later they are followed."""
    now = timezone.now().replace(second=0, microsecond=0)
    try:
        return parse_window(
            request.GET.get("from") or None,
            request.GET.get("to") or None,
            tz_name=tz_name,
            now=now,
        ), None
    except DoraQueryInvalid as exc:
        problem = f"The dates were not used: {exc}."
        return parse_window(None, None, tz_name=tz_name, now=now), problem


def _instant_text(seconds: float, tz_name: str) -> str:
    """An end of a window as `?from=` or `?to=` reads it back to the same instant: a bare
    date for a local midnight, else the UTC date-time (no local wall time is ambiguous)."""
    local = dt.datetime.fromtimestamp(seconds, zoneinfo.ZoneInfo(tz_name))
    midnight = dt.datetime.combine(local.date(), dt.time(), local.tzinfo)
    if midnight.timestamp() == seconds:
        return local.date().isoformat()
    moment = dt.datetime.fromtimestamp(seconds, dt.UTC).replace(tzinfo=None)
    spec = "minutes" if moment.second == moment.microsecond == 0 else "auto"
    return moment.isoformat(timespec=spec) + "Z"


def _window_query(window: Window, tz_name: str) -> str:
    """`from=...&to=...` naming exactly this window, for the links between the pages."""
    return urlencode(
        {"from": _instant_text(window.start, tz_name), "to": _instant_text(window.end, tz_name)},
        safe=":",
    )


def _dates(window: Window, tz_name: str) -> dict[str, str]:
    """The window as the date inputs show it: `to` is exclusive, as in the API."""
    tz = zoneinfo.ZoneInfo(tz_name)
    start = dt.datetime.fromtimestamp(window.start, tz)
    end = dt.datetime.fromtimestamp(window.end, tz)
    return {
        "from": start.date().isoformat(),
        "to": end.date().isoformat(),
        "from_label": start.strftime(MOMENT_FORMAT),
        "to_label": end.strftime(MOMENT_FORMAT),
    }


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _percent(value: float | None) -> str:
    return amount(value, "%", none="No deployments")


def _spread(n: int, word: str, p90_hours: float | None) -> str:
    """ "median of 9 failures; p90 3.6 h" (the p90 left out when there is none)."""
    p90 = "" if p90_hours is None else f"; p90 {duration_text(p90_hours)}"
    return f"median of {_count(n, word)}{p90}"


def _recovery_detail(rec: dict[str, Any]) -> str:
    """What the recovery time rests on, in words when there is nothing to measure."""
    failures, unresolved = rec["failures"], rec["unresolved"]
    if not failures:
        return "no failures to recover from"
    if unresolved == failures:
        return f"{_count(failures, 'failure')}, none recovered yet"
    counted = _count(failures - unresolved, "failure")
    if unresolved:
        counted += f", {unresolved} unresolved"
    p90 = "" if rec["p90_hours"] is None else f"; p90 {duration_text(rec['p90_hours'])}"
    return f"median of {counted}{p90}"


# Where each figure's rows are on the detail page.
METRIC_ROWS = {
    "deployment_frequency": "deployments",
    "lead_time": "deployments",
    "change_failure_rate": "failures",
    "recovery_time": "failures",
    "rework_rate": "remediations",
}


def _row(metrics: Metrics) -> list[dict[str, Any]]:
    """The five metrics as cells: a name, the value, what it counts, and the band."""
    j = metrics_json(metrics)
    f, lt, cfr, rec, rw = (j[name] for name in dora.METRIC_NAMES)
    measured = {
        "deployment_frequency": f["per_day"],
        "lead_time": lt["median_hours"],
        "change_failure_rate": cfr["percent"],
        "recovery_time": rec["median_hours"],
        "rework_rate": rw["percent"],
    }
    values = {
        "deployment_frequency": (
            per_day(f["per_day"]),
            _count(f["deployments"], "deployment"),
            f["band"],
        ),
        "lead_time": (
            duration_text(lt["median_hours"], none="No changes"),
            _spread(lt["changes"], "change", lt["p90_hours"])
            if lt["changes"]
            else "no changes deployed",
            lt["band"],
        ),
        "change_failure_rate": (
            _percent(cfr["percent"]),
            f"{cfr['failed_deployments']} of {_count(cfr['deployments'], 'deployment')}",
            cfr["band"],
        ),
        "recovery_time": (
            duration_text(
                rec["median_hours"],
                none="No failures" if not rec["failures"] else "Not recovered yet",
            ),
            _recovery_detail(rec),
            rec["band"],
        ),
        "rework_rate": (
            _percent(rw["percent"]),
            f"{rw['remediation_deployments']} of {_count(rw['deployments'], 'deployment')}",
            None,
        ),
    }
    return [
        {
            "key": key,
            "name": dora.METRIC_NAMES[key],
            "value": value,
            "detail": detail,
            "band": band,
            "measured": measured[key] is not None,
            "rows": METRIC_ROWS[key],
        }
        for key, (value, detail, band) in values.items()
    ]


@login_required
def overview_page(request: HttpRequest) -> HttpResponse:
    org = Organisation.current()
    window, problem = _window(request, org.timezone)
    report, teams, services = organisation_overview(window=window)
    context = {
        "nav": "dora",
        "window": _dates(window, org.timezone),
        "window_days": amount(window.days, "days"),
        "timezone": org.timezone,
        "timezone_note": f"times, days and weeks in {org.timezone}",
        "problem": problem,
        "metric_names": list(dora.METRIC_NAMES.values()),
        "organisation": _row(report.metrics),
        "detail_url": _detail_url(None, _window_query(window, org.timezone)),
        "teams": [
            {"scope": row.scope, "indent": range(row.depth), "cells": _row(row.metrics)}
            for row in teams
        ],
        "services": [{"scope": row.scope, "cells": _row(row.metrics)} for row in services],
        "bands_source": BANDS_SOURCE,
    }
    return render(request, "delivery/dora.html", context)


def _detail_url(scope: Any, query: str) -> str:
    """The detail page of the scope (None: the organisation) for the window of `query`."""
    if scope is None or scope.kind == "organisation":
        url = reverse("dora_detail")
    else:
        url = reverse(f"dora_{scope.kind}_detail", args=[scope.key])
    return f"{url}?{query}"


def _spelled(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def key_worth_showing(name: str, key: str | None) -> str | None:
    """The key beside the name (`okrs dora --service pay` needs it), or None when the name
    spells exactly the key, an aside in brackets apart: Checkout and checkout, Platform API
    and platform-api, Reliability (SRE) and reliability. A key that is only part of the name
    is shown: pay for Payments gateway, web for Checkout web."""
    if not key:
        return None
    plain = re.sub(r"\([^)]*\)", " ", name)
    return None if _spelled(key) in (_spelled(name), _spelled(plain)) else key


def _scope_page(request: HttpRequest, *, service: str | None, team: str | None) -> HttpResponse:
    try:
        scope = resolve_scope(service=service, team=team)
    except ScopeNotFound as exc:
        raise Http404(str(exc)) from exc
    window, problem = _window(request, scope.timezone)
    report = dora_report(scope=scope, window=window)
    trend = dora_trend(scope=scope, window=_trend_window(window, scope.timezone))
    context = {
        "nav": "dora",
        "scope": scope,
        "scope_key": key_worth_showing(scope.name, scope.key),
        "timezone": scope.timezone,
        "timezone_note": _timezone_note(scope),
        "services": _service_names(scope) if scope.kind == "team" else [],
        "window": _dates(window, scope.timezone),
        "window_days": amount(window.days, "days"),
        "problem": problem,
        "cells": _row(report.metrics),
        "detail_url": _detail_url(scope, _window_query(window, scope.timezone)),
        "trend": [
            {"week": _week_label(week, scope.timezone), "cells": _row(metrics)}
            for week, metrics in trend
        ],
        "chart": _chart_data(trend),
        "bands_source": BANDS_SOURCE,
    }
    return render(request, "delivery/dora_scope.html", context)


def _service_names(scope: Any) -> list[dict[str, str]]:
    """A team's services as people know them, by name: key for the link, name to read."""
    rows = Service.objects.filter(id__in=list(scope.services)).values_list("key", "name")
    services = [{"key": key, "name": name or key} for key, name in rows]
    return sorted(services, key=lambda s: (s["name"].lower(), s["key"]))


def _trend_window(window: Window, tz_name: str) -> Window:
    """The twelve local weeks (Monday 00:00 on) up to the window's end: the first one whole,
    the last one cut at the window's end when the end falls inside it."""
    tz = zoneinfo.ZoneInfo(tz_name)
    last_day = dt.datetime.fromtimestamp(window.end - 1e-6, tz).date()
    first_monday = last_day - dt.timedelta(days=last_day.weekday(), weeks=TREND_WEEKS - 1)
    return Window(dt.datetime.combine(first_monday, dt.time(), tz).timestamp(), window.end)


def _week_label(week: Window, tz_name: str) -> str:
    """ "Week of 14 Sep", and for a week cut by the window's end "Week of 30 Nov (to 4 Dec
    20:45)": a week of the trend starts on a Monday, local time."""
    tz = zoneinfo.ZoneInfo(tz_name)
    start = dt.datetime.fromtimestamp(week.start, tz)
    end = dt.datetime.fromtimestamp(week.end, tz)
    label = f"Week of {start:%-d %b}"
    if week.end - week.start < dora.WEEK - dora.HOUR:  # not a whole week, even over summer time
        label += f" (to {end:%-d %b %H:%M})"
    return label


def _timezone_note(scope: Any) -> str:
    """Which time zone the page's times, days and weeks are in, and whose it is when it is
    not the organisation's (the overview's)."""
    org_timezone = Organisation.current().timezone
    if scope.timezone == org_timezone:
        return f"times, days and weeks in {scope.timezone}"
    team = scope.name if scope.kind == "team" else scope.team_name
    return (
        f"times, days and weeks in {scope.timezone}, the {team} team's time zone "
        f"(the organisation's, on the overview, is {org_timezone})"
    )


def _chart_data(trend: list[tuple[Window, Metrics]]) -> dict[str, Any]:
    """One series per metric, a point per week (its first day, in milliseconds since 1970)."""

    def hours(seconds: float | None) -> float | None:
        return None if seconds is None else round(seconds / dora.HOUR, 2)

    def points(values: list[float | None]) -> list[dict[str, float | None]]:
        return [
            {"x": int(week.start * 1000), "y": value}
            for (week, _), value in zip(trend, values, strict=True)
        ]

    ms = [m for _, m in trend]
    return {
        "deployment_frequency": points([round(m.deployment_frequency.per_day * 7, 2) for m in ms]),
        "lead_time": points([hours(m.lead_time.median) for m in ms]),
        "change_failure_rate": points(
            [
                None
                if m.change_failure_rate.percent is None
                else round(m.change_failure_rate.percent, 1)
                for m in ms
            ]
        ),
        "recovery_time": points([hours(m.recovery_time.median) for m in ms]),
        "rework_rate": points(
            [None if m.rework_rate.percent is None else round(m.rework_rate.percent, 1) for m in ms]
        ),
    }


@login_required
def service_page(request: HttpRequest, key: str) -> HttpResponse:
    return _scope_page(request, service=key, team=None)


@login_required
def team_page(request: HttpRequest, key: str) -> HttpResponse:
    return _scope_page(request, service=None, team=key)


PAGE_ROWS = 100


def _rows_for_people(detail: dict[str, Any], tz_name: str) -> dict[str, Any]:
    """The detail's rows with their instants and durations written for people; the API's
    answer keeps its ISO instants and hours."""

    def ref(row: dict[str, Any] | None) -> dict[str, Any] | None:
        if row is None:
            return None
        return {**row, "finished_at": moment_text(row.get("finished_at"), tz_name)}

    deployments = [
        {
            **row,
            "finished_at": moment_text(row["finished_at"], tz_name),
            "changes": [
                {
                    **change,
                    "first_commit_at": moment_text(change["first_commit_at"], tz_name),
                    "lead": duration_text(change["lead_hours"], none="no lead time"),
                }
                for change in row["changes"]
            ],
        }
        for row in detail["deployments"]["rows"]
    ]
    failures = [
        {
            **row,
            "deployment": ref(row["deployment"]),
            "remediation": ref(row["remediation"]),
            "began_at": moment_text(row["began_at"], tz_name),
            "resolved_at": moment_text(row["resolved_at"], tz_name, none="unresolved"),
            "recovery": duration_text(row["recovery_hours"], none="unresolved"),
        }
        for row in detail["failures"]["rows"]
    ]
    remediations = [
        {**row, "deployment": ref(row["deployment"]), "marks": ref(row["marks"])}
        for row in detail["remediations"]["rows"]
    ]
    return {
        "deployments": {**detail["deployments"], "rows": deployments},
        "failures": {**detail["failures"], "rows": failures},
        "remediations": {**detail["remediations"], "rows": remediations},
    }


def _detail_page(request: HttpRequest, *, service: str | None, team: str | None) -> HttpResponse:
    try:
        scope = resolve_scope(service=service, team=team)
    except ScopeNotFound as exc:
        raise Http404(str(exc)) from exc
    number = request.GET.get("page") or "1"
    if not number.isdigit() or int(number) < 1:
        return HttpResponseBadRequest("page must be a whole number, 1 or more")
    window, problem = _window(request, scope.timezone)
    page = dora_detail.Page(PAGE_ROWS, (int(number) - 1) * PAGE_ROWS)
    report, detail = dora_detail.dora_detail(scope=scope, window=window, page=page)
    longest = max(section["total"] for section in detail.values())
    dates = _dates(window, scope.timezone)
    context = {
        "nav": "dora",
        "scope": scope,
        "timezone": scope.timezone,
        "timezone_note": _timezone_note(scope),
        "window": dates,
        "window_days": amount(window.days, "days"),
        "problem": problem,
        "cells": _row(report.metrics),
        "detail": _rows_for_people(detail, scope.timezone),
        "page": int(number),
        "first_row": page.offset + 1,
        "previous_page": int(number) - 1 if int(number) > 1 else None,
        "next_page": int(number) + 1 if page.offset + PAGE_ROWS < longest else None,
        "page_query": _window_query(window, scope.timezone),
        "rule_text": dora_detail.RULE_TEXT,
        "bands_source": BANDS_SOURCE,
    }
    return render(request, "delivery/dora_detail.html", context)


@login_required
def organisation_detail_page(request: HttpRequest) -> HttpResponse:
    return _detail_page(request, service=None, team=None)


@login_required
def service_detail_page(request: HttpRequest, key: str) -> HttpResponse:
    return _detail_page(request, service=key, team=None)


@login_required
def team_detail_page(request: HttpRequest, key: str) -> HttpResponse:
    return _detail_page(request, service=None, team=key)


urlpatterns = [
    path("dora/detail/", organisation_detail_page, name="dora_detail"),
    path("dora/service/<slug:key>/detail/", service_detail_page, name="dora_service_detail"),
    path("dora/team/<slug:key>/detail/", team_detail_page, name="dora_team_detail"),
    path("dora/", overview_page, name="dora"),
    path("dora/service/<slug:key>/", service_page, name="dora_service"),
    path("dora/team/<slug:key>/", team_page, name="dora_team"),
]
