"""The objective page, the key-result page with its check-in form, and the initiative page.

Every check-in goes through `record_checkins`, which checks the role again and audits it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from okrs.coach.work import unlinked_initiatives
from okrs.goals import scoring
from okrs.goals.checkins.forms import CheckInForm, form_for
from okrs.goals.checkins.models import CheckIn
from okrs.goals.checkins.present import history_rows
from okrs.goals.checkins.services import CheckInsRefused, record_checkins
from okrs.goals.evaluation import KeyResultState, evaluate_cycle, evaluate_key_result
from okrs.goals.models import Cycle, Initiative, KeyResult, Objective
from okrs.insights.end_of_cycle import carry_over_choices, end_of_cycle_open
from okrs.metrics.effort.selectors import initiative_effort, objective_effort
from okrs.metrics.sources.public import is_fed_by_events, public_source, readable_source
from okrs.numbers import amount, forecast_amount, plain_number
from okrs.org.audit import Actor
from okrs.org.models import Organisation, Person
from okrs.org.permissions import (
    PermissionDenied,
    can_check_in,
    can_edit_key_result,
    can_edit_objective,
)
from okrs.reports.impacts import impacts_for
from okrs.web.shell import HtmxHttpRequest, signed_in


def _cycle_is_active(cycle: Cycle, org: Organisation, now: dt.datetime) -> bool:
    start, end = cycle.bounds(org.timezone)
    return cycle.frozen_at is None and start <= now < end


def optional_url(name: str, *args: str) -> str | None:
    """The URL of a page another part of the product may not provide yet; None without it."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _with_impacts(
    initiatives: list[Initiative], org: Organisation, now: dt.datetime
) -> list[tuple[Initiative, Any]]:
    """Each initiative with its before/after comparison (None unless it is done)."""
    impacts = impacts_for(initiatives, tz_name=org.timezone, as_of=now)
    return [(i, impacts.get(i.pk)) for i in initiatives]


# --- the objective page ----------------------------------------------------------------------


@login_required
def objective_page(request: HttpRequest, key: str) -> HttpResponse:
    objective = get_object_or_404(
        Objective.objects.select_related("cycle", "team", "owner"), key=key
    )
    person = signed_in(request)
    org = Organisation.current()
    state = evaluate_cycle(objective.cycle, as_of=timezone.now(), organisation=org)
    ending = end_of_cycle_open(objective.cycle, organisation=org)
    following, later = carry_over_choices(objective) if ending else (None, [])
    by_key = state.by_key()
    found = by_key[key]
    # Read the parent from the evaluated copy: it comes with its objective already loaded.
    evaluated = found.objective
    kr_ids = [k.key_result.pk for k in found.key_results]
    children = list(
        Objective.objects.filter(
            Q(aligns_to_objective=objective) | Q(aligns_to_key_result_id__in=kr_ids)
        ).select_related("team", "owner", "aligns_to_key_result")
    )
    initiatives = list(
        objective.initiatives.select_related("key_result__objective__cycle", "owner")
    )
    links = list(
        objective.contribution_links.select_related("to_objective", "to_key_result__objective")
    )
    coach = unlinked_initiatives(initiatives, now=state.as_of, organisation=org)
    return render(
        request,
        "goals/pages/objective.html",
        {
            "nav": "dashboard",
            "objective": objective,
            "effort": objective_effort(objective, as_of=state.as_of),
            "state": found,
            "aligns_to_objective": evaluated.aligns_to_objective,
            "aligns_to_key_result": evaluated.aligns_to_key_result,
            "children": [(child, by_key.get(child.key)) for child in children],
            "initiatives": [
                (initiative, impact, coach.get(initiative.pk))
                for initiative, impact in _with_impacts(initiatives, org, state.as_of)
            ],
            "links": links,
            "can_edit": can_edit_objective(person, objective),
            # Offered from the cycle's last week on, into the next cycle of the same length
            # first (end_of_cycle.py).
            "carry_over_url": optional_url("objective_carry_over", objective.key)
            if ending
            else None,
            "later_cycles": [following, *later] if ending else [],
            "report_url": reverse("report", args=[objective.cycle.key]),
        },
    )


# --- the key-result page ---------------------------------------------------------------------


@dataclass
class CheckInOutcome:
    form: CheckInForm
    status: int = 200
    error: str = ""
    saved: CheckIn | None = None


