"""The business review in the web app: choose a cycle and a team, read it, download it.

Everyone signed in may read every report (members and viewers read everything in the
organisation). The page shows the same HTML as the file, styled by a static stylesheet
(the Content-Security-Policy forbids inline scripts; the report has none).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from okrs.goals.evaluation import current_cycle
from okrs.goals.models import Cycle
from okrs.org.models import Organisation, Team
from okrs.reports.build import build_report
from okrs.reports.html import html_context
from okrs.reports.render import FORMATS
from okrs.reports.render import render as render_report


def _team(request: HttpRequest) -> Team | None:
    key = request.GET.get("team", "").strip()
    if not key:
        return None
    # A NUL byte is refused by PostgreSQL with an error, not a miss: not a key either way.
    team = Team.objects.filter(key=key).first() if "\x00" not in key else None
    if team is None:
        raise Http404(f"no team {key!r}")
    return team


def _cycle(key: str) -> Cycle:
    cycle = Cycle.objects.filter(key=key).first() if "\x00" not in key else None
    if cycle is None:
        raise Http404(f"no cycle {key!r}")
    return cycle


@login_required
@require_GET
def reports_index(request: HttpRequest) -> HttpResponse:
    """Choose a cycle and a team; a chosen cycle goes straight to its report."""
    if request.GET.get("cycle"):
        cycle = _cycle(request.GET["cycle"])
        team = _team(request)
        target = reverse("report", args=[cycle.key])
        return redirect(f"{target}?team={team.key}" if team else target)
    org = Organisation.current()
    return render(
        request,
        "reports/index.html",
        {
            "nav": "reports",
            "cycles": list(Cycle.objects.order_by("-start", "key")),
            "current": current_cycle(timezone.now(), org),
            "teams": list(Team.objects.order_by("name", "key")),
        },
    )


@login_required
@require_GET
def report_page(request: HttpRequest, cycle: str) -> HttpResponse:
    found = _cycle(cycle)
    team = _team(request)
    report = build_report(cycle=found, team=team)
    query = f"?team={team.key}" if team else ""
    context = html_context(report) | {
        "nav": "reports",
        "cycles": list(Cycle.objects.order_by("-start", "key")),
        "teams": list(Team.objects.order_by("name", "key")),
        "chosen_cycle": found,
        "chosen_team": team,
        "downloads": [
            (label, reverse("report_download", args=[found.key, fmt]) + query)
            for fmt, label in (("md", "Markdown"), ("html", "HTML (print-ready)"), ("json", "JSON"))
        ],
    }
    return render(request, "reports/page.html", context)


@login_required
@require_GET
def report_download(request: HttpRequest, cycle: str, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404(f"no report format {fmt!r}")
    found = _cycle(cycle)
    team = _team(request)
    text = render_report(cycle=found, team=team, fmt=fmt)
    response = HttpResponse(text, content_type=FORMATS[fmt])
    name = f"qbr-{found.key}{'-' + team.key if team else ''}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
