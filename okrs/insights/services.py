"""Writes of the end of a cycle: an owner's retrospective, carrying an objective over."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from okrs.goals.evaluation import evaluate_cycle
from okrs.goals.models import (
    ContributionLink,
    Cycle,
    Initiative,
    InitiativeStatus,
    KeyResult,
    Objective,
)
from okrs.goals.services import create_cycle
from okrs.insights.end_of_cycle import NextCycle
from okrs.org.audit import Actor, record, snapshot
from okrs.org.models import KEY_VALIDATOR, Organisation
from okrs.org.permissions import PermissionDenied, can_edit_objective, can_write_retrospective

MAX_RETROSPECTIVE_CHARS = 5000
RETROSPECTIVE_FIELDS = ("retrospective", "retrospective_at", "retrospective_by")
OBJECTIVE_COPIED = ("level", "team_id", "title", "owner_id",
                    "aligns_to_objective_id", "aligns_to_key_result_id")  # fmt: skip
KEY_RESULT_COPIED = ("key", "title", "owner_id", "kind", "target", "unit", "weight",
                     "source", "position")  # fmt: skip


class InsightInvalid(ValueError):
    """The request cannot be carried out as asked; the message says why, for a 400."""


@transaction.atomic
def save_retrospective(
    *, key_result: KeyResult, text: str, actor: Actor, now: dt.datetime | None = None
) -> KeyResult:
    """Store the answer to "did it move the thing we said it would move?" (audited)."""
    person = actor.person
    if not actor.trusted and (person is None or not can_write_retrospective(person, key_result)):
        who = person.email if person else actor.label
        raise PermissionDenied(f"{who} may not write the retrospective of {key_result.ref}")
    text = text.strip()
    if not text:
        raise InsightInvalid("write a few lines: the retrospective is empty")
    if len(text) > MAX_RETROSPECTIVE_CHARS:
        raise InsightInvalid(f"keep it under {MAX_RETROSPECTIVE_CHARS} characters")
    kr = KeyResult.objects.select_for_update().select_related("objective").get(pk=key_result.pk)
    before = snapshot(kr, RETROSPECTIVE_FIELDS)
    kr.retrospective = text
    kr.retrospective_at = now or timezone.now()
    kr.retrospective_by = person
    kr.save(update_fields=list(RETROSPECTIVE_FIELDS))
    record(actor, action="update", entity="key_result", ref=kr.ref, before=before,
           after=snapshot(kr, RETROSPECTIVE_FIELDS))  # fmt: skip
    return kr


def carry_over_key(objective: Objective, to_cycle: Cycle | NextCycle) -> str:
    """The default key of the copy: `<key>-<cycle>`, in the keys' alphabet (2027-Q1 -> 2027-q1)."""
    return f"{objective.key}-{to_cycle.key}".lower()[:100]


def _created_next_cycle(planned: NextCycle, actor: Actor) -> Cycle:
    """The next cycle, created as `actor` (who may carry over, not necessarily create cycles);
    the one another carry-over or `okrs apply` created meanwhile, if any."""
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves the carry-over usable
            return create_cycle(
                actor=Actor(actor.person, actor.channel, trusted=True),
                key=planned.key,
                name=planned.name,
                start=planned.start,
                end=planned.end,
                parent=planned.parent,
            )
    except IntegrityError:
        return Cycle.objects.get(key=planned.key)


def unfinished_key_results(
    objective: Objective, *, now: dt.datetime | None = None
) -> list[tuple[KeyResult, float | None]]:
    """The key results a carry-over copies (score under 1, or none yet), each with the value
    it ended on: what the carry-over page lists is exactly what the copy will hold."""
    cycle = objective.cycle
    as_of = now or timezone.now()
    if cycle.frozen_at is not None:
        # Final values: the state at the end of the frozen cycle, whatever `now` is.
        as_of = cycle.bounds(Organisation.current().timezone)[1] - dt.timedelta(microseconds=1)
    state = evaluate_cycle(cycle, as_of=as_of)
    objective_state = state.by_key().get(objective.key)
    finals = {s.key_result.pk: s for s in objective_state.key_results} if objective_state else {}
    unfinished = []
    for kr in objective.key_results.order_by("position", "id"):
        kr_state = finals.get(kr.pk)
        score = kr.final_score
        if score is None and kr_state is not None:
            score = kr_state.result.score
        if score is None or score < 1:
            final_value = kr_state.result.current if kr_state is not None else None
            unfinished.append((kr, final_value))
    return unfinished


