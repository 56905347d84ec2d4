"""The OKR editor: objectives, key results and initiatives created and edited in the browser.

Validation is `okrs apply`'s own. The edited entity becomes a plan node (okrs/ascode/parse.py)
inside a one-objective plan, and okrs/ascode/validate.py checks it against itself and the
database, so a bad key, an unknown owner, a team given as owner, a kind that contradicts the
numbers, an alignment loop... get the words `okrs apply` would print. Every field of the edited
node gets a line number of its own, which is how each problem finds its way back to its field.
Only the edited node's problems count: an old flaw elsewhere in the objective (made through
another channel) must not block an unrelated edit, and only the edited row is written.

Permissions are checked here on the server, whatever the page showed: creating follows
`can_create_objective` below, editing follows okrs/org/permissions.py. Writes happen in one
transaction each and go to the audit log with before and after, through the channel "web".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import IntegrityError, transaction
from django.db.models import Max, Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone

from okrs.ascode.parse import InitiativeSpec, KeyResultSpec, ObjectiveSpec, Plan
from okrs.ascode.validate import effective_kind, effective_target, number_text, validate_plan
from okrs.goals.evaluation import current_cycle
from okrs.goals.forms import EditorForm, InitiativeForm, KeyResultForm, ObjectiveForm
from okrs.goals.models import Cycle, Initiative, KeyResult, Level, Objective
from okrs.metrics.sources.forms import SourceForm, param_field_name
from okrs.metrics.sources.models import Credential
from okrs.metrics.sources.permissions import REFUSAL, may_bind_sources, require_source_permission
from okrs.org.audit import Actor, record, snapshot
from okrs.org.models import Person, Role, Team
from okrs.org.permissions import (
    PermissionDenied,
    can_create_objective,
    can_edit_key_result,
    can_edit_objective,
    led_team_ids,
    may_create_objectives,
)
from okrs.web.shell import forbidden, signed_in

CHANNEL = "web"

OBJECTIVE_FIELDS = ("key", "cycle", "level", "team", "title", "description", "owner", "aligns_to")
KEY_RESULT_FIELDS = (
    "key", "title", "owner", "kind", "baseline", "target", "unit", "weight", "source",
)  # fmt: skip
INITIATIVE_FIELDS = ("key", "title", "key_result", "owner", "status", "completed_on")


# ---------------------------------------------------------------------------------------------
# Plan nodes for the validator


class _Lines:
    """Hands out one synthetic line per node and per field, and remembers which is which."""

    def __init__(self) -> None:
        self.owners: dict[int, tuple[str, str | None]] = {}

    def _take(self, node: str, name: str | None) -> int:
        line = len(self.owners) + 1
        self.owners[line] = (node, name)
        return line

    def place(self, node: str, names: Iterable[str]) -> dict[str, Any]:
        """`line` and `lines` arguments for a Node tagged `node`."""
        line = self._take(node, None)
        return {"line": line, "lines": {name: self._take(node, name) for name in names}}

    def place_source(self, node: str, source: dict[str, Any] | None) -> dict[str, int]:
        """A line per parameter of a key result's source, named `source:PARAM`."""
        return {param: self._take(node, f"{SOURCE_PREFIX}{param}") for param in source or {}}


EDITED = "edited"
SOURCE_PREFIX = "source:"
_LINE_REFERENCE = re.compile(r" \(first defined on line \d+\)")


def _field_of(name: str | None, message: str) -> str | None:
    # The validator points a few problems at the node's key or level; the web form has a
    # better place for them.
    if "is missing a target" in message:
        return "target"
    if "has level team but no 'team'" in message:
        return "team"
    # Problems at the node itself are about its identity (a duplicate key).
    return name or "key"


