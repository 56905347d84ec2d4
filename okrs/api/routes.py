"""The HTTP API under /api/v1/ (docs/api.md). Handlers parse, check permission, call one service."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import NinjaAPI, Status
from ninja.errors import AuthenticationError, HttpError

from okrs.api import schemas
from okrs.api.openapi import complete
from okrs.goals.alignment import Alignment, build_alignment
from okrs.goals.checkins.models import CheckIn
from okrs.goals.checkins.services import CheckInInvalid, record_checkin
from okrs.goals.dashboard import (
    Dashboard,
    DashboardTrends,
    build_dashboard,
    build_trends,
    week_ends,
)
from okrs.goals.evaluation import (
    CycleState,
    current_cycle,
    evaluate_cycle,
    evaluate_cycle_over,
    evaluate_key_result,
    team_subtree,
)
from okrs.goals.models import Cycle, Initiative, KeyResult, Objective
from okrs.goals.present import CycleScores, KeyResultScore, ObjectiveScore, fields_of
from okrs.metrics.sources.public import public_source
from okrs.metrics.sources.sync import sync_summary
from okrs.org.audit import Actor
from okrs.org.models import Organisation, Person, Team
from okrs.org.permissions import PermissionDenied
from okrs.timeutil import is_id, parse_instant
from okrs.web.api import AUTH, AsOf, Level, answers


class OkrsAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs: Any) -> Any:
        # Every route's shared answers (400, 401, 403) are added in one place (okrs.api.openapi).
        return complete(super().get_openapi_schema(**kwargs))


api = OkrsAPI(
    title="okrs",
    version="1",
    description="Objectives, key results, check-ins, dashboard and alignment of one organisation.",
    urls_namespace="api",
    auth=AUTH,
)


UNAUTHENTICATED = "not signed in: send Authorization: Bearer TOKEN (okrs token create) or sign in"


@api.exception_handler(AuthenticationError)
def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": UNAUTHENTICATED}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=403)


@api.exception_handler(CheckInInvalid)
def checkin_invalid(request: HttpRequest, exc: CheckInInvalid) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=422)


def _as_of(text: str | None, org: Organisation) -> dt.datetime:
    if not text:
        return timezone.now()
    try:
        return parse_instant(text, org.timezone)
    except ValueError as exc:
        raise HttpError(400, f"as_of: {exc}") from exc


def _cycle(key: str | None, as_of: dt.datetime, org: Organisation) -> Cycle:
    if key:
        cycle = Cycle.objects.filter(key=key).first()
        if cycle is None:
            raise HttpError(404, f"no cycle {key!r}")
        return cycle
    found = current_cycle(as_of, org)
    if found is None:
        raise HttpError(404, "there are no cycles yet: create one with `okrs apply`")
    return found


def _team(key: str | None) -> Team | None:
    if not key:
        return None
    team = Team.objects.select_related("parent").filter(key=key).first()
    if team is None:
        raise HttpError(404, f"no team {key!r}")
    return team


def _evaluate(
    request: HttpRequest,
    cycle: str | None,
    as_of: str | None,
    team: str | None = None,
    level: str | None = None,
) -> CycleState:
    org = Organisation.current()
    moment = _as_of(as_of, org)
    if level is not None and level not in ("company", "team", "individual"):
        raise HttpError(400, "level must be company, team or individual")
    return evaluate_cycle(
        _cycle(cycle, moment, org), as_of=moment, team=_team(team), level=level, organisation=org
    )


def _key_result(ref: str) -> KeyResult:
    query = KeyResult.objects.select_related(
        "objective__cycle", "owner", "objective__team", "sync_state"
    )
    if is_id(ref):
        return get_object_or_404(query, pk=int(ref))
    objective_key, _, kr_key = ref.partition("/")
    if not kr_key:
        raise HttpError(400, "a key-result reference is OBJECTIVE_KEY/KR_KEY or a numeric id")
    return get_object_or_404(query, objective__key=objective_key, key=kr_key)


def _require_json_object(request: HttpRequest) -> None:
    # ninja reads an empty list or a bare `null` as "no fields given", which for a check-in
    # would mean "no change": refuse anything but an object instead of guessing.
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return  # ninja has already answered malformed JSON with a 4xx
    if not isinstance(data, dict):
        raise HttpError(422, 'the body must be a JSON object, like {"value": 12}')


def _checkin_out(checkin: CheckIn) -> schemas.CheckInOut:
    return schemas.CheckInOut(
        id=checkin.pk,
        at=checkin.at,
        value=checkin.value,
        confidence=checkin.confidence,
        note=checkin.note,
        author=checkin.author.email if checkin.author else None,
        source=checkin.source,
    )


def _initiative_out(initiative: Initiative) -> schemas.InitiativeOut:
    return schemas.InitiativeOut(
        key=initiative.key,
        title=initiative.title,
        status=initiative.status,
        key_result=initiative.key_result.key if initiative.key_result else None,
        owner=initiative.owner.email if initiative.owner else None,
        completed_on=initiative.completed_on,
    )


@api.get("/cycles", response={200: list[schemas.CycleOut]}, tags=["plan"])
def list_cycles(request: HttpRequest) -> list[schemas.CycleOut]:
    org = Organisation.current()
    current = current_cycle(timezone.now(), org)
    return [
        schemas.CycleOut(
            key=c.key,
            name=c.name or c.key,
            start=c.start,
            end=c.end,
            parent=c.parent.key if c.parent else None,
            current=current is not None and c.pk == current.pk,
        )
        for c in Cycle.objects.select_related("parent")
    ]


UNKNOWN_CYCLE_OR_TEAM = "No cycle or team with that key, or no cycle at all yet"
BAD_AS_OF = "`as_of` is not an ISO date or date-time between the years 1900 and 8999"


@api.get(
    "/objectives",
    response={200: CycleScores, 400: schemas.Error, 404: schemas.Error},
    openapi_extra=answers(
        {400: f"{BAD_AS_OF}, or `level` is not one of its values", 404: UNKNOWN_CYCLE_OR_TEAM}
    ),
    tags=["plan"],
)
def list_objectives(
    request: HttpRequest,
    cycle: str | None = None,
    team: str | None = None,
    level: Level | None = None,
    as_of: AsOf | None = None,
) -> CycleScores:
    """Objectives of a cycle (default: the current one) with scores and statuses at `as_of`."""
    return CycleScores.of(_evaluate(request, cycle, as_of, team, level))


@api.get(
    "/objectives/{key}",
    response={200: schemas.ObjectiveDetail, 400: schemas.Error, 404: schemas.Error},
    openapi_extra=answers({400: BAD_AS_OF, 404: "No objective with that key"}),
    tags=["plan"],
)
def get_objective(
    request: HttpRequest, key: str, as_of: AsOf | None = None
) -> schemas.ObjectiveDetail:
    objective = get_object_or_404(Objective.objects.select_related("cycle"), key=key)
    state = _evaluate(request, objective.cycle.key, as_of)
    found = state.by_key()[key]
    initiatives = objective.initiatives.select_related("key_result", "owner")
    links = objective.contribution_links.select_related("to_objective", "to_key_result__objective")
    return schemas.ObjectiveDetail(
        **fields_of(ObjectiveScore.of(found)),
        cycle=objective.cycle.key,
        description=objective.description,
        contributes_to=[link.target_ref for link in links],
        initiatives=[_initiative_out(i) for i in initiatives],
    )


@api.post(
    "/key-results/{path:ref}/check-ins",
    response={
        201: schemas.CheckInResult,
        400: schemas.Error,
        403: schemas.Error,
        404: schemas.Error,
        422: schemas.CheckInRefused,
    },
    openapi_extra=answers(
        {
            400: "The reference is neither OBJECTIVE_KEY/KR_KEY nor a numeric id",
            403: "The caller may not check in on this key result",
            404: "No key result with that reference",
            422: "The body is not a check-in (fields of the wrong type or out of bounds), or "
            "the key result cannot take it (its cycle is frozen, it has no value yet)",
        }
    ),
    tags=["check-ins"],
)
def create_checkin(
    request: HttpRequest, ref: str, body: schemas.CheckInIn
) -> Status[schemas.CheckInResult]:
    """Record a check-in; the response carries the key result's new status.

    Declared before the key-result route: `{path:ref}` would otherwise swallow `/check-ins`.
    """
    _require_json_object(request)
    kr = _key_result(ref)
    person = request.user  # set by either scheme: the bearer token or the session
    assert isinstance(person, Person)
    # The scheme that let the request in says where it came from: a token, or the browser.
    channel = getattr(request, "okrs_channel", "web")
    checkin = record_checkin(
        key_result=kr,
        value=body.value,
        confidence=body.confidence,
        note=body.note,
        actor=Actor(person, channel),
    )
    state = evaluate_key_result(kr, as_of=max(timezone.now(), checkin.at))
    return Status(
        201,
        schemas.CheckInResult(check_in=_checkin_out(checkin), key_result=KeyResultScore.of(state)),
    )


@api.get(
    "/key-results/{path:ref}",
    response={200: schemas.KeyResultDetail, 400: schemas.Error, 404: schemas.Error},
    openapi_extra=answers(
        {
            400: f"{BAD_AS_OF}, or the reference is neither OBJECTIVE_KEY/KR_KEY nor an id",
            404: "No key result with that reference",
        }
    ),
    tags=["plan"],
)
def get_key_result(
    request: HttpRequest, ref: str, as_of: AsOf | None = None
) -> schemas.KeyResultDetail:
    """One key result (`OBJECTIVE_KEY/KR_KEY`, URL-encoded, or its id) with its history."""
    kr = _key_result(ref)
    state = evaluate_key_result(kr, as_of=_as_of(as_of, Organisation.current()))
    history = kr.checkins.filter(at__lte=state.moment).select_related("author")
    return schemas.KeyResultDetail(
        **fields_of(KeyResultScore.of(state)),
        id=kr.pk,
        objective=kr.objective.key,
        cycle=kr.objective.cycle.key,
        weight=kr.weight,
        source=public_source(kr.source),
        **sync_summary(kr),
        initiatives=[
            _initiative_out(i) for i in kr.initiatives.select_related("key_result", "owner")
        ],
        history=[_checkin_out(c) for c in history.order_by("at", "id")],
    )


@api.get(
    "/dashboard",
    response={200: Dashboard, 400: schemas.Error, 404: schemas.Error},
    openapi_extra=answers({400: BAD_AS_OF, 404: UNKNOWN_CYCLE_OR_TEAM}),
    tags=["views"],
)
def dashboard(
    request: HttpRequest,
    cycle: str | None = None,
    team: str | None = None,
    as_of: AsOf | None = None,
) -> Dashboard:
    """Counts by status, what needs attention and why, check-in compliance, what moved."""
    state = _evaluate(request, cycle, as_of, team)
    teams = sorted(state.teams.values(), key=lambda t: t.key)
    root = _team(team)
    if root is not None:
        subtree = team_subtree(root)
        teams = [t for t in teams if t.pk in subtree]
    return build_dashboard(state, teams)


@api.get(
    "/dashboard/trends",
    response={200: DashboardTrends, 400: schemas.Error, 404: schemas.Error},
    openapi_extra=answers({400: BAD_AS_OF, 404: UNKNOWN_CYCLE_OR_TEAM}),
    tags=["views"],
)
def dashboard_trends(
    request: HttpRequest,
    cycle: str | None = None,
    team: str | None = None,
    as_of: AsOf | None = None,
) -> DashboardTrends:
    """The cycle week by week up to `as_of`: key results by status at the end of each week, and
    the scores of the top-level objectives (the dashboard's charts)."""
    org = Organisation.current()
    moment = _as_of(as_of, org)
    chosen = _cycle(cycle, moment, org)
    root = _team(team)
    start, end = chosen.bounds(org.timezone)
    instants = week_ends(start, end, moment, org.timezone)
    weeks = evaluate_cycle_over(chosen, instants, team=root, organisation=org)
    return build_trends(chosen.key, moment, weeks)


@api.get(
    "/alignment",
    response={200: Alignment, 400: schemas.Error, 404: schemas.Error},
    openapi_extra=answers({400: BAD_AS_OF, 404: UNKNOWN_CYCLE_OR_TEAM}),
    by_alias=True,
    tags=["views"],
)
def alignment(
    request: HttpRequest,
    cycle: str | None = None,
    team: str | None = None,
    as_of: AsOf | None = None,
) -> Alignment:
    """The alignment tree of a cycle: nodes with status and effort, edges, and orphaned
    objectives."""
    from okrs.metrics.effort.selectors import with_effort

    state = _evaluate(request, cycle, as_of, team)
    return with_effort(build_alignment(state), state.cycle, as_of=state.as_of)


# Delivery events arrive signed by their provider, not with our tokens (okrs.metrics.delivery).
from okrs.metrics.delivery.api_dora import router as dora_router  # noqa: E402
from okrs.metrics.delivery.api_events import router as events_router  # noqa: E402

api.add_router("/events", events_router)
api.add_router("/dora", dora_router)

# Effort to outcomes: person-weeks per goal, objective, key result and initiative.
from okrs.metrics.effort.api import router as effort_router  # noqa: E402

api.add_router("/effort", effort_router)

# POST /api/v1/okrs:lint, the coach over a plan document (okrs.coach).
from okrs.coach.api import router as coach_router  # noqa: E402

api.add_router("", coach_router)
