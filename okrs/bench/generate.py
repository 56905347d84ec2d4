"""A large, deterministic organisation for benchmarks and query-count tests.

`generate_large_org` fills an empty, migrated database with one organisation's year of OKRs:
people, nested teams, a year with four quarters, company, team and individual objectives
aligned upwards (with some orphans), key results of every kind, initiatives, and a weekly
check-in history up to `today`. The same seed and sizes always give the same rows, so two
benchmark runs compare like with like.

Everything is written with `bulk_create`: going through the services would take minutes and
write an audit entry per row, which is not what the benchmark measures.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

from django.db import connection, transaction
from django.db.models import Model

from okrs.goals.checkins.models import CheckIn, Confidence, Source
from okrs.goals.models import (
    ContributionLink,
    Cycle,
    Initiative,
    InitiativeStatus,
    KeyResult,
    Kind,
    Level,
    Objective,
)
from okrs.org.models import WEEKDAYS, Organisation, Person, Role, Team

# Late in Q4: the current quarter is two thirds done, so pace, staleness and compliance all
# have something to say.
DEFAULT_TODAY = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
YEAR = 2026
ORGANISATION_TIMEZONE = "Europe/London"
EMAIL_DOMAIN = "bench.test"
ADMIN_EMAIL = f"admin@{EMAIL_DOMAIN}"
# Django's unusable-password marker is "!" followed by anything; set_unusable_password() would
# generate 40 random characters per person, which is slow in bulk and not deterministic.
UNUSABLE_PASSWORD = "!bench"  # noqa: S105  (a marker that no password can match)
# Rows per INSERT on backends without a parameter limit (PostgreSQL allows 65,535 parameters).
MAX_ROWS_PER_INSERT = 2000
# Check-ins are flushed to the database in chunks of this many to keep memory flat.
CHECKIN_FLUSH = 20_000

FIRST_NAMES = (
    "Alex", "Maya", "Sam", "Priya", "Jonas", "Lena", "Omar", "Chen", "Ines", "Kofi",
    "Sofia", "Liam", "Aiko", "Mateo", "Nora", "Ravi", "Elif", "Tomás", "Zara", "Felix",
)  # fmt: skip
LAST_NAMES = (
    "Patel", "Reyes", "Chen", "Müller", "Okafor", "Silva", "Novak", "Haddad", "Kim", "Larsen",
    "Rossi", "Nguyen", "Dubois", "Kowalski", "Tanaka", "Murphy", "Ahmed", "García", "Berg", "Ito",
)  # fmt: skip
DEPARTMENT_NAMES = (
    "Engineering", "Platform", "Product", "Data", "Security",
    "Operations", "Sales", "Marketing", "Customer Success", "Finance",
)  # fmt: skip
TEAM_NAMES = (
    "Checkout", "Payments", "Search", "Identity", "Mobile", "Web", "Infrastructure", "SRE",
    "Billing", "Growth", "Onboarding", "Analytics", "Messaging", "API", "Developer Experience",
)  # fmt: skip
TIMEZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "Asia/Kolkata",
)
CHECKIN_DAYS = ("monday", "monday", "monday", "tuesday", "wednesday", "thursday", "friday")

COMPANY_TITLES = (
    "Grow revenue from self-serve customers",
    "Make reliability a reason customers stay",
    "Ship what customers ask for in weeks, not quarters",
    "Win the mid-market segment in Europe",
    "Make every customer successful in their first month",
    "Run the business efficiently as we scale",
)
TEAM_TITLES = (
    "Make {team} deployments a competitive advantage rather than a bottleneck",
    "Make {team} the fastest part of the customer journey",
    "Keep {team} reliable while traffic doubles",
    "Turn {team} data into decisions",
    "Cut the cost of running {team}",
    "Make {team} a joy to build on",
)
INDIVIDUAL_TITLES = (
    "Grow as the go-to expert for {team} performance",
    "Make on-call for {team} calm and predictable",
    "Raise the quality bar of {team} releases",
    "Help {team} customers get value on day one",
)
NOTES = (
    "",
    "",
    "",
    "On track, nothing new.",
    "Blocked on the vendor contract.",
    "Waiting for the load test results.",
    "Rollout paused after an incident; resuming next week.",
    "Two engineers out sick this week.",
    "Big jump expected once the migration lands.",
    "Data looks noisy, double-checking the query.",
    "Ahead of plan thanks to the new caching layer.",
    "Need a decision from product on scope.",
)
HUMAN_SOURCES = ("web", "slack", "teams", "email", "api", "cli")
HUMAN_SOURCE_WEIGHTS = (35, 30, 10, 10, 10, 5)

# (metric, unit, low, high) per kind; baselines and targets are drawn between low and high.
INCREASE_METRICS = (
    ("weekly active teams", "teams", 100, 2000),
    ("self-serve revenue", "kEUR", 50, 500),
    ("production deployments per day", "deploys/day", 1, 20),
    ("trial-to-paid conversion", "%", 5, 20),
    ("NPS", "points", 10, 60),
    ("test coverage of the core services", "%", 40, 80),
)
DECREASE_METRICS = (
    ("P95 checkout latency", "ms", 200, 2000),
    ("change lead time", "hours", 12, 120),
    ("infrastructure cost per customer", "EUR", 5, 50),
    ("pages per on-call week", "pages", 5, 40),
    ("time to restore service", "minutes", 30, 300),
)
STAY_ABOVE_METRICS = (
    ("API availability", "%", 99.9),
    ("customer satisfaction", "points", 4.5),
)
STAY_BELOW_METRICS = (
    ("error rate", "%", 1.0),
    ("change failure rate", "%", 5.0),
)
MILESTONES = (
    "Launch the EU data region",
    "Complete the Kubernetes migration",
    "Ship single sign-on for enterprise customers",
    "Retire the legacy billing system",
)
KINDS = (Kind.INCREASE, Kind.DECREASE, Kind.STAY_ABOVE, Kind.STAY_BELOW, Kind.MILESTONE)
KIND_WEIGHTS = (45, 25, 10, 10, 10)

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class GeneratedOrg:
    """How many rows of each kind were written, and who can act as the administrator."""

    people: int
    teams: int
    cycles: int
    objectives: int
    key_results: int
    initiatives: int
    contribution_links: int
    checkins: int
    admin_email: str
    current_cycle: str
    today: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        return data


@dataclass
class _Quarter:
    cycle: Cycle
    number: int
    start: dt.datetime
    end: dt.datetime


@dataclass
class _Plan:
    """What has been written so far, by id, for the later steps to link to."""

    admin_id: int
    team_ids: list[int]
    team_names: dict[int, str]
    checkin_day: dict[int, str]
    lead_of: dict[int, int]
    members: dict[int, list[int]]
    team_of_person: dict[int, int]
    quarters: list[_Quarter]
    # Per quarter number: company objective ids, team objective ids.
    company: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    team_objectives: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    team_objectives_by_team: dict[tuple[int, int], list[int]] = field(
        default_factory=lambda: defaultdict(list)
    )
    krs_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    quarter_of_objective: dict[int, int] = field(default_factory=dict)
    team_of_objective: dict[int, int | None] = field(default_factory=dict)
    key_results: list[KeyResult] = field(default_factory=list)


def generate_large_org(
    *,
    seed: int = 1,
    people: int = 5000,
    teams: int = 500,
    objectives: int = 2500,
    key_results: int = 7500,
    today: dt.datetime = DEFAULT_TODAY,
    verbose: bool = True,
) -> GeneratedOrg:
    """Fill an empty, migrated database with a deterministic organisation; returns the counts.

    Objectives are spread evenly over the quarters of `YEAR`; each key result gets a weekly
    check-in during its own quarter up to `today` (up to 13 for a past quarter).
    """
    if teams < 2:
        raise ValueError("teams must be at least 2 (a department and a team)")
    if people < teams + 2:
        raise ValueError("people must exceed teams + 1: every team needs its own lead")
    if objectives < 4:
        raise ValueError("objectives must be at least 4 (one per quarter)")
    if today.tzinfo is None:
        raise ValueError("today must be timezone-aware")
    if Objective.objects.exists() or Person.objects.exists():
        raise ValueError("the database is not empty: generate into a freshly migrated one")

    rng = random.Random(seed)
    with transaction.atomic():
        Organisation.objects.create(name="Bench Corp", timezone=ORGANISATION_TIMEZONE)
        plan = _people_and_teams(rng, people=people, teams=teams)
        counts = _objectives_and_key_results(
            rng, plan, objectives=objectives, key_results=key_results, today=today
        )
        checkins = _checkins(rng, plan, today=today)
    result = GeneratedOrg(
        people=people,
        teams=teams,
        cycles=len(plan.quarters) + 1,
        objectives=counts["objectives"],
        key_results=len(plan.key_results),
        initiatives=counts["initiatives"],
        contribution_links=counts["contribution_links"],
        checkins=checkins,
        admin_email=ADMIN_EMAIL,
        current_cycle=_current_quarter_key(plan.quarters, today),
        today=today,
    )
    if verbose:
        print(
            "generated: "
            + ", ".join(f"{v} {k}" for k, v in result.as_dict().items() if isinstance(v, int)),
            flush=True,
        )
    return result


def _batch_size(model: type[Model]) -> int:
    """Rows per INSERT that stay within the backend's limit on query parameters."""
    limit = connection.features.max_query_params
    if not limit:
        return MAX_ROWS_PER_INSERT
    # One parameter per concrete column (the id is left out, so this leaves a margin).
    return max(1, min(MAX_ROWS_PER_INSERT, limit // len(model._meta.concrete_fields)))


def _bulk(model: type[M], rows: Sequence[M]) -> list[M]:
    created = model._default_manager.bulk_create(rows, batch_size=_batch_size(model))
    # Later rows link to these by id; every supported backend returns them from the INSERT.
    assert all(row.pk is not None for row in created), "the backend did not return new ids"
    return created


def _people_and_teams(rng: random.Random, *, people: int, teams: int) -> _Plan:
    joined = dt.datetime(YEAR - 1, 6, 1, tzinfo=dt.UTC)
    departments = max(1, teams // 10)
    rows: list[Person] = []
    for i in range(people):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if i == 0:
            role, email = Role.ADMIN, ADMIN_EMAIL
        else:
            # Team leads first (one per team), a viewer now and then, members otherwise.
            role = Role.LEAD if i <= teams else Role.VIEWER if i % 50 == 0 else Role.MEMBER
            email = f"{_ascii(first)}.{_ascii(last)}.{i:05d}@{EMAIL_DOMAIN}"
        rows.append(
            Person(
                email=email,
                name=f"{first} {last}",
                timezone=rng.choice(("", "", "", "", "", *TIMEZONES)),
                channel=rng.choices(("email", "slack", "teams"), weights=(3, 5, 2))[0],
                role=role,
                password=UNUSABLE_PASSWORD,
                date_joined=joined,
            )
        )
    person_ids = [p.pk for p in _bulk(Person, rows)]

    department_rows = [
        Team(
            key=f"dept-{i + 1:03d}",
            name=f"{DEPARTMENT_NAMES[i % len(DEPARTMENT_NAMES)]} {i // len(DEPARTMENT_NAMES) + 1}",
            lead_id=person_ids[1 + i],
            timezone=rng.choice(("", *TIMEZONES)),
            checkin_day="monday",
        )
        for i in range(departments)
    ]
    department_ids = [t.pk for t in _bulk(Team, department_rows)]
    leaf_rows = [
        Team(
            key=f"team-{j + 1:04d}",
            name=f"{TEAM_NAMES[j % len(TEAM_NAMES)]} {j // len(TEAM_NAMES) + 1}",
            parent_id=department_ids[j % departments],
            lead_id=person_ids[1 + departments + j],
            timezone=rng.choice(("", "", "", *TIMEZONES)),
            checkin_day=rng.choice(CHECKIN_DAYS),
        )
        for j in range(teams - departments)
    ]
    leaf_ids = [t.pk for t in _bulk(Team, leaf_rows)]
    all_teams = department_rows + leaf_rows

    lead_of = {t.pk: t.lead_id for t in all_teams if t.lead_id is not None}
    members: dict[int, list[int]] = defaultdict(list)
    team_of_person: dict[int, int] = {}
    for team in all_teams:
        assert team.lead_id is not None
        members[team.pk].append(team.lead_id)
        team_of_person[team.lead_id] = team.pk
    for index in range(1 + teams, people):
        team_id = leaf_ids[rng.randrange(len(leaf_ids))]
        members[team_id].append(person_ids[index])
        team_of_person[person_ids[index]] = team_id
    membership = Team.members.through
    _bulk(
        membership,
        [
            membership(team_id=team_id, person_id=person_id)
            for team_id, person_ids_of_team in members.items()
            for person_id in person_ids_of_team
        ],
    )

    year = Cycle.objects.create(
        key=str(YEAR), name=str(YEAR), start=dt.date(YEAR, 1, 1), end=dt.date(YEAR, 12, 31)
    )
    quarter_rows = []
    for q in range(1, 5):
        first_day = dt.date(YEAR, 3 * q - 2, 1)
        last_day = (
            dt.date(YEAR, 3 * q + 1, 1) - dt.timedelta(days=1) if q < 4 else dt.date(YEAR, 12, 31)
        )
        quarter_rows.append(
            Cycle(
                key=f"{YEAR}-Q{q}", name=f"Q{q} {YEAR}", start=first_day, end=last_day, parent=year
            )
        )
    quarters = [
        _Quarter(c, q, *c.bounds(ORGANISATION_TIMEZONE))
        for q, c in enumerate(_bulk(Cycle, quarter_rows), start=1)
    ]
    return _Plan(
        admin_id=person_ids[0],
        team_ids=department_ids + leaf_ids,
        team_names={t.pk: t.name for t in all_teams},
        checkin_day={t.pk: t.checkin_day for t in all_teams},
        lead_of=lead_of,
        members=members,
        team_of_person=team_of_person,
        quarters=quarters,
    )


def _ascii(name: str) -> str:
    return name.lower().replace("ü", "u").replace("á", "a").replace("í", "i")


def _spread(total: int, slots: int, rng: random.Random) -> list[int]:
    """`total` split over `slots`, mostly even, some objectives with fewer or more (2 to 5)."""
    base, extra = divmod(total, slots)
    counts = [base + (1 if i < extra else 0) for i in range(slots)]
    rng.shuffle(counts)
    for _ in range(slots):
        a, b = rng.randrange(slots), rng.randrange(slots)
        if a != b and counts[a] > 2 and counts[b] < 5:
            counts[a] -= 1
            counts[b] += 1
    return counts


def _objectives_and_key_results(
    rng: random.Random, plan: _Plan, *, objectives: int, key_results: int, today: dt.datetime
) -> dict[str, int]:
    per_quarter = [objectives // 4 + (1 if q < objectives % 4 else 0) for q in range(4)]
    levels: dict[str, list[tuple[int, int]]] = {"company": [], "team": [], "individual": []}
    for q, n in zip(range(1, 5), per_quarter, strict=True):
        company = max(1, min(6, n // 100))
        team = round((n - company) * 0.6)
        levels["company"] += [(q, i) for i in range(company)]
        levels["team"] += [(q, i) for i in range(team)]
        levels["individual"] += [(q, i) for i in range(n - company - team)]
    kr_counts = iter(_spread(key_results, objectives, rng))
    quarter_by_number = {quarter.number: quarter for quarter in plan.quarters}
    leaf_team_ids = [t for t in plan.team_ids if plan.lead_of.get(t) and len(plan.members[t]) > 1]
    leaf_team_ids = leaf_team_ids or plan.team_ids

    def cycle_id(q: int) -> int:
        return quarter_by_number[q].cycle.pk

    # Company objectives: owned by the admin or a department lead, aligned to nothing.
    company_rows = [
        Objective(
            key=f"q{q}-company-{i + 1:02d}",
            cycle_id=cycle_id(q),
            level=Level.COMPANY,
            title=COMPANY_TITLES[i % len(COMPANY_TITLES)],
            owner_id=plan.admin_id
            if i == 0
            else plan.lead_of[plan.team_ids[i % len(plan.team_ids)]],
            position=i,
        )
        for q, i in levels["company"]
    ]
    created = _bulk(Objective, company_rows)
    for objective in created:
        plan.company[_quarter_number(plan, objective)].append(objective.pk)
    _key_results_for(rng, plan, created, kr_counts, owners=_lead_owners(plan))

    # Team objectives: aligned to a company objective or one of its key results; some orphans.
    team_rows = []
    for q, i in levels["team"]:
        team_id = (
            rng.choice(leaf_team_ids)
            if rng.random() < 0.85
            else plan.team_ids[rng.randrange(len(plan.team_ids))]
        )
        parent_objective, parent_kr = _pick_parent(
            rng, plan.company[q], plan.krs_of, orphan=0.08, via_kr=0.45
        )
        team_rows.append(
            Objective(
                key=f"q{q}-team-{i + 1:04d}",
                cycle_id=cycle_id(q),
                level=Level.TEAM,
                team_id=team_id,
                title=rng.choice(TEAM_TITLES).format(team=plan.team_names[team_id]),
                owner_id=plan.lead_of[team_id],
                aligns_to_objective_id=parent_objective,
                aligns_to_key_result_id=parent_kr,
                position=i,
            )
        )
    created = _bulk(Objective, team_rows)
    for objective in created:
        q = _quarter_number(plan, objective)
        plan.team_objectives[q].append(objective.pk)
        assert objective.team_id is not None
        plan.team_objectives_by_team[(q, objective.team_id)].append(objective.pk)
    _key_results_for(rng, plan, created, kr_counts, owners=None)

    # Individual objectives: aligned to their team's objective (or a key result of it).
    individual_rows = []
    candidates = [p for p, t in plan.team_of_person.items() if p != plan.lead_of.get(t)]
    candidates = candidates or list(plan.team_of_person)
    for q, i in levels["individual"]:
        owner_id = candidates[rng.randrange(len(candidates))]
        team_id = plan.team_of_person[owner_id]
        parents = plan.team_objectives_by_team.get((q, team_id)) or plan.team_objectives[q]
        parent_objective, parent_kr = _pick_parent(
            rng, parents, plan.krs_of, orphan=0.15, via_kr=0.35
        )
        individual_rows.append(
            Objective(
                key=f"q{q}-individual-{i + 1:04d}",
                cycle_id=cycle_id(q),
                level=Level.INDIVIDUAL,
                team_id=team_id,
                title=rng.choice(INDIVIDUAL_TITLES).format(team=plan.team_names[team_id]),
                owner_id=owner_id,
                aligns_to_objective_id=parent_objective,
                aligns_to_key_result_id=parent_kr,
                position=i,
            )
        )
    created_individual = _bulk(Objective, individual_rows)
    _key_results_for(rng, plan, created_individual, kr_counts, owners=None)

    initiatives = _initiatives(rng, plan, today=today)
    links = _contribution_links(rng, plan)
    return {
        "objectives": len(company_rows) + len(team_rows) + len(individual_rows),
        "initiatives": initiatives,
        "contribution_links": links,
    }


def _quarter_number(plan: _Plan, objective: Objective) -> int:
    number = next(q.number for q in plan.quarters if q.cycle.pk == objective.cycle_id)
    plan.quarter_of_objective[objective.pk] = number
    plan.team_of_objective[objective.pk] = objective.team_id
    return number


def _lead_owners(plan: _Plan) -> list[int]:
    return sorted(set(plan.lead_of.values()))


def _pick_parent(
    rng: random.Random,
    objectives: list[int],
    krs_of: dict[int, list[int]],
    *,
    orphan: float,
    via_kr: float,
) -> tuple[int | None, int | None]:
    """(objective id, key result id) to align to; at most one is set, both None for an orphan."""
    draw = rng.random()
    if not objectives or draw < orphan:
        return None, None
    parent = objectives[rng.randrange(len(objectives))]
    if draw < orphan + via_kr and krs_of.get(parent):
        return None, rng.choice(krs_of[parent])
    return parent, None


def _key_results_for(
    rng: random.Random,
    plan: _Plan,
    objectives: Sequence[Objective],
    counts: Iterator[int],
    *,
    owners: list[int] | None,
) -> None:
    rows: list[KeyResult] = []
    for objective in objectives:
        if objective.pk not in plan.quarter_of_objective:
            _quarter_number(plan, objective)
        for j in range(next(counts)):
            if owners is not None:
                owner_id = owners[rng.randrange(len(owners))]
            elif objective.level == Level.INDIVIDUAL:
                owner_id = objective.owner_id
            else:
                assert objective.team_id is not None
                team_members = plan.members[objective.team_id]
                owner_id = team_members[rng.randrange(len(team_members))]
            rows.append(_key_result(rng, objective, j, owner_id))
    created = _bulk(KeyResult, rows)
    for kr in created:
        plan.krs_of[kr.objective_id].append(kr.pk)
    plan.key_results.extend(created)


def _key_result(rng: random.Random, objective: Objective, index: int, owner_id: int) -> KeyResult:
    kind = rng.choices(KINDS, weights=KIND_WEIGHTS)[0]
    baseline: float | None
    target: float
    source: dict[str, Any] | None = None
    if kind == Kind.INCREASE:
        metric, unit, low, high = rng.choice(INCREASE_METRICS)
        baseline = round(rng.uniform(low, high / 2), 1)
        target = round(baseline * rng.uniform(1.3, 3.0), 1)
        title = f"Increase {metric} from {baseline:g} to {target:g} {unit}"
    elif kind == Kind.DECREASE:
        metric, unit, low, high = rng.choice(DECREASE_METRICS)
        baseline = round(rng.uniform(low * 2, high), 1)
        target = round(baseline * rng.uniform(0.2, 0.7), 1)
        title = f"Reduce {metric} from {baseline:g} to {target:g} {unit}"
    elif kind == Kind.STAY_ABOVE:
        metric, unit, target = rng.choice(STAY_ABOVE_METRICS)
        baseline = None if rng.random() < 0.3 else round(target * rng.uniform(0.98, 1.0), 2)
        title = f"Keep {metric} at or above {target:g} {unit}"
    elif kind == Kind.STAY_BELOW:
        metric, unit, target = rng.choice(STAY_BELOW_METRICS)
        baseline = None if rng.random() < 0.3 else round(target * rng.uniform(0.8, 1.5), 2)
        title = f"Keep {metric} at or below {target:g} {unit}"
    else:
        unit, baseline, target = "", 0.0, 1.0
        title = rng.choice(MILESTONES)
    if kind != Kind.MILESTONE and rng.random() < 0.12:
        source = rng.choice(
            (
                {
                    "kind": "prometheus",
                    "query": "histogram_quantile(0.95, sum by (le) (rate(x[5m])))",
                },
                {"kind": "dora", "metric": "lead_time", "window": "30d"},
                {"kind": "sql", "query": "select count(*) from accounts where active"},
            )
        )
    return KeyResult(
        objective_id=objective.pk,
        key=f"kr-{index + 1}",
        title=title,
        owner_id=owner_id,
        kind=kind,
        baseline=baseline,
        target=target,
        unit=unit,
        weight=rng.choices((1.0, 2.0, 0.5), weights=(80, 10, 10))[0],
        source=source,
        position=index,
    )


def _initiatives(rng: random.Random, plan: _Plan, *, today: dt.datetime) -> int:
    rows: list[Initiative] = []
    quarter_by_number = {q.number: q for q in plan.quarters}
    for objective_id, q in plan.quarter_of_objective.items():
        if rng.random() >= 0.35:
            continue
        quarter = quarter_by_number[q]
        for n in range(rng.choice((1, 1, 2))):
            krs = plan.krs_of.get(objective_id, [])
            if quarter.end <= today:
                status = rng.choices(
                    (InitiativeStatus.DONE, InitiativeStatus.DROPPED, InitiativeStatus.IN_PROGRESS),
                    weights=(60, 15, 25),
                )[0]
            elif quarter.start <= today:
                status = rng.choices(
                    (InitiativeStatus.PLANNED, InitiativeStatus.IN_PROGRESS, InitiativeStatus.DONE),
                    weights=(30, 50, 20),
                )[0]
            else:
                status = InitiativeStatus.PLANNED
            completed_on = None
            if status == InitiativeStatus.DONE:
                span = (min(quarter.end, today) - quarter.start).days
                completed_on = (quarter.start + dt.timedelta(days=rng.randint(0, span))).date()
            rows.append(
                Initiative(
                    objective_id=objective_id,
                    key=f"initiative-{n + 1}",
                    title=f"Roll out {rng.choice(TEAM_NAMES).lower()} improvements, phase {n + 1}",
                    key_result_id=rng.choice(krs) if krs and rng.random() < 0.8 else None,
                    owner_id=plan.admin_id if rng.random() < 0.1 else None,
                    status=status,
                    completed_on=completed_on,
                    position=n,
                )
            )
    return len(_bulk(Initiative, rows))


def _contribution_links(rng: random.Random, plan: _Plan) -> int:
    rows: list[ContributionLink] = []
    for q, objective_ids in sorted(plan.team_objectives.items()):
        company = plan.company[q]
        for objective_id in objective_ids:
            if len(company) > 1 and rng.random() < 0.05:
                rows.append(
                    ContributionLink(objective_id=objective_id, to_objective_id=rng.choice(company))
                )
    return len(_bulk(ContributionLink, rows))


def _checkins(rng: random.Random, plan: _Plan, *, today: dt.datetime) -> int:
    """A weekly history per key result during its own quarter, up to `today`.

    Owners answer their nudge on their team's check-in day (10:00 UTC), most within hours and a
    few days late; a few weeks are skipped, a few key results are abandoned or never updated.
    """
    quarter_by_number = {q.number: q for q in plan.quarters}
    written = 0
    pending: list[CheckIn] = []
    for kr in plan.key_results:
        quarter = quarter_by_number[plan.quarter_of_objective[kr.objective_id]]
        team_id = plan.team_of_objective[kr.objective_id]
        day = WEEKDAYS.index(plan.checkin_day[team_id] if team_id is not None else "monday")
        first_day = quarter.cycle.start + dt.timedelta(
            days=(day - quarter.cycle.start.weekday()) % 7
        )
        first_nudge = dt.datetime.combine(first_day, dt.time(10), tzinfo=dt.UTC)
        # How well this key result goes: 1 reaches the target on time, 0 never moves.
        performance = rng.choice((1.2, 1.1, 1.0, 1.0, 0.95, 0.9, 0.85, 0.8, 0.7, 0.6, 0.45, 0.2))
        never = rng.random() < 0.03
        stops_after = rng.randint(2, 10) if rng.random() < 0.06 else None
        length = quarter.end - quarter.start
        for week in range(14):
            if never or (stops_after is not None and week > stops_after):
                break
            nudge = first_nudge + dt.timedelta(weeks=week)
            at = nudge + dt.timedelta(hours=min(72.0, rng.expovariate(1 / 6)))
            if at >= quarter.end or at > today:
                break
            if rng.random() < 0.07:
                continue  # a missed week
            value = _value_at(rng, kr, performance, (at - quarter.start) / length)
            if kr.source is not None:
                synced_at = nudge - dt.timedelta(hours=4)
                pending.append(
                    CheckIn(
                        key_result_id=kr.pk,
                        value=value,
                        source=Source.SYNC,
                        at=synced_at,
                        created_at=synced_at,
                    )
                )
                if week % 2 == 0:
                    continue  # owners of synced key results confirm confidence fortnightly
            pending.append(
                CheckIn(
                    key_result_id=kr.pk,
                    value=value,
                    confidence=_confidence(rng, performance),
                    note=rng.choice(NOTES),
                    author_id=kr.owner_id if rng.random() < 0.95 else plan.admin_id,
                    source=rng.choices(HUMAN_SOURCES, weights=HUMAN_SOURCE_WEIGHTS)[0],
                    at=at,
                    created_at=at + dt.timedelta(minutes=rng.randint(0, 90)),
                )
            )
        if len(pending) >= CHECKIN_FLUSH:
            written += len(_bulk(CheckIn, pending))
            pending = []
    written += len(_bulk(CheckIn, pending))
    return written


def _value_at(rng: random.Random, kr: KeyResult, performance: float, elapsed: float) -> float:
    assert kr.target is not None
    target = kr.target
    if kr.kind in (Kind.INCREASE, Kind.DECREASE):
        assert kr.baseline is not None
        distance = target - kr.baseline
        travelled = min(1.3, performance * elapsed) + rng.gauss(0, 0.03)
        return round(kr.baseline + distance * travelled, 2)
    if kr.kind == Kind.MILESTONE:
        return 1.0 if performance >= 0.8 and elapsed >= 0.6 + rng.random() * 0.1 else 0.0
    spread = max(abs(target) * 0.002, 0.05)
    passing = rng.random() < min(0.95, max(0.2, performance))
    above = passing if kr.kind == Kind.STAY_ABOVE else not passing
    return round(target + (1 if above else -1) * abs(rng.gauss(0, spread)), 3)


def _confidence(rng: random.Random, performance: float) -> str | None:
    if rng.random() < 0.1:
        return None
    felt = performance + rng.gauss(0, 0.15)
    if felt >= 0.75:
        return Confidence.ON_TRACK
    if felt >= 0.45:
        return Confidence.AT_RISK
    return Confidence.OFF_TRACK


def _current_quarter_key(quarters: list[_Quarter], today: dt.datetime) -> str:
    for quarter in quarters:
        if quarter.start <= today < quarter.end:
            return quarter.cycle.key
    return quarters[-1].cycle.key