def check_with_apply_rules(
    form: EditorForm, plan: Plan, lines: _Lines, *, source_form: SourceForm | None = None
) -> bool:
    """Run apply's validator over `plan` and put the edited node's problems on `form`'s fields
    (problems of a key result's source go on `source_form`'s).

    Returns True when there were none."""
    clean = True
    for problem in validate_plan(plan):
        node, name = lines.owners.get(problem.line, ("", None))
        if node != EDITED:
            continue
        # A line number means nothing in a web form: "(first defined on line 7)" goes.
        message = _LINE_REFERENCE.sub("", problem.message)
        if source_form is not None and (name == "source" or str(name).startswith(SOURCE_PREFIX)):
            param = str(name)[len(SOURCE_PREFIX) :] if name != "source" else None
            field = param_field_name(param)
            # "source of key result 'x': " says where in a file; the form shows it beside it.
            message = message.split(": ", 1)[1] if message.startswith("source of ") else message
            source_form.add_error(field if field in source_form.fields else None, message)
            clean = False
            continue
        target = _field_of(name, message)
        form.add_error(target if target in form.fields else None, message)
        clean = False
    return clean


def _objective_node(objective: Objective, lines: _Lines, tag: str = "parent") -> ObjectiveSpec:
    """The stored objective as a plan node (its own fields only)."""
    return ObjectiveSpec(
        **lines.place(tag, OBJECTIVE_FIELDS),
        key=objective.key,
        cycle=objective.cycle.key,
        level=objective.level,
        team=objective.team.key if objective.team else None,
        title=objective.title,
        description=objective.description,
        owner=objective.owner.email.lower(),
        aligns_to=objective.aligns_to_ref,
    )


def _plan(objective: ObjectiveSpec) -> Plan:
    return Plan(line=0, filename="web", objectives=[objective])


def _shown(value: float | None) -> str:
    """A stored number as a person would type it: 96, not 96.0."""
    return "" if value is None else number_text(value)


def _blank(value: Any) -> Any:
    return value if value not in ("", None) else None


# ---------------------------------------------------------------------------------------------
# Writes (each one transaction, audited)


def _person(email: str | None) -> Person | None:
    if not email:
        return None
    return Person.objects.filter(email__iexact=email).first()


def _aligns_to(ref: str | None) -> dict[str, Any]:
    objective_key, _, kr_key = (ref or "").partition("/")
    to_kr = None
    to_objective = None
    if kr_key:
        to_kr = KeyResult.objects.get(objective__key=objective_key, key=kr_key)
    elif objective_key:
        to_objective = Objective.objects.get(key=objective_key)
    return {"aligns_to_objective": to_objective, "aligns_to_key_result": to_kr}


def _next_position(rows: Any) -> int:
    last = rows.aggregate(last=Max("position"))["last"]
    return 0 if last is None else last + 1


def _audit(actor: Actor, entity: str, ref: str, before: dict[str, Any] | None, row: Model) -> None:
    row.refresh_from_db()
    after = snapshot(row)
    if before == after:
        return  # saved without a change: nothing happened worth a line in the log
    action = "create" if before is None else "update"
    record(actor, action=action, entity=entity, ref=ref, before=before, after=after)


@transaction.atomic
def save_objective(*, actor: Actor, objective: Objective | None, spec: ObjectiveSpec) -> Objective:
    owner = _person(spec.owner)
    assert owner is not None  # validated
    values: dict[str, Any] = {
        "level": spec.level,
        "team": Team.objects.get(key=spec.team) if spec.team else None,
        "title": spec.title,
        "description": spec.description,
        "owner": owner,
        **_aligns_to(spec.aligns_to),
    }
    if objective is None:
        cycle = Cycle.objects.get(key=spec.cycle)
        objective = Objective.objects.create(
            key=spec.key,
            cycle=cycle,
            position=_next_position(Objective.objects.filter(cycle=cycle)),
            **values,
        )
        _audit(actor, "objective", objective.key, None, objective)
        return objective
    before = snapshot(objective)
    for name, value in values.items():
        setattr(objective, name, value)
    objective.save()
    _audit(actor, "objective", objective.key, before, objective)
    return objective


@transaction.atomic
def save_key_result(
    *, actor: Actor, objective: Objective, key_result: KeyResult | None, spec: KeyResultSpec
) -> KeyResult:
    values: dict[str, Any] = {
        "title": spec.title,
        "owner": _person(spec.owner),
        "kind": effective_kind(spec),
        "baseline": spec.baseline,
        "target": effective_target(spec),
        "unit": spec.unit,
        "weight": spec.weight,
        "source": spec.source or None,
    }
    require_source_permission(
        actor, before=key_result.source if key_result else None, after=values["source"]
    )
    if key_result is None:
        key_result = KeyResult.objects.create(
            objective=objective,
            key=spec.key,
            position=_next_position(objective.key_results.all()),
            **values,
        )
        _audit(actor, "key_result", key_result.ref, None, key_result)
        return key_result
    before = snapshot(key_result)
    for name, value in values.items():
        setattr(key_result, name, value)
    key_result.save()
    _audit(actor, "key_result", key_result.ref, before, key_result)
    return key_result


