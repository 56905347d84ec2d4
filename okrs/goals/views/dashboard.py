"""The dashboard ("/") and the team page ("/teams/<key>/").

Both read one evaluation of the cycle (`evaluate_cycle`) and the dashboard's numbers from
`build_dashboard`, the same ones the API gives, so the page and `/api/v1/dashboard` agree. The
dashboard's live part re-fetches itself every 10 seconds with htmx; the view answers those polls
with the partial alone, or with 204 when its HTML would be the same, so that the page (and the
keyboard focus in it) is left alone.

The whole organisation's page lists 500 teams and their 625 objectives: those rows are built
in Python (okrs/web/markup.py), not by one template include each, which cost more than the
evaluation itself.

The charts are drawn in the browser (okrs/web/static/web/dashboard.js) from
`/api/v1/dashboard/trends`, fetched when the page opens and again only when a poll brought new
HTML: scoring every week of the cycle on every poll would cost a dozen evaluations per tab.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import path

from okrs.goals.dashboard import (
    AttentionItem,
    Compliance,
    Dashboard,
    MovedItem,
    TeamObjective,
    build_dashboard,
)
from okrs.goals.evaluation import CycleState, KeyResultState, evaluate_cycle
from okrs.goals.scope import PageScope, page_scope
from okrs.metrics.effort.selectors import effort_report
from okrs.metrics.sources.registry import REGISTRY
from okrs.numbers import amount
from okrs.org.models import Team
from okrs.org.permissions import may_create_objectives
from okrs.org.tree import depth_first
from okrs.web.shell import HtmxHttpRequest, signed_in, signin_required

# Each reason's group shows its first rows at once and the next ones folded under "more"; a
# longer list stops being read: the rest is counted, and the API has all of it.
ATTENTION_OPEN = 5
ATTENTION_SHOWN = 25
STATUSES = ("off_track", "at_risk", "on_track")
# Every key result is listed once, under its most urgent reason (the order of SEVERITY). Of the
# reasons, off track and at risk are statuses: whatever is listed under the ones after them is
# on track by status (a key result needing a new owner may be anything).
REASONS = {
    "needs_owner": "Needs a new owner",
    "off_track": "Off track",
    "at_risk": "At risk",
    "drifting": "Drifting",
    "stale": "Stale",
    "missed_checkin": "Missed this week's check-in",
}
REASON_EXPLANATIONS = {
    "needs_owner": "Its owner was deactivated: give it to someone who is still here.",
    "off_track": "Behind pace, or its owner says so.",
    "at_risk": "Slipping behind pace, or its owner says so.",
    "drifting": "On track now, but the trend ends the cycle below target.",
    "stale": "No check-in for more than {stale_after_days} days.",
    "missed_checkin": "Not checked in since this week's check-in day.",
}
# The other reasons of a row, as words after "also".
ALSO = {
    "off_track": "off track",  # after "needs a new owner", the one reason before it
    "at_risk": "at risk",
    "drifting": "drifting",
    "stale": "stale",
    "missed_checkin": "missed this week's check-in",
}


@dataclass(frozen=True)
class AttentionRow:
    """A needs-attention item as the page lists it (okrs.web.markup.attention_list)."""

    ref: str
    title: str
    status: str
    score: float
    team: str | None
    owner_name: str
    also: str  # the item's other reasons, in words ("stale, missed this week's check-in")
    team_name: str | None = None  # the team as people know it; `team` is its key, for the link


@dataclass(frozen=True)
class AttentionGroup:
    """The rows whose most urgent reason is `reason`: `shown` at once, `folded` under "more"."""

    reason: str
    heading: str
    explanation: str
    is_status: bool
    shown: list[AttentionRow]
    folded: list[AttentionRow]
    total: int

    @property
    def left_out(self) -> int:
        return self.total - len(self.shown) - len(self.folded)


@dataclass(frozen=True)
class TeamNode:
    team: Team
    depth: int

    @property
    def label(self) -> str:
        """The name indented by its depth, for a <select> that cannot nest lists."""
        return "\u2014 " * self.depth + self.team.name


def team_tree(teams: list[Team], root: Team | None = None) -> list[TeamNode]:
    """The teams depth first (each parent before its sub-teams); only `root`'s subtree if given."""
    walked = depth_first(teams, order=lambda team: team.name.lower(), root=root)
    return [TeamNode(team, depth) for team, depth in walked]


