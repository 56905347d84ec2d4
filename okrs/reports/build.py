"""The quarterly business review: what engineering delivered for the business in one cycle.

`build_report` gathers everything into one `BusinessReview` (okrs/reports/review.py): the JSON
format is that object written out, and the Markdown and HTML renderers only present it. Scores
come from `okrs.goals.evaluation.evaluate_cycle`, so the report agrees with the dashboard and
`okrs status`. The number of queries does not grow with the number of objectives, key
results, check-ins or services (see tests/reports/test_queries.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Q
from django.utils import timezone

from okrs.goals.checkins.models import CheckIn
from okrs.goals.evaluation import (
    KeyResultState,
    ObjectiveState,
    evaluate_cycle,
    team_subtree,
)
from okrs.goals.models import Cycle, Initiative, InitiativeStatus, KeyResult, Objective
from okrs.goals.present import iso
from okrs.insights.impact import VERDICT_LABEL
from okrs.metrics.delivery import dora
from okrs.metrics.delivery.models import Service
from okrs.metrics.delivery.selectors import (
    BANDS_SOURCE,
    delivery_facts,
    metrics_json,
    team_timezones,
)
from okrs.metrics.effort.selectors import EffortLine, effort_report
from okrs.org.models import Organisation, Person, Team
from okrs.reports.impacts import impact_from_readings
from okrs.reports.review import (
    BusinessReview,
    ChainLink,
    CycleInfo,
    DeliveredInitiative,
    DoraComparison,
    DoraMetrics,
    DoraReview,
    DoraWindow,
    DoraWindows,
    EffortFigure,
    EffortReview,
    KeyResultLink,
    KeyResultReview,
    Note,
    ObjectiveReview,
    PersonRef,
    Retrospective,
    Scope,
    ServiceDora,
    Summary,
    TeamRef,
    TrendPoint,
)

REPORT_VERSION = 1
# DORA "at the start" is the 30 days before the cycle began; "at the end" the 30 days before the
# report's moment (the cycle's end, or now while it runs). See docs/reports.md.
DORA_DAYS = 30
# Check-in notes per key result shown in Markdown and HTML; the JSON holds them all.
NOTES_SHOWN = 3
LEVEL_ORDER = {"company": 0, "team": 1, "individual": 2}


def _iso(moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _person(person: Person) -> PersonRef:
    return PersonRef(name=person.name or person.email, email=person.email)


def _team(team: Team | None) -> TeamRef | None:
    return None if team is None else TeamRef(key=team.key, name=team.name)


def report_moment(cycle: Cycle, org: Organisation, now: dt.datetime) -> tuple[dt.datetime, str]:
    """The instant the report describes, and the cycle's phase then.

    A cycle that is over is read at its last instant (its final values); one that runs, at now.
    """
    start, end = cycle.bounds(org.timezone)
    last = end - dt.timedelta(microseconds=1)
    if cycle.frozen_at is not None:
        return min(now, last), "frozen"
    if now >= end:
        return last, "ended"
    if now < start:
        return now, "upcoming"
    return now, "running"


def build_report(
    *, cycle: Cycle, team: Team | None = None, as_of: dt.datetime | None = None
) -> BusinessReview:
    """The business review of `cycle` for `team` (with its sub-teams) or the whole company."""
    org = Organisation.current()
    now = as_of or timezone.now()
    moment, phase = report_moment(cycle, org, now)
    state = evaluate_cycle(cycle, as_of=moment, team=team, organisation=org)
    moment = state.as_of  # a frozen cycle is evaluated at its end
    start, end = state.start, state.end

    key_results = state.key_results()
    kr_ids = [k.key_result.pk for k in key_results]
    checkins = _checkins(kr_ids, start, moment)
    retrospectives = _retrospectives(kr_ids)
    chains = _alignment_chains(state.objectives)
    initiatives = _delivered_initiatives(cycle, [o.objective.pk for o in state.objectives])
    kr_by_id = {k.key_result.pk: k for k in key_results}

    objectives = []
    for objective_state in _business_order(state.objectives, chains):
        objectives.append(
            _objective(
                objective_state, chains, checkins, retrospectives,
                initiatives.get(objective_state.objective.pk, []), kr_by_id, cycle, org, moment,
            )
        )  # fmt: skip

    statuses = {"on_track": 0, "at_risk": 0, "off_track": 0}
    for k in key_results:
        statuses[k.result.status] = statuses.get(k.result.status, 0) + 1
    scores = [o.score for o in objectives if o.score is not None]
    verdicts: list[str] = [i.impact.verdict for o in objectives for i in o.initiatives if i.impact]
    return BusinessReview(
        report="quarterly business review",
        version=REPORT_VERSION,
        organisation=org.name,
        cycle=CycleInfo(
            key=cycle.key,
            name=cycle.name or cycle.key,
            start=cycle.start.isoformat(),
            end=cycle.end.isoformat(),
            starts_at=iso(start),
            ends_at=iso(end),
            phase=phase,
            frozen_at=_iso(cycle.frozen_at),
        ),
        scope=Scope(
            kind="team" if team is not None else "company",
            team=_team(team),
            name=team.name if team is not None else org.name or "The company",
        ),
        as_of=iso(moment),
        generated_at=iso(now),
        summary=Summary(
            objectives=len(objectives),
            key_results=len(key_results),
            mean_objective_score=sum(scores) / len(scores) if scores else None,
            statuses=statuses,
            achieved=sum(1 for o in objectives for kr in o.key_results if kr.achieved),
            initiatives_delivered=sum(len(o.initiatives) for o in objectives),
            initiatives_moved_right_way=verdicts.count("right_way"),
            initiative_verdicts={verdict: verdicts.count(verdict) for verdict in VERDICT_LABEL},
        ),
        objectives=objectives,
        dora=_dora(team, org, start, moment),
        effort=_effort(cycle, team, org, moment),
    )


def _effort(
    cycle: Cycle, team: Team | None, org: Organisation, moment: dt.datetime
) -> EffortReview:
    """Person-weeks per goal, objective and key result over the cycle up to the report's
    moment, with each key result's score over the same weeks (okrs.metrics.effort)."""
    answer = effort_report(
        cycle, as_of=moment + dt.timedelta(microseconds=1), team=team, organisation=org
    )

    def figure(line: EffortLine) -> EffortFigure:
        return EffortFigure(
            kind=line.kind,
            ref=line.ref,
            title=line.title,
            person_weeks=round(float(line.tally.person_weeks), 2),
            share=round(line.share, 4),
            work_items=line.tally.work_items,
            authors=len(line.tally.authors),
            score_from=line.score_from,
            score_to=line.score_to,
        )

    return EffortReview(
        weeks=answer.weeks,
        person_weeks=round(float(answer.total.person_weeks), 2),
        work_items=answer.total.work_items,
        authors=len(answer.total.authors),
        goals=[figure(line) for line in answer.goals],
        objectives=[figure(line) for line in answer.objectives],
        key_results=[figure(line) for line in answer.key_results],
        unlinked=figure(answer.unlinked),
        goal_of={line.ref or "": line.parent for line in answer.objectives},
        objective_of={line.ref or "": line.parent or "" for line in answer.key_results},
    )


