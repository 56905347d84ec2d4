""" "My check-ins": where nudge emails and chat messages land.

Every key result the person owns that is due, each prefilled, all saved with one submit, all or
none, through `record_checkins`, which checks the role again and audits each check-in. "No
change for all" confirms every due key result in the same one submit; the rules of what is
recorded are the forms' (okrs/goals/checkins/forms.py, docs/checkins.md).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from okrs.goals.checkins.forms import (
    CheckInRow,
    PostedRows,
    check,
    mark_refusals,
    row_form,
)
from okrs.goals.checkins.models import CheckIn
from okrs.goals.checkins.services import CheckInsRefused, record_checkins
from okrs.goals.evaluation import KeyResultState, evaluate_key_result
from okrs.goals.models import Cycle, KeyResult
from okrs.goals.scope import page_scope
from okrs.org.audit import Actor
from okrs.org.models import Organisation, Person
from okrs.org.permissions import PermissionDenied
from okrs.web.shell import HtmxHttpRequest, signed_in

# A key result checked in on by a person within this long is not asked about again.
DUE_AFTER = dt.timedelta(days=3)


def _cycle_is_active(cycle: Cycle, org: Organisation, now: dt.datetime) -> bool:
    start, end = cycle.bounds(org.timezone)
    return cycle.frozen_at is None and start <= now < end


def _is_due(state: KeyResultState, now: dt.datetime) -> bool:
    last = state.last_human_checkin_at
    return last is None or now - last >= DUE_AFTER


Row = CheckInRow


@dataclass
class Saved:
    key_result: KeyResult
    checkin: CheckIn
    state: KeyResultState | None = None
    kept: bool = False  # "no change": the value kept, the confidence confirmed


@dataclass
class MyCheckIns:
    due: list[Row] = field(default_factory=list)
    done: list[Row] = field(default_factory=list)
    saved: list[Saved] = field(default_factory=list)
    error: str = ""
    notice: str = ""


@login_required
@require_http_methods(["GET", "POST"])
def my_checkins(request: HtmxHttpRequest) -> HttpResponse:
    person = signed_in(request)
    scope = page_scope(request)
    org = scope.organisation
    cycle = scope.cycle
    key_results = (
        list(
            KeyResult.objects.filter(owner=person, objective__cycle=cycle)
            # The sync state (okrs/metrics/sources) says when an automatic one was last synced.
            .select_related("objective__cycle", "objective__team", "owner", "sync_state")
            .order_by("objective__position", "objective_id", "position", "id")
        )
        if cycle is not None
        else []
    )
    page = MyCheckIns()
    status = 200
    if request.method == "POST":
        status = _save_rows(request, person, key_results, org, page)
    _fill_rows(key_results, org, page, keep_typed=status >= 400)
    active = cycle is not None and _cycle_is_active(cycle, org, timezone.now())
    context = {
        "nav": "checkins",
        "page": page,
        "cycle": cycle,
        "cycles": scope.cycles,
        "active": active,
        "due_after_days": DUE_AFTER.days,
    }
    template = "checkins/_my_checkins.html" if request.htmx else "checkins/my_checkins.html"
    return render(request, template, context, status=status)


def _fill_rows(
    key_results: list[KeyResult],
    org: Organisation,
    page: MyCheckIns,
    *,
    keep_typed: bool,
) -> None:
    """Sort the key results into due and done; after a refused submit, keep what was typed."""
    now = timezone.now()
    typed = {row.key_result.pk: row for row in page.due}
    page.due = []
    for kr in key_results:
        state = evaluate_key_result(kr, as_of=now, organisation=org)
        if keep_typed and kr.pk in typed:
            row = typed[kr.pk]
            row.state = state
            page.due.append(row)
            continue
        row = Row(kr, state, row_form(kr, state))
        active = _cycle_is_active(kr.objective.cycle, org, now)
        (page.due if active and _is_due(state, now) else page.done).append(row)
    for saved in page.saved:
        saved.state = next(
            (r.state for r in [*page.due, *page.done] if r.key_result.pk == saved.key_result.pk),
            None,
        )


def _save_rows(
    request: HttpRequest,
    person: Person,
    key_results: list[KeyResult],
    org: Organisation,
    page: MyCheckIns,
) -> int:
    """Record one check-in per touched row (every row for No change for all), all or none;
    the HTTP status of the answer."""
    now = timezone.now()
    posted = PostedRows.of(request.POST)
    rows: list[Row] = []
    for kr in key_results:
        if posted.includes(kr):
            state = evaluate_key_result(kr, as_of=now, organisation=org)
            rows.append(Row(kr, state, posted.form(kr, state)))
    page.due = rows
    checked = check(posted, rows)
    if checked.notice:
        page.notice = checked.notice
        return 200
    if checked.error:
        page.error = checked.error
        return 400
    try:
        recorded = record_checkins(
            actor=Actor(person, "web"),
            entries=checked.answers,
            key_results={row.key_result.pk: row.key_result for row in checked.chosen},
        )
    except CheckInsRefused as exc:
        _, reason = exc.first
        if isinstance(reason, PermissionDenied):
            for row in checked.chosen:
                if row.key_result.pk in exc.errors:
                    row.error = f"You may not check in on {row.key_result.ref}."
            page.error = "Nothing was saved."
            return 403
        mark_refusals(checked.chosen, exc)
        page.error = "Nothing was saved: correct the rows marked below."
        return 400
    page.saved = [
        Saved(row.key_result, checkin, kept=answer.value is None)
        for row, answer, checkin in zip(checked.chosen, checked.answers, recorded, strict=True)
    ]
    return 200


urlpatterns = [path("checkins/", my_checkins, name="my_checkins")]