def _team_from_query(request: HttpRequest) -> Team | None:
    key = request.GET.get("team")
    if not key:
        return None
    team = Team.objects.only("key", "name").filter(key=key).first()
    if team is None:
        raise Http404(f"no team {key!r}")
    return team


def _display_name(person: Any) -> str:
    return person.name or person.email


def _states_by_ref(state: CycleState, refs: set[str]) -> dict[str, KeyResultState]:
    """The key results among `refs` ("objective/key"), found through their objective: the
    page names the owners of a few dozen rows, not of every key result of the cycle."""
    objectives = state.by_key()
    found: dict[str, KeyResultState] = {}
    for ref in refs:
        objective_key, _, key = ref.partition("/")
        for kr in objectives[objective_key].key_results:
            if kr.key_result.key == key:
                found[ref] = kr
    return found


def _live_context(
    state: CycleState, data: Dashboard, nodes: list[TeamNode], team: Team | None
) -> dict[str, Any]:
    """What the dashboard's live part shows, from `build_dashboard`'s data."""
    by_reason: dict[str, list[AttentionItem]] = {reason: [] for reason in REASONS}
    for item in data.needs_attention:
        by_reason[item.reasons[0]].append(item)
    listed = [item for items in by_reason.values() for item in items[:ATTENTION_SHOWN]]
    by_ref = _states_by_ref(state, {row.ref for row in listed})
    team_names = {n.team.key: n.team.name for n in nodes}

    def row(item: AttentionItem) -> AttentionRow:
        owner = _display_name(by_ref[item.ref].key_result.owner)
        also = ", ".join(ALSO[r] for r in item.reasons[1:])
        name = team_names.get(item.team or "", item.team)
        return AttentionRow(
            item.ref, item.title, item.status, item.score, item.team, owner, also, name
        )

    groups = [
        AttentionGroup(
            reason=reason,
            heading=REASONS[reason],
            explanation=REASON_EXPLANATIONS[reason].format(
                stale_after_days=amount(state.organisation.stale_after_days)
            ),
            is_status=reason in STATUSES,
            shown=[row(item) for item in items[:ATTENTION_OPEN]],
            folded=[row(item) for item in items[ATTENTION_OPEN:ATTENTION_SHOWN]],
            total=len(items),
        )
        for reason, items in by_reason.items()
        if items
    ]
    depth = {n.team.key: n.depth for n in nodes}
    team_rows = [(depth.get(row.team, 0), row) for row in data.teams]

    # Company objectives belong to no team: they get a row of their own on the whole picture.
    company = [o for o in state.objectives if o.objective.team_id is None]
    company_row = None
    if team is None and company:
        overall = data.checkin_compliance
        checked = overall.checked_in - sum(r.checkin_compliance.checked_in for r in data.teams)
        due = overall.due - sum(r.checkin_compliance.due for r in data.teams)
        company_row = {
            "checkin_compliance": Compliance.of(checked, due),
            "objectives": [TeamObjective.of(o) for o in company],
        }

    counts = data.counts
    return {
        "cycle": state.cycle,
        "team": team,
        "kr_counts": [(s, getattr(counts.key_results, s)) for s in STATUSES],
        "objective_counts": [(s, getattr(counts.objectives, s)) for s in STATUSES],
        "kr_total": sum(len(o.key_results) for o in state.objectives),
        "objective_total": len(state.objectives),
        "compliance": data.checkin_compliance,
        "attention_groups": groups,
        "attention_total": len(data.needs_attention),
        "moved": [(row, _credit(row)) for row in data.what_moved],
        "team_rows": team_rows,
        "company_row": company_row,
    }


def _credit(row: MovedItem) -> str:
    """Who moved it: whoever told the latest check-in, or the source a sync read it from."""
    if row.synced:
        backend = REGISTRY.get(row.synced_from or "")
        return f"synced from {backend.label if backend else 'its automatic source'}"
    if row.checked_in_by_name:
        return f"checked in by {row.checked_in_by_name}"
    return "checked in by someone no longer here"


def _live_part(live: dict[str, Any]) -> dict[str, Any]:
    """The live part's HTML and its fingerprint, a digest of that HTML: a poll that sends the
    fingerprint of what it shows gets a 204 exactly when it would get the same HTML again."""
    content = render_to_string("goals/dashboard/_live_content.html", live)
    return {
        "live_content": content,
        "fingerprint": hashlib.sha256(content.encode()).hexdigest()[:32],
    }


