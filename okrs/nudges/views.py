"""The pages of nudges: the signed check-in link from an email, and the admins' failure list.

The link's GET only shows the prefilled form: mail scanners and link previews follow links,
so a GET must never record anything. The POST records every touched row (every row for "No
change for all"), all or none, as source `email` (okrs.goals.checkins.services.record_checkins,
which checks the role and audits each check-in), by the rules of okrs/goals/checkins/forms.py.
Snooze is offered only while a snooze would still come back inside the check-in week.
The form carries a CSRF token like every form; the token is tied to a cookie set by the GET,
not to a session, so the POST works without signing in.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from okrs import claims
from okrs.goals.checkins.forms import CheckInRow, PostedRows, check, mark_refusals, row_form
from okrs.goals.checkins.models import CheckIn
from okrs.goals.checkins.services import CheckInsRefused, record_checkins
from okrs.goals.evaluation import evaluate_key_result
from okrs.nudges import links
from okrs.nudges.models import Nudge, NudgeState
from okrs.nudges.selectors import due_key_result_models
from okrs.nudges.services import NO_SNOOZE_LEFT, SnoozeUnavailable, snooze_nudge, snooze_time
from okrs.org.audit import Actor
from okrs.org.models import Organisation, Person
from okrs.org.permissions import PermissionDenied
from okrs.web.shell import admin_required

LinkRow = CheckInRow


def _refused(request: HttpRequest, title: str, reason: str, status: int) -> HttpResponse:
    return render(
        request, "nudges/link_refused.html", {"title": title, "reason": reason}, status=status
    )


@never_cache
@require_http_methods(["GET", "POST"])
def checkin_link(request: HttpRequest, token: str) -> HttpResponse:
    now = timezone.now()
    try:
        link = links.read_token(token, now=now)
    except links.LinkExpired as exc:
        return _refused(
            request,
            "This link has expired",
            f"{str(exc).capitalize()}. Open My check-ins in okrs, or wait for next week's nudge.",
            410,
        )
    except links.LinkInvalid as exc:
        return _refused(request, "This link is not valid", f"{str(exc).capitalize()}.", 400)
    nudge = (
        Nudge.objects.select_related("person")
        .filter(pk=link.nudge_id, person_id=link.person_id, person__is_active=True)
        .first()
    )
    if nudge is None:
        return _refused(
            request, "This link is not valid", "The nudge it belongs to no longer exists.", 404
        )
    person = nudge.person
    org = Organisation.current()
    # The link answers for its own nudge: the key results it asked about, still owned by the
    # person and still due. Another key result (one due since, one handed over) is neither
    # shown nor saved through it.
    listed = {int(pk) for pk in nudge.key_result_ids or ()}
    key_results = [kr for kr in due_key_result_models(person=person, now=now) if kr.pk in listed]
    rows = [
        LinkRow(kr, state, row_form(kr, state))
        for kr in key_results
        for state in [evaluate_key_result(kr, as_of=now, organisation=org)]
    ]
    context: dict[str, Any] = {
        "person": person,
        "rows": rows,
        "saved": [],
        "kept": set(),
        "error": "",
        "notice": "",
        "expires_at": link.expires_at,
    }
    status = 200
    if request.method == "POST":
        if "snooze" in request.POST:
            try:
                until = snooze_nudge(nudge_id=nudge.pk, person=person, now=now, channel="email")
            except SnoozeUnavailable as exc:
                context["error"] = f"Not snoozed. {exc}"
                status = 409
            else:
                context["notice"] = f"Snoozed: we will ask again at {until:%A %H:%M} UTC."
        else:
            status = _save(request, person, rows, context)
            if status == 200 and context["saved"]:
                done = {c.key_result_id for c in context["saved"]}
                context["rows"] = [r for r in rows if r.key_result.pk not in done]
    # Offered only while it would come back inside the check-in week; else the page says so.
    context["snooze_until"] = snooze_time(nudge=nudge, person=person, now=now)
    context["no_snooze_left"] = NO_SNOOZE_LEFT
    return render(request, "nudges/checkin_link.html", context, status=status)


def _save(
    request: HttpRequest, person: Person, rows: list[LinkRow], context: dict[str, Any]
) -> int:
    """Record the touched rows (every row for No change for all), all or none; the HTTP
    status of the answer."""
    posted = PostedRows.of(request.POST)
    chosen: list[LinkRow] = []
    for row in rows:
        if posted.includes(row.key_result):
            row.form = posted.form(row.key_result, row.state)
            chosen.append(row)
    checked = check(posted, chosen)
    if checked.notice:
        context["notice"] = checked.notice
        return 200
    if checked.error:
        context["error"] = checked.error
        return 400
    try:
        saved: list[CheckIn] = record_checkins(
            actor=Actor(person, "email"),
            entries=checked.answers,
            key_results={row.key_result.pk: row.key_result for row in checked.chosen},
        )
    except CheckInsRefused as exc:
        _, reason = exc.first
        mark_refusals(checked.chosen, exc)
        context["error"] = f"Nothing was saved: {reason}."
        return 403 if isinstance(reason, PermissionDenied) else 400
    context["saved"] = saved
    context["kept"] = {a.key_result_id for a in checked.answers if a.value is None}
    return 200


@admin_required("Only admins see failed nudge deliveries.")
def failed_deliveries(request: HttpRequest) -> HttpResponse:
    """Admins only: nudges that failed, and ones waiting to be retried, with the last error."""
    failed = list(
        Nudge.objects.filter(state=NudgeState.FAILED)
        .select_related("person", "fallback")
        .order_by("-updated_at", "-id")[:200]
    )
    retrying = list(
        Nudge.objects.filter(state=NudgeState.PENDING)
        .exclude(last_error="")
        .select_related("person")
        .order_by("next_attempt_at", "id")[:200]
    )
    stuck = list(
        Nudge.objects.filter(state=NudgeState.SENDING)
        .select_related("person")
        .order_by("claimed_at", "id")[:200]
    )
    return render(
        request,
        "nudges/failed.html",
        {
            "nav": "settings",
            "failed": failed,
            "retrying": retrying,
            "stuck": stuck,
            "lease_seconds": int(claims.LEASE.total_seconds()),
        },
    )