def _objective(
    objective_state: ObjectiveState,
    chains: dict[int, list[ChainLink]],
    checkins: dict[int, list[tuple[dt.datetime, float, str, str]]],
    retrospectives: dict[int, Retrospective],
    initiatives: list[Initiative],
    kr_by_id: dict[int, KeyResultState],
    cycle: Cycle,
    org: Organisation,
    moment: dt.datetime,
) -> ObjectiveReview:
    o = objective_state.objective
    chain = chains.get(o.pk, [])
    delivered = []
    for initiative in initiatives:
        kr_state = kr_by_id.get(initiative.key_result_id) if initiative.key_result_id else None
        impact = None
        if kr_state is not None:
            kr = kr_state.key_result
            impact = impact_from_readings(
                initiative,
                kr,
                readings=[(at, value) for at, value, _, _ in checkins.get(kr.pk, [])],
                cycle=cycle,
                tz_name=org.timezone,
                as_of=moment,
            )
        delivered.append(
            DeliveredInitiative(
                key=initiative.key,
                title=initiative.title,
                completed_on=initiative.completed_on.isoformat()
                if initiative.completed_on
                else None,
                owner=_person(initiative.owner) if initiative.owner else None,
                key_result=kr_state.key_result.ref if kr_state is not None else None,
                key_result_title=kr_state.key_result.title if kr_state is not None else None,
                impact=impact,
            )
        )
    return ObjectiveReview(
        key=o.key,
        title=o.title,
        level=o.level,
        team=_team(o.team),
        owner=_person(o.owner),
        score=objective_state.score,
        status=objective_state.status,
        serves=chain,
        business_goal=chain[-1] if chain else None,
        key_results=[
            _key_result(k, checkins.get(k.key_result.pk, []), retrospectives, cycle)
            for k in objective_state.key_results
        ],
        initiatives=delivered,
    )