def _scope_query(scope: PageScope, team: Team | None) -> str:
    params = {"cycle": scope.cycle.key} if scope.cycle else {}
    if team is not None:
        params["team"] = team.key
    return urlencode(params)


@signin_required
def dashboard(request: HtmxHttpRequest) -> HttpResponse:
    """The cycle at a glance for the organisation or one team and its sub-teams."""
    scope = page_scope(request)
    team = _team_from_query(request)
    context: dict[str, Any] = {
        "nav": "dashboard",
        "scope": scope,
        "cycle": scope.cycle,
        "team": team,
        "poll_url": f"{request.path}?{_scope_query(scope, team)}",
        "may_create": may_create_objectives(signed_in(request)),
    }
    teams: list[Team] = []
    whole_tree: list[TeamNode] | None = None
    if scope.cycle is not None:
        state = evaluate_cycle(
            scope.cycle, as_of=scope.as_of, team=team, organisation=scope.organisation
        )
        # Every team, with `.parent` set, as build_dashboard reads it: no query of our own.
        teams = list(state.teams.values())
        nodes = team_tree(teams, state.teams[team.pk] if team else None)
        whole_tree = nodes if team is None else None
        data = build_dashboard(state, [n.team for n in nodes])
        live = _live_context(state, data, nodes, team)
        live["trends_url"] = f"/api/v1/dashboard/trends?{_scope_query(scope, team)}"
        context.update(_live_part(live))
    if request.htmx:
        if scope.cycle is None or request.GET.get("seen") == context["fingerprint"]:
            return HttpResponse(status=204)
        return render(request, "goals/dashboard/_live.html", context)
    if scope.cycle is None:
        teams = list(Team.objects.only("key", "name", "parent_id"))
    choices = whole_tree if whole_tree is not None else team_tree(teams)
    context["team_choices"] = [(n.team.key, n.label) for n in choices]
    context["selected_team"] = team.key if team else ""
    return render(request, "goals/dashboard/page.html", context)


@signin_required
def team_page(request: HttpRequest, key: str) -> HttpResponse:
    """A team: who is in it, its sub-teams, and its and its sub-teams' objectives this cycle."""
    scope = page_scope(request)
    team = get_object_or_404(Team.objects.select_related("lead"), key=key)
    teams = list(Team.objects.only("key", "name", "parent_id", "timezone", "checkin_day"))
    by_id = {t.pk: t for t in teams}
    for t in teams:
        t.parent = by_id.get(t.parent_id) if t.parent_id else None
    nodes = team_tree(teams, by_id[team.pk])
    context: dict[str, Any] = {
        "nav": "dashboard",
        "scope": scope,
        "cycle": scope.cycle,
        "team": team,
        "parent": by_id.get(team.parent_id) if team.parent_id else None,
        "members": sorted(team.members.all(), key=lambda p: _display_name(p).lower()),
        "sub_teams": [n.team for n in nodes if n.depth == 1],
        "dashboard_url": f"/?{_scope_query(scope, team)}",
    }
    if scope.cycle is not None:
        state = evaluate_cycle(
            scope.cycle, as_of=scope.as_of, team=team, organisation=scope.organisation
        )
        data = build_dashboard(state, [n.team for n in nodes])
        by_team: dict[int | None, list[Any]] = {}
        for objective in state.objectives:
            by_team.setdefault(objective.objective.team_id, []).append(objective)
        compliance = {row.team: row.checkin_compliance for row in data.teams}
        counts = data.counts
        context.update(
            {
                "kr_counts": [(s, getattr(counts.key_results, s)) for s in STATUSES],
                "objective_counts": [(s, getattr(counts.objectives, s)) for s in STATUSES],
                "compliance": data.checkin_compliance,
                "attention_total": len(data.needs_attention),
                "effort": effort_report(
                    scope.cycle, as_of=scope.as_of, team=team, organisation=scope.organisation
                ),
                "groups": [
                    {
                        "team": n.team,
                        "depth": n.depth,
                        "compliance": compliance.get(n.team.key),
                        "objectives": by_team.get(n.team.pk, []),
                    }
                    for n in nodes
                ],
            }
        )
    return render(request, "goals/dashboard/team.html", context)


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("teams/<slug:key>/", team_page, name="team"),
]
