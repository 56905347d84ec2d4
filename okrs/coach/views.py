"""The live coach of the web editor: the editor's forms post their fields here (htmx) as the
person types, and get back the findings for the one entity being edited, as a partial."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from okrs.coach import live

PANEL = "coach/_findings.html"


def _render(request: HttpRequest, result: live.LiveFindings) -> HttpResponse:
    return render(request, PANEL, {"findings": result.findings, "waiting": result.waiting})


@login_required
@require_POST
def key_result_findings(request: HttpRequest) -> HttpResponse:
    result = live.key_result_findings(
        request.POST,
        objective_key=request.POST.get("coach_objective", "")[:100],
        editing=request.POST.get("coach_key_result", "")[:100],
    )
    return _render(request, result)


@login_required
@require_POST
def objective_findings(request: HttpRequest) -> HttpResponse:
    result = live.objective_findings(
        request.POST, editing=request.POST.get("coach_objective", "")[:100]
    )
    return _render(request, result)