@transaction.atomic
def carry_over_objective(
    *,
    objective: Objective,
    to_cycle: Cycle | NextCycle,
    actor: Actor,
    key: str | None = None,
    now: dt.datetime | None = None,
) -> Objective:
    """Copy an objective and its unfinished key results (score < 1) into another cycle.

    `to_cycle` may be the next cycle the plan does not hold yet (`end_of_cycle.next_cycle`): it
    is created with the copy, whoever carries over (its dates follow from the plan's, nobody
    chooses them), and audited as theirs.

    Each copied key result starts from where the old one ended: baseline = its final value.
    Owners, team, alignment and contribution links are kept; unfinished initiatives follow
    their key result. The copy points back at the original (`carried_over_from`, and a line
    in its description). Permission: whoever may edit the objective.
    """
    now = now or timezone.now()
    person = actor.person
    if not actor.trusted and (person is None or not can_edit_objective(person, objective)):
        who = person.email if person else actor.label
        raise PermissionDenied(f"{who} may not carry over the objective {objective.key}")
    if isinstance(to_cycle, NextCycle) and to_cycle.existing is not None:
        to_cycle = to_cycle.existing
    if isinstance(to_cycle, Cycle) and to_cycle.pk == objective.cycle_id:
        raise InsightInvalid(
            f"{objective.key} is already in {to_cycle.label}: choose another cycle"
        )
    new_key = (key or "").strip() or carry_over_key(objective, to_cycle)
    try:
        KEY_VALIDATOR(new_key)
    except ValidationError as exc:
        raise InsightInvalid(f"the key {new_key!r} is not valid: use lowercase letters, "
                             "digits and '-'") from exc  # fmt: skip
    if Objective.objects.filter(key=new_key).exists():
        raise InsightInvalid(f"an objective with the key {new_key!r} exists already")

    unfinished = unfinished_key_results(objective, now=now)
    if not unfinished:
        raise InsightInvalid(f"every key result of {objective.key} is achieved: nothing to carry")

    if isinstance(to_cycle, NextCycle):
        to_cycle = _created_next_cycle(to_cycle, actor)
    position = (Objective.objects.filter(cycle=to_cycle).aggregate(m=Max("position"))["m"] or 0) + 1
    back = f"Carried over from {objective.key} ({objective.cycle.label})."
    copy = Objective.objects.create(
        key=new_key,
        cycle=to_cycle,
        description=f"{objective.description}\n\n{back}".strip(),
        carried_over_from=objective,
        position=position,
        **{name: getattr(objective, name) for name in OBJECTIVE_COPIED},
    )
    record(actor, action="create", entity="objective", ref=copy.key,
           after=snapshot(copy))  # fmt: skip
    for link in objective.contribution_links.all():
        ContributionLink.objects.create(
            objective=copy,
            to_objective_id=link.to_objective_id,
            to_key_result_id=link.to_key_result_id,
            position=link.position,
        )
    copies: dict[int, KeyResult] = {}
    for kr, final_value in unfinished:
        new_kr = KeyResult.objects.create(
            objective=copy,
            baseline=final_value if final_value is not None else kr.baseline,
            **{name: getattr(kr, name) for name in KEY_RESULT_COPIED},
        )
        copies[kr.pk] = new_kr
        record(actor, action="create", entity="key_result", ref=new_kr.ref,
               after=snapshot(new_kr))  # fmt: skip
    open_states = (InitiativeStatus.PLANNED, InitiativeStatus.IN_PROGRESS)
    for initiative in objective.initiatives.filter(status__in=open_states):
        if initiative.key_result_id is not None and initiative.key_result_id not in copies:
            continue  # its key result was achieved: the initiative stays where it was
        moved_kr = copies.get(initiative.key_result_id) if initiative.key_result_id else None
        new_initiative = Initiative.objects.create(
            objective=copy,
            key=initiative.key,
            title=initiative.title,
            key_result=moved_kr,
            owner_id=initiative.owner_id,
            status=initiative.status,
            position=initiative.position,
        )
        record(actor, action="create", entity="initiative",
               ref=f"{copy.key}/{new_initiative.key}", after=snapshot(new_initiative))  # fmt: skip
    return copy