@transaction.atomic
def save_initiative(
    *, actor: Actor, objective: Objective, initiative: Initiative | None, spec: InitiativeSpec
) -> Initiative:
    values: dict[str, Any] = {
        "title": spec.title,
        "key_result": (objective.key_results.get(key=spec.key_result) if spec.key_result else None),
        "owner": _person(spec.owner),
        "status": spec.status,
        "completed_on": spec.completed_on,
    }
    if initiative is None:
        initiative = Initiative.objects.create(
            objective=objective,
            key=spec.key,
            position=_next_position(objective.initiatives.all()),
            **values,
        )
        _audit(actor, "initiative", f"{objective.key}/{initiative.key}", None, initiative)
        return initiative
    before = snapshot(initiative)
    for name, value in values.items():
        setattr(initiative, name, value)
    initiative.save()
    _audit(actor, "initiative", f"{objective.key}/{initiative.key}", before, initiative)
    return initiative


# ---------------------------------------------------------------------------------------------
# Choices for the selects


def people_choices(blank: str | None = None) -> list[tuple[str, str]]:
    people = Person.objects.filter(is_active=True).order_by("name", "email")
    choices = [(p.email.lower(), f"{p.name} <{p.email}>" if p.name else p.email) for p in people]
    return [("", blank), *choices] if blank is not None else choices


def team_choices(teams: Iterable[Team], blank: str = "No team") -> list[tuple[str, str]]:
    return [("", blank), *((t.key, f"{t.name} ({t.key})") for t in teams)]


def aligns_to_choices(
    cycle: Cycle | None, exclude: Objective | None = None, keep: str | None = None
) -> list[tuple[str, Any]]:
    """Objectives and key results of `cycle` and its parent cycle, grouped by cycle.

    `keep` is the stored value, kept selectable even when it lies outside those cycles."""
    choices: list[tuple[str, Any]] = [("", "Not aligned")]
    if cycle is None:
        return choices
    cycle_ids = [cycle.pk] + ([cycle.parent_id] if cycle.parent_id else [])
    objectives = (
        Objective.objects.filter(cycle_id__in=cycle_ids)
        .select_related("cycle")
        .prefetch_related("key_results")
        .order_by("cycle__start", "position", "id")
    )
    if exclude is not None:
        objectives = objectives.exclude(pk=exclude.pk)
    groups: dict[str, list[tuple[str, str]]] = {}
    values: set[str] = set()
    for objective in objectives:
        group = groups.setdefault(f"Cycle {objective.cycle.key}", [])
        group.append((objective.key, f"{objective.title} ({objective.level})"))
        values.add(objective.key)
        for kr in objective.key_results.all():
            ref = f"{objective.key}/{kr.key}"
            group.append((ref, f"\u2003\u21b3 {kr.title}"))
            values.add(ref)
    if keep and keep not in values:
        choices.append((keep, keep))
    choices.extend(groups.items())
    return choices


# ---------------------------------------------------------------------------------------------
# Views


def _objective_url(key: str) -> str:
    return f"/objectives/{key}/"


def _status(form: EditorForm, denied: bool) -> int:
    if denied:
        return 403
    return 400 if form.is_bound and form.errors else 200


def _objective_spec(
    form: ObjectiveForm, lines: _Lines, objective: Objective | None
) -> ObjectiveSpec:
    data = form.cleaned_data
    return ObjectiveSpec(
        **lines.place(EDITED, OBJECTIVE_FIELDS),
        key=data["key"] if objective is None else objective.key,
        cycle=data["cycle"] if objective is None else objective.cycle.key,
        level=data["level"],
        team=_blank(data["team"]),
        title=data["title"],
        description=data["description"],
        owner=data["owner"].lower(),
        aligns_to=_blank(data["aligns_to"]),
    )