@login_required
@require_http_methods(["GET", "POST"])
def key_result_page(request: HtmxHttpRequest, objective_key: str, kr_key: str) -> HttpResponse:
    key_result = get_object_or_404(
        KeyResult.objects.select_related(
            "objective__cycle", "objective__team", "owner", "sync_state"
        ),
        objective__key=objective_key,
        key=kr_key,
    )
    person = signed_in(request)
    org = Organisation.current()
    outcome: CheckInOutcome | None = None
    if request.method == "POST":
        outcome = _check_in(request, key_result, person)
        if outcome.saved is not None and not request.htmx:
            return redirect(request.path)  # after a plain form post, a reload must not repost
    context = _key_result_context(key_result, person, org, outcome)
    template = "goals/pages/_kr_live.html" if request.htmx else "goals/pages/key_result.html"
    return render(request, template, context, status=outcome.status if outcome else 200)


def _check_in(request: HttpRequest, key_result: KeyResult, person: Person) -> CheckInOutcome:
    data = request.POST.copy()
    no_change = "no_change" in data
    if no_change:
        data["value"] = ""  # "No change" keeps the value, whatever is in the field
    state = evaluate_key_result(key_result, as_of=timezone.now())
    form = form_for(key_result, state, data)
    if not can_check_in(person, key_result):
        return CheckInOutcome(form, 403, f"You may not check in on {key_result.ref}.")
    if not form.is_valid():
        return CheckInOutcome(form, 400, "The check-in was not saved: see the fields below.")
    # A check-in that keeps the value (No change, an empty value, an automatic key result)
    # is its confidence: without one it would record nothing the person said.
    missing = form.missing_confidence(keep_value=no_change)
    if missing:
        return CheckInOutcome(form, 400, f"The check-in was not saved. {missing}")
    try:
        [checkin] = record_checkins(
            actor=Actor(person, "web"),
            entries=[form.answer(key_result, keep_value=no_change)],
            key_results={key_result.pk: key_result},
        )
    except CheckInsRefused as exc:
        _, reason = exc.first
        if isinstance(reason, PermissionDenied):
            return CheckInOutcome(form, 403, f"You may not check in on {key_result.ref}.")
        return CheckInOutcome(form, 400, f"The check-in was not saved: {reason}.")
    return CheckInOutcome(form, 200, saved=checkin)


def _key_result_context(
    key_result: KeyResult, person: Person, org: Organisation, outcome: CheckInOutcome | None
) -> dict[str, Any]:
    now = timezone.now()
    cycle = key_result.objective.cycle
    state = evaluate_key_result(key_result, as_of=now, organisation=org)
    history = list(key_result.checkins.select_related("author").order_by("-at", "-id"))
    may_check_in = can_check_in(person, key_result) and cycle.frozen_at is None
    if outcome is None or outcome.saved is not None:
        form = form_for(key_result, state)  # fresh, prefilled with the new value
    else:
        form = outcome.form
    return {
        "nav": "dashboard",  # as its crumbs say, whoever owns it
        "kr": key_result,
        "objective": key_result.objective,
        "state": state,
        "r": state.result,
        "history": history,
        "history_rows": history_rows(history, automatic=key_result.source is not None),
        "chart": _chart_data(key_result, state, history, org),
        "source": public_source(key_result.source),
        "sync": sync_state(key_result, running=_cycle_is_active(cycle, org, now)),
        "form": form,
        "may_check_in": may_check_in,
        "outcome": outcome,
        "can_edit": can_edit_key_result(person, key_result),
        "stale_after_days": plain_number(org.stale_after_days),
        "person_tz": person.timezone or org.timezone,
        "initiatives": _with_impacts(
            list(key_result.initiatives.select_related("key_result__objective__cycle", "owner")),
            org,
            now,
        ),
        "retrospective": getattr(key_result, "retrospective", "") or "",
        # Only the people who may answer are offered the form; its own view checks again.
        "retrospective_url": optional_url(
            "key_result_retrospective", key_result.objective.key, key_result.key
        )
        if (key_result.owner_id == person.pk or can_edit_key_result(person, key_result))
        and end_of_cycle_open(cycle, now=now, organisation=org)
        else None,
    }