def _key_result(
    state: KeyResultState,
    checkins: list[tuple[dt.datetime, float, str, str]],
    retrospectives: dict[int, Retrospective],
    cycle: Cycle,
) -> KeyResultReview:
    kr, r = state.key_result, state.result
    # A frozen cycle reports the score frozen at its end; it equals the evaluated one unless
    # the plan changed since (then the frozen one is what was committed to the business).
    frozen = kr.final_score if cycle.frozen_at is not None else None
    score = frozen if frozen is not None else r.score
    notes = [
        Note(at=iso(at), author=author, text=note)
        for at, _, note, author in reversed(checkins)
        if note.strip()
    ]
    return KeyResultReview(
        ref=kr.ref,
        key=kr.key,
        title=kr.title,
        owner=_person(kr.owner),
        kind=kr.kind,
        unit=kr.unit,
        baseline=kr.baseline,
        target=kr.target,
        final=r.current,
        progress=r.progress,
        score=score,
        achieved=score >= 0.7,
        status=r.status,
        stale=r.stale,
        drifting=state.drifting,
        forecast=r.forecast,
        trend=[TrendPoint(at=iso(at), value=value) for at, value, _, _ in checkins],
        notes=notes,
        retrospective=retrospectives.get(kr.pk),
    )


def _business_order(
    objectives: list[ObjectiveState], chains: dict[int, list[ChainLink]]
) -> list[ObjectiveState]:
    """Each business goal followed by what serves it (nearest first), unaligned work last.

    The order a business reads the review in: the goal, then the teams' objectives under it.
    """
    goal_rank: dict[str, int] = {}
    for s in objectives:
        if not chains.get(s.objective.pk):
            goal_rank.setdefault(s.objective.key, len(goal_rank))
    unaligned = len(objectives) + 1

    def rank(indexed: tuple[int, ObjectiveState]) -> tuple[int, int, int, int]:
        index, s = indexed
        chain = chains.get(s.objective.pk, [])
        top = chain[-1].key if chain else s.objective.key
        if not chain and s.objective.level != "company":
            return (unaligned, 0, LEVEL_ORDER.get(s.objective.level, 9), index)
        return (goal_rank.get(top, unaligned - 1), len(chain), 0, index)

    return [s for _, s in sorted(enumerate(objectives), key=rank)]


def _checkins(
    kr_ids: list[int], start: dt.datetime, moment: dt.datetime
) -> dict[int, list[tuple[dt.datetime, float, str, str]]]:
    """Each key result's check-ins in the cycle up to the moment, oldest first (one query)."""
    found: dict[int, list[tuple[dt.datetime, float, str, str]]] = defaultdict(list)
    if not kr_ids:
        return found
    rows = (
        CheckIn.objects.filter(key_result_id__in=kr_ids, at__gte=start, at__lte=moment)
        .order_by("key_result_id", "at", "id")
        .values_list("key_result_id", "at", "value", "note", "author__name", "author__email")
    )
    for kr_id, at, value, note, name, email in rows:
        found[kr_id].append((at, value, note, name or email or "an automatic sync"))
    return found


def _retrospectives(kr_ids: list[int]) -> dict[int, Retrospective]:
    """Owners' end-of-cycle answers, when this installation records them (one query)."""
    fields = {f.name: f for f in KeyResult._meta.get_fields()}
    if "retrospective" not in fields or not kr_ids:
        return {}
    columns = ["id", "retrospective"]
    if "retrospective_at" in fields:
        columns.append("retrospective_at")
    by_field = fields.get("retrospective_by")
    if by_field is not None and by_field.is_relation:
        columns += ["retrospective_by__name", "retrospective_by__email"]
    found: dict[int, Retrospective] = {}
    rows = (
        KeyResult.objects.filter(id__in=kr_ids)
        .exclude(retrospective="")
        .exclude(retrospective__isnull=True)
        .values(*columns)
    )
    for row in rows:
        by = row.get("retrospective_by__name") or row.get("retrospective_by__email")
        at = row.get("retrospective_at")
        found[row["id"]] = Retrospective(
            text=row["retrospective"],
            at=_iso(at) if isinstance(at, dt.datetime) else None,
            by=by,
        )
    return found


def _alignment_chains(objectives: list[ObjectiveState]) -> dict[int, list[ChainLink]]:
    """For each objective, what it serves: its parent, the parent's parent... up to the top.

    Parents may sit in other cycles (a quarterly objective serving a yearly company goal), so
    the links are read for every objective in two queries rather than one per step.
    """
    if not objectives:
        return {}
    links = {
        pk: (key, title, level, parent, via_kr)
        for pk, key, title, level, parent, via_kr in Objective.objects.values_list(
            "id", "key", "title", "level", "aligns_to_objective_id", "aligns_to_key_result_id"
        )
    }
    via_ids = {via for *_, via in links.values() if via is not None}
    key_results = {
        pk: (key, title, objective_id)
        for pk, key, title, objective_id in KeyResult.objects.filter(id__in=via_ids).values_list(
            "id", "key", "title", "objective_id"
        )
    }
    chains: dict[int, list[ChainLink]] = {}
    for state in objectives:
        chain: list[ChainLink] = []
        seen = {state.objective.pk}
        _, _, _, parent, via = links[state.objective.pk]
        while True:
            via_kr = None
            if via is not None and via in key_results:
                kr_key, kr_title, parent = key_results[via]
                via_kr = KeyResultLink(ref=f"{links[parent][0]}/{kr_key}", title=kr_title)
            if parent is None or parent in seen or parent not in links:
                break
            seen.add(parent)
            key, title, level, next_parent, next_via = links[parent]
            chain.append(ChainLink(key=key, title=title, level=level, via_key_result=via_kr))
            parent, via = next_parent, next_via
        chains[state.objective.pk] = chain
    return chains