def _team_id(key: str | None) -> int | None:
    if not key:
        return None
    return Team.objects.filter(key=key).values_list("pk", flat=True).first()


def _owner_id(email: str | None) -> int | None:
    person = _person(email)
    return person.pk if person else None


def _objective_form_page(
    request: HttpRequest, person: Person, objective: Objective | None
) -> HttpResponse:
    creating = objective is None
    admin = person.role == Role.ADMIN
    led = led_team_ids(person) if person.role == Role.LEAD else set()

    cycles = list(Cycle.objects.order_by("-start", "key"))
    if creating:
        wanted = request.POST.get("cycle") or request.GET.get("cycle")
        cycle = next((c for c in cycles if c.key == wanted), None) or current_cycle(timezone.now())
    else:
        assert objective is not None
        cycle = objective.cycle

    initial: dict[str, Any] = {}
    if creating:
        initial = {"cycle": cycle.key if cycle else "", "owner": person.email.lower()}
        if admin or led:
            initial["level"] = Level.TEAM
        else:
            initial["level"] = Level.INDIVIDUAL
        first_team = person.teams.order_by("key").first()
        if led:
            first_team = Team.objects.filter(pk__in=led).order_by("key").first()
        initial["team"] = first_team.key if first_team else ""
    else:
        assert objective is not None
        initial = {
            "level": objective.level,
            "team": objective.team.key if objective.team else "",
            "title": objective.title,
            "description": objective.description,
            "owner": objective.owner.email.lower(),
            "aligns_to": objective.aligns_to_ref or "",
        }

    form = ObjectiveForm(
        request.POST if request.method == "POST" else None, initial=initial, creating=creating
    )
    # Only the choices the person may use (and, when editing, the stored ones): the server
    # refuses the rest anyway.
    all_teams = list(Team.objects.order_by("key"))
    if admin:
        teams = all_teams
    else:
        # A lead: the teams they lead; a member: their own teams, for an individual objective.
        teams = [t for t in all_teams if t.pk in led] if led else list(person.teams.all())
        levels: list[tuple[str, str]] = [(Level.TEAM, "Team")] if led else []
        levels.append((Level.INDIVIDUAL, "Individual"))
        if objective is not None:
            if objective.team is not None and objective.team not in teams:
                teams.append(objective.team)
            if objective.level not in {value for value, _ in levels}:
                levels.insert(0, (objective.level, objective.get_level_display()))
        form.set_choices("level", levels)
    form.set_choices("team", team_choices(teams))
    if admin or led:
        form.set_choices("owner", people_choices())
    else:
        owners = [(person.email.lower(), f"{person.name or person.email} (you)")]
        if objective is not None and objective.owner_id != person.pk:
            owners.append((objective.owner.email.lower(), str(objective.owner)))
        form.set_choices("owner", owners)
    form.set_choices("cycle", [(c.key, c.name or c.key) for c in cycles])
    keep = None if creating else (objective.aligns_to_ref if objective else None)
    form.set_choices("aligns_to", aligns_to_choices(cycle, exclude=objective, keep=keep))
    if creating and "cycle" in form.fields:
        # Another cycle offers other things to align to: reload that one field with htmx.
        form.fields["cycle"].widget.attrs.update(
            {
                "hx-get": reverse("objective_create"),
                "hx-trigger": "change",
                "hx-select": "#field-aligns_to",
                "hx-target": "#field-aligns_to",
                "hx-swap": "outerHTML",
            }
        )

    denied = False
    if request.method == "POST" and form.is_valid():
        lines = _Lines()
        spec = _objective_spec(form, lines, objective)
        clean = check_with_apply_rules(form, _plan(spec), lines)
        if creating and Objective.objects.filter(key=spec.key).exists():
            form.add_error("key", f"duplicate objective key '{spec.key}' (already in use)")
            clean = False
        if clean:
            team_id, owner_id = _team_id(spec.team), _owner_id(spec.owner)
            changed_scope = objective is None or (
                spec.level != objective.level
                or team_id != objective.team_id
                or owner_id != objective.owner_id
            )
            if changed_scope and not can_create_objective(
                person, level=spec.level, team_id=team_id, owner_id=owner_id
            ):
                denied = True
                form.add_error(None, _create_refusal(person, spec.level))
        if clean and not denied:
            actor = Actor(person, CHANNEL)
            try:
                saved = save_objective(actor=actor, objective=objective, spec=spec)
            except IntegrityError:
                form.add_error("key", f"duplicate objective key '{spec.key}' (already in use)")
            else:
                return HttpResponseRedirect(_objective_url(saved.key))

    context = {
        "nav": "dashboard",
        "form": form,
        "objective": objective,
        "creating": creating,
        "cycle": cycle,
        "key_results": _key_result_rows(person, objective),
        "initiatives": _initiatives(objective),
    }
    return render(
        request, "goals/editor/objective_form.html", context, status=_status(form, denied)
    )