def sync_state(key_result: KeyResult, *, running: bool) -> dict[str, Any]:
    """What the page says about the source's sync. The stored state belongs to the source it
    was recorded for: after an edit of the source, it is a new source waiting for its sync."""
    # The metric sources keep the state (a SyncState, absent before the first sync).
    state = getattr(key_result, "sync_state", None)
    current = state is not None and state.belongs_to(key_result.source)
    return {
        "shown": readable_source(key_result.source),
        "running": running,
        "last_synced_at": state.last_synced_at if state else None,
        "next_sync_at": state.next_sync_at if state else None,
        "on_events": is_fed_by_events(key_result.source),
        "pending": not current,
        "flagged": state.flagged if current and state else False,
        "failures": state.failures if current and state else 0,
        "error": state.last_error if current and state else "",
    }


def _millis(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def _chart_data(
    key_result: KeyResult,
    state: KeyResultState,
    history: list[CheckIn],
    org: Organisation,
) -> dict[str, Any]:
    """The value history, the expected line and the forecast, in milliseconds since 1970."""
    start, end = key_result.objective.cycle.bounds(org.timezone)
    known = sorted((c for c in history if c.at <= state.moment), key=lambda c: (c.at, c.pk))
    expected: list[dict[str, Any]] = []
    if key_result.kind in ("increase", "decrease"):
        if key_result.baseline is not None and key_result.target is not None:
            expected = [
                {"x": _millis(start), "y": key_result.baseline},
                {"x": _millis(end), "y": key_result.target},
            ]
    elif key_result.target is not None:
        expected = [
            {"x": _millis(start), "y": key_result.target},
            {"x": _millis(end), "y": key_result.target},
        ]
    forecast: list[dict[str, Any]] = []
    # The same points and line as the forecast (docs/evaluation.md): check-ins inside the cycle,
    # with time in days since its start.
    points = [
        ((c.at - start) / dt.timedelta(days=1), c.value) for c in known if start <= c.at < end
    ]
    if state.result.forecast is not None and len(points) >= 3:
        line = scoring.theil_sen(points)
        if line is not None:
            slope, intercept = line
            last_day = points[-1][0]
            forecast = [
                {
                    "x": _millis(start + dt.timedelta(days=last_day)),
                    "y": intercept + slope * last_day,
                },
                {"x": _millis(end), "y": state.result.forecast},
            ]
    # Each point's text for the tooltip, written like the page (okrs/numbers.py); the forecast
    # within what its unit allows, though its line is drawn as computed.
    unit = key_result.unit
    for point in expected:
        point["text"] = amount(point["y"], unit)
    for point in forecast:
        point["text"] = forecast_amount(
            point["y"], unit, baseline=key_result.baseline, target=key_result.target
        )
    return {
        "unit": unit,
        "start": _millis(start),
        "end": _millis(end),
        "values": [
            {"x": _millis(c.at), "y": c.value, "text": amount(c.value, unit)} for c in known
        ],
        "expected": expected,
        "forecast": forecast,
    }


# --- the initiative page --------------------------------------------------------------------


@login_required
def initiative_page(request: HttpRequest, objective_key: str, initiative_key: str) -> HttpResponse:
    """An initiative and whether its key result moved after it was done."""
    initiative = get_object_or_404(
        Initiative.objects.select_related(
            "objective__cycle", "objective__team", "owner", "key_result__objective__cycle"
        ),
        objective__key=objective_key,
        key=initiative_key,
    )
    person = signed_in(request)
    org = Organisation.current()
    now = timezone.now()
    [(_, impact)] = _with_impacts([initiative], org, now)
    return render(
        request,
        "goals/pages/initiative.html",
        {
            "nav": "dashboard",
            "initiative": initiative,
            "objective": initiative.objective,
            "impact": impact,
            "effort": initiative_effort(initiative, as_of=now),
            "coach": list(unlinked_initiatives([initiative], now=now, organisation=org).values()),
            "can_edit": can_edit_objective(person, initiative.objective),
        },
    )


urlpatterns = [
    path("objectives/<slug:key>/", objective_page, name="objective"),
    path(
        "key-results/<slug:objective_key>/<slug:kr_key>/",
        key_result_page,
        name="key_result",
    ),
    path(
        "initiatives/<slug:objective_key>/<slug:initiative_key>/",
        initiative_page,
        name="initiative",
    ),
]