def _delivered_initiatives(cycle: Cycle, objective_ids: list[int]) -> dict[int, list[Initiative]]:
    """Initiatives of these objectives marked done with a completion date inside the cycle."""
    found: dict[int, list[Initiative]] = defaultdict(list)
    if not objective_ids:
        return found
    rows = (
        Initiative.objects.filter(
            Q(objective_id__in=objective_ids),
            status=InitiativeStatus.DONE,
            completed_on__gte=cycle.start,
            completed_on__lte=cycle.end,
        )
        .select_related("owner")
        .order_by("completed_on", "position", "id")
    )
    for initiative in rows:
        found[initiative.objective_id].append(initiative)
    return found


# --- DORA before and after -----------------------------------------------------------------------


def _dora(
    team: Team | None, org: Organisation, start: dt.datetime, moment: dt.datetime
) -> DoraReview:
    """The DORA metrics of the scope's services in the 30 days before the cycle and before its
    end (or now), in total and per service, from one read of the deployments."""
    zones = team_timezones()
    services_query = Service.objects.order_by("key")
    if team is not None:
        services_query = services_query.filter(team_id__in=team_subtree(team))
    services = list(services_query.values_list("id", "key", "name", "team_id", "team__key"))
    span = DORA_DAYS * dora.DAY
    end_at = moment.timestamp()
    before = dora.Window(start.timestamp() - span, start.timestamp())
    after = dora.Window(end_at - span, end_at)
    scope_tz = zones.get(team.pk, org.timezone) if team is not None else org.timezone

    def document(total: DoraComparison | None, measured: list[ServiceDora]) -> DoraReview:
        return DoraReview(
            days=DORA_DAYS,
            windows=DoraWindows(start=_window(before), end=_window(after)),
            timezone=scope_tz,
            total=total,
            services=measured,
            bands_source=BANDS_SOURCE,
        )

    if not services or start >= moment:
        # Nothing to measure, or a cycle that has not started: no "before" and "after" yet.
        return document(None, [])
    union = dora.Window(min(before.start, after.start), max(before.end, after.end))
    facts = delivery_facts(
        service_ids=None if team is None else [s[0] for s in services], window=union
    )
    failed = dora.failures_by_deployment(facts.deploys, facts.incidents, facts.named)
    service_of = {d.id: d.service for d in facts.deploys}
    by_service: dict[int, tuple[list[Any], list[Any], list[Any]]] = defaultdict(
        lambda: ([], [], [])
    )
    for d in facts.deploys:
        by_service[d.service][0].append(d)
    for c in facts.changes:
        by_service[service_of.get(c.deployment, -1)][1].append(c)
    for i in facts.incidents:
        # delivery_facts gives every incident its service (some, only open while a
        # remediation finished, have no deployment here).
        by_service[-1 if i.service is None else i.service][2].append(i)

    def measure(deploys: Any, changes: Any, incidents: Any, tz: str) -> DoraComparison:
        def metrics(window: dora.Window) -> DoraMetrics:
            return metrics_json(
                dora.dora_metrics(deploys, changes, incidents, window, tz, failed=failed)
            )

        return DoraComparison(start=metrics(before), end=metrics(after))

    total = measure(facts.deploys, facts.changes, facts.incidents, scope_tz)
    measured = []
    for sid, key, name, team_id, team_key in services:
        deploys, changes, incidents = by_service.get(sid, ([], [], []))
        tz = zones.get(team_id, org.timezone) if team_id else org.timezone
        both = measure(deploys, changes, incidents, tz)
        measured.append(
            ServiceDora(key=key, name=name or key, team=team_key, start=both.start, end=both.end)
        )
    return document(total, measured)


def _window(window: dora.Window) -> DoraWindow:
    return DoraWindow(
        from_=iso(dt.datetime.fromtimestamp(window.start, dt.UTC)),
        to=iso(dt.datetime.fromtimestamp(window.end, dt.UTC)),
    )