def _create_refusal(person: Person, level: str) -> str:
    if person.role == Role.LEAD:
        return (
            f"As a lead you may create team and individual objectives only for the teams you "
            f"lead, and your own individual objectives (not a {level} objective here)."
        )
    return "You may create only your own individual objectives (owner: you, level: individual)."


@dataclass(frozen=True)
class _KeyResultRow:
    key_result: KeyResult
    editable: bool


def _key_result_rows(person: Person, objective: Objective | None) -> list[_KeyResultRow]:
    if objective is None:
        return []
    rows = objective.key_results.select_related("owner", "objective")
    return [_KeyResultRow(kr, can_edit_key_result(person, kr)) for kr in rows]


def _initiatives(objective: Objective | None) -> list[Initiative]:
    if objective is None:
        return []
    return list(objective.initiatives.select_related("key_result", "owner"))


@login_required
def objective_create(request: HttpRequest) -> HttpResponse:
    person = signed_in(request)
    if not may_create_objectives(person):
        return forbidden(request, "Viewers can read every objective but not create one.")
    return _objective_form_page(request, person, None)


def _objective(key: str) -> Objective:
    return get_object_or_404(
        Objective.objects.select_related(
            "cycle", "team", "owner", "aligns_to_objective", "aligns_to_key_result__objective"
        ),
        key=key,
    )


@login_required
def objective_edit(request: HttpRequest, key: str) -> HttpResponse:
    person = signed_in(request)
    objective = _objective(key)
    if not can_edit_objective(person, objective):
        return forbidden(request, f"You may not edit the objective “{objective.title}”.")
    return _objective_form_page(request, person, objective)


def _key_result_form_page(
    request: HttpRequest, person: Person, objective: Objective, key_result: KeyResult | None
) -> HttpResponse:
    creating = key_result is None
    if key_result is None:
        initial: dict[str, Any] = {"owner": person.email.lower(), "weight": 1}
    else:
        initial = {
            "title": key_result.title,
            "owner": key_result.owner.email.lower(),
            "kind": key_result.kind,
            "baseline": _shown(key_result.baseline),
            "target": _shown(key_result.target),
            "unit": key_result.unit,
            "weight": _shown(key_result.weight),
        }
    # "Show its fields" after choosing another kind of source: the form again, as typed,
    # nothing saved and nothing judged yet.
    choosing = request.method == "POST" and "source-choose" in request.POST
    if choosing:
        initial = {**initial, **request.POST.dict()}
    form = KeyResultForm(
        request.POST if request.method == "POST" and not choosing else None,
        initial=initial,
        creating=creating,
    )
    form.set_choices("owner", people_choices())
    may_bind = may_bind_sources(person)
    if (
        request.method == "POST"
        and not choosing
        and not may_bind
        and _source_change_requested(request, key_result)
    ):
        # Checked before anything is judged or saved: nothing is written, nothing fetched.
        return forbidden(request, REFUSAL)
    source_form = _source_form(request, key_result, read_only=not may_bind)
    source_ok = not source_form.is_bound or source_form.is_valid()
    if request.method == "POST" and not choosing and form.is_valid() and source_ok:
        data = form.cleaned_data
        lines = _Lines()
        parent = _objective_node(objective, lines)
        if key_result is None:
            # The objective's other key results, so that a reused key is apply's duplicate.
            keys = objective.key_results.values_list("key", flat=True)
            parent.key_results = [KeyResultSpec(**lines.place("other", ()), key=k) for k in keys]
        spec = KeyResultSpec(
            **lines.place(EDITED, KEY_RESULT_FIELDS),
            key=data["key"] if key_result is None else key_result.key,
            title=data["title"],
            owner=data["owner"].lower(),
            kind=_blank(data["kind"]),
            baseline=data["baseline"],
            target=data["target"],
            unit=data["unit"],
            weight=1.0 if data["weight"] is None else data["weight"],
            source=_edited_source(request, source_form, key_result),
        )
        spec.source_lines = lines.place_source(EDITED, spec.source)
        parent.key_results.append(spec)
        if (
            key_result is not None
            and not can_edit_objective(person, objective)
            and (spec.owner != key_result.owner.email.lower() or spec.weight != key_result.weight)
        ):
            # The owner may sharpen their key result, but its owner and weight shape the
            # objective's score: those are for whoever may edit the objective.
            return forbidden(
                request,
                "Only someone who may edit the objective can change a key result's owner or "
                "weight.",
            )
        if check_with_apply_rules(form, _plan(parent), lines, source_form=source_form):
            try:
                save_key_result(
                    actor=Actor(person, CHANNEL),
                    objective=objective,
                    key_result=key_result,
                    spec=spec,
                )
            except PermissionDenied as exc:
                return forbidden(request, str(exc))
            except IntegrityError:
                form.add_error("key", f"duplicate key result key '{spec.key}'")
            else:
                return HttpResponseRedirect(_objective_url(objective.key))
    context = {
        "nav": "dashboard",
        "form": form,
        "objective": objective,
        "key_result": key_result,
        "creating": creating,
        "source_form": source_form,
    }
    status = _status(form, False)
    if source_form.is_bound and source_form.errors and not choosing:
        status = 400
    return render(request, "goals/editor/key_result_form.html", context, status=status)


def _source_change_requested(request: HttpRequest, key_result: KeyResult | None) -> bool:
    """Whether a posted form asks for another source than the stored one (a form posted as
    the page drew it for a non-admin, with the fields disabled, carries none of them)."""
    if "source-kind" not in request.POST:
        return False
    asked = _source_form(request, key_result)
    if not asked.is_valid():
        return True
    stored = key_result.source if key_result is not None else None
    return (asked.source() or None) != (stored or None)


def _source_form(
    request: HttpRequest, key_result: KeyResult | None, *, read_only: bool = False
) -> SourceForm:
    stored = key_result.source if key_result is not None else None
    stored_kind = stored.get("kind", "") if isinstance(stored, dict) else ""
    posted = request.method == "POST" and "source-kind" in request.POST and not read_only
    kind = request.POST.get("source-kind", "") if posted else stored_kind
    credentials = list(Credential.objects.order_by("name").values_list("name", "kind"))
    # A form posted without the source fields (an older page, a script) leaves it unbound, and
    # the stored source unchanged.
    form = SourceForm(
        request.POST if posted and "source-choose" not in request.POST else None,
        kind=kind,
        stored=stored,
        credentials=credentials,
        read_only=read_only,
    )
    form.fields["kind"].widget.attrs["hx-post"] = request.path
    return form


def _edited_source(
    request: HttpRequest, source_form: SourceForm, key_result: KeyResult | None
) -> dict[str, Any] | None:
    if not source_form.is_bound:
        return key_result.source if key_result is not None else None
    return source_form.source()


@login_required
def key_result_create(request: HttpRequest, key: str) -> HttpResponse:
    person = signed_in(request)
    objective = _objective(key)
    if not can_edit_objective(person, objective):
        return forbidden(
            request, f"You may not add key results to the objective “{objective.title}”."
        )
    return _key_result_form_page(request, person, objective, None)


@login_required
def key_result_edit(request: HttpRequest, objective_key: str, kr_key: str) -> HttpResponse:
    person = signed_in(request)
    key_result = get_object_or_404(
        KeyResult.objects.select_related("objective__cycle", "objective__owner", "owner"),
        objective__key=objective_key,
        key=kr_key,
    )
    if not can_edit_key_result(person, key_result):
        return forbidden(request, f"You may not edit the key result “{key_result.title}”.")
    objective = _objective(objective_key)
    return _key_result_form_page(request, person, objective, key_result)


def _initiative_form_page(
    request: HttpRequest, person: Person, objective: Objective, initiative: Initiative | None
) -> HttpResponse:
    creating = initiative is None
    if initiative is None:
        initial: dict[str, Any] = {"status": "planned", "owner": person.email.lower()}
        wanted_kr = request.GET.get("key_result")
        if wanted_kr:
            initial["key_result"] = wanted_kr
    else:
        initial = {
            "title": initiative.title,
            "key_result": initiative.key_result.key if initiative.key_result else "",
            "owner": initiative.owner.email.lower() if initiative.owner else "",
            "status": initiative.status,
            "completed_on": initiative.completed_on,
        }
    form = InitiativeForm(
        request.POST if request.method == "POST" else None, initial=initial, creating=creating
    )
    key_results = list(objective.key_results.all())
    form.set_choices("key_result", [("", "None yet"), *((kr.key, kr.title) for kr in key_results)])
    form.set_choices("owner", people_choices(blank="Nobody yet"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lines = _Lines()
        parent = _objective_node(objective, lines)
        if initiative is None:
            keys = objective.initiatives.values_list("key", flat=True)
            parent.initiatives = [InitiativeSpec(**lines.place("other", ()), key=k) for k in keys]
        spec = InitiativeSpec(
            **lines.place(EDITED, INITIATIVE_FIELDS),
            key=data["key"] if initiative is None else initiative.key,
            title=data["title"],
            key_result=_blank(data["key_result"]),
            owner=_blank(data["owner"].lower()),
            status=data["status"],
            completed_on=data["completed_on"],
        )
        parent.initiatives.append(spec)
        if check_with_apply_rules(form, _plan(parent), lines):
            try:
                save_initiative(
                    actor=Actor(person, CHANNEL),
                    objective=objective,
                    initiative=initiative,
                    spec=spec,
                )
            except IntegrityError:
                form.add_error("key", f"duplicate initiative key '{spec.key}'")
            else:
                return HttpResponseRedirect(_objective_url(objective.key))
    context = {
        "nav": "dashboard",
        "form": form,
        "objective": objective,
        "initiative": initiative,
        "creating": creating,
    }
    return render(
        request, "goals/editor/initiative_form.html", context, status=_status(form, False)
    )


@login_required
def initiative_create(request: HttpRequest, key: str) -> HttpResponse:
    person = signed_in(request)
    objective = _objective(key)
    if not can_edit_objective(person, objective):
        return forbidden(
            request, f"You may not add initiatives to the objective “{objective.title}”."
        )
    return _initiative_form_page(request, person, objective, None)


@login_required
def initiative_edit(request: HttpRequest, objective_key: str, initiative_key: str) -> HttpResponse:
    person = signed_in(request)
    objective = _objective(objective_key)
    initiative = get_object_or_404(
        Initiative.objects.select_related("key_result", "owner"),
        objective=objective,
        key=initiative_key,
    )
    if not can_edit_objective(person, objective):
        return forbidden(request, f"You may not edit the initiative “{initiative.title}”.")
    return _initiative_form_page(request, person, objective, initiative)


def editable_objectives(person: Person, objectives: Sequence[Objective]) -> set[int]:
    """Ids of the objectives whose edit controls `person` may see, for other pages' links."""
    return {o.pk for o in objectives if can_edit_objective(person, o)}


urlpatterns = [
    path("new/objective/", objective_create, name="objective_create"),
    path("objectives/<str:key>/edit/", objective_edit, name="objective_edit"),
    path("objectives/<str:key>/new-key-result/", key_result_create, name="key_result_create"),
    path(
        "key-results/<str:objective_key>/<str:kr_key>/edit/",
        key_result_edit,
        name="key_result_edit",
    ),
    path("objectives/<str:key>/new-initiative/", initiative_create, name="initiative_create"),
    path(
        "initiatives/<str:objective_key>/<str:initiative_key>/edit/",
        initiative_edit,
        name="initiative_edit",
    ),
]

__all__ = [
    "editable_objectives",
    "save_initiative",
    "save_key_result",
    "save_objective",
    "urlpatterns",
]
