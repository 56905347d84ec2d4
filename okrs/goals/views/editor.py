"""The OKR editor: objectives, key results and initiatives created and edited in the browser.

Validation is `okrs apply`'s own. The edited entity becomes a plan node (okrs/ascode/parse.py)
inside a one-objective plan, and okrs/ascode/validate.py checks it against itself and the
database, so a bad key, an unknown owner, a team given as owner, a kind that contradicts the
numbers, an alignment loop... get the words `okrs apply` would print. Each problem names the
node and field it concerns, which is how it finds its way to its form field (forms.py).
Only the edited node's problems count: an old flaw elsewhere in the objective (made through
another channel) must not block an unrelated edit, and only the edited row is written.

Permissions are checked on the server, whatever the page showed (okrs/org/permissions.py, here
for the page's words and again in okrs/goals/services.py, which makes every write in one
transaction, audited with before and after through the channel "web"). A frozen cycle's
objectives, key results and initiatives are shown, never changed: every page of the editor
refuses them with a 409 saying so. Deleting asks for a confirmation page that says what goes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from okrs.ascode.parse import InitiativeSpec, KeyResultSpec, ObjectiveSpec, Plan
from okrs.ascode.validate import number_text, validate_plan
from okrs.goals import services
from okrs.goals.evaluation import current_cycle
from okrs.goals.forms import (
    EditorForm,
    InitiativeForm,
    KeyResultForm,
    ObjectiveForm,
    aligns_to_choices,
    people_choices,
    place_problems,
    team_choices,
)
from okrs.goals.models import Cycle, Initiative, KeyResult, Level, Objective
from okrs.goals.services import CycleFrozen, person_by_email, resolve_ref
from okrs.metrics.sources.forms import SourceForm
from okrs.metrics.sources.models import Credential
from okrs.org.audit import Actor
from okrs.org.models import Person, Role, Team
from okrs.org.permissions import (
    SOURCE_REFUSAL,
    PermissionDenied,
    can_edit_key_result,
    can_edit_objective,
    led_team_ids,
    may_bind_sources,
    may_create_objectives,
)
from okrs.web.shell import forbidden, signed_in

CHANNEL = "web"

OBJECTIVE_FIELDS = (
    "key", "cycle", "level", "team", "title", "description", "owner", "aligns_to", "contributes_to",
)  # fmt: skip
KEY_RESULT_FIELDS = (
    "key", "title", "owner", "kind", "baseline", "target", "unit", "weight", "source",
)  # fmt: skip
INITIATIVE_FIELDS = ("key", "title", "key_result", "owner", "status", "completed_on", "work")


# ---------------------------------------------------------------------------------------------
# Plan nodes for the validator


def _given(names: Sequence[str]) -> dict[str, Any]:
    """`line` and `lines` for a node whose every field is given (as a form gives them all):
    the validator reads `lines` as "present"; the numbers mean nothing here."""
    return {"line": 0, "lines": dict.fromkeys(names, 0)}


def _objective_node(objective: Objective) -> ObjectiveSpec:
    """The stored objective as a plan node (its own fields only)."""
    return ObjectiveSpec(
        **_given(OBJECTIVE_FIELDS),
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


def _frozen(request: HttpRequest, cycle: Cycle) -> HttpResponse:
    """The page for any edit of a frozen cycle: what was scored at its end stays as scored."""
    message = services.frozen_message(cycle)
    context = {"reason": message[0].upper() + message[1:] + "."}
    return render(request, "web/forbidden.html", context, status=409)


def _refusal(
    request: HttpRequest, objective: Objective, *, allowed: bool, words: str
) -> HttpResponse | None:
    """The page refusing an edit in `objective`, or None when it may go ahead: not the
    person's to edit (403, in `words`), or its cycle is frozen (409)."""
    if not allowed:
        return forbidden(request, words)
    if objective.cycle.frozen_at is not None:
        return _frozen(request, objective.cycle)
    return None


def _plan_with(
    objective: Objective, spec: KeyResultSpec | InitiativeSpec, *, creating: bool
) -> Plan:
    """The one-objective plan holding the edited key result or initiative; a new one beside
    its siblings' keys, so that a reused key is apply's duplicate."""
    parent = _objective_node(objective)
    if isinstance(spec, KeyResultSpec):
        if creating:
            keys = objective.key_results.values_list("key", flat=True)
            parent.key_results = [KeyResultSpec(line=0, key=k) for k in keys]
        parent.key_results.append(spec)
    else:
        if creating:
            names = objective.initiatives.values_list("key", flat=True)
            parent.initiatives = [InitiativeSpec(line=0, key=k) for k in names]
        parent.initiatives.append(spec)
    return _plan(parent)


def _contributions(objective: Objective | None) -> list[str]:
    if objective is None:
        return []
    links = objective.contribution_links.select_related("to_objective", "to_key_result__objective")
    return [link.target_ref for link in links]


# ---------------------------------------------------------------------------------------------
# Views


def _objective_url(key: str) -> str:
    return f"/objectives/{key}/"


def _status(form: EditorForm, refused: int | None) -> int:
    if refused:
        return refused
    return 400 if form.is_bound and form.errors else 200


def _objective_spec(form: ObjectiveForm, objective: Objective | None) -> ObjectiveSpec:
    data = form.cleaned_data
    return ObjectiveSpec(
        **_given(OBJECTIVE_FIELDS),
        key=data["key"] if objective is None else objective.key,
        cycle=data["cycle"] if objective is None else objective.cycle.key,
        level=data["level"],
        team=_blank(data["team"]),
        title=data["title"],
        description=data["description"],
        owner=data["owner"].lower(),
        aligns_to=_blank(data["aligns_to"]),
        contributes_to=data["contributes_to"],
        contributes_lines=[0] * len(data["contributes_to"]),
    )


def _save_objective(actor: Actor, objective: Objective | None, spec: ObjectiveSpec) -> Objective:
    """The validated node written through the goals services."""
    owner = person_by_email(spec.owner)
    assert owner is not None  # validated
    values: dict[str, Any] = {
        "level": spec.level,
        "team": Team.objects.get(key=spec.team) if spec.team else None,
        "title": spec.title,
        "description": spec.description,
        "owner": owner,
        "aligns_to": resolve_ref(spec.aligns_to) if spec.aligns_to else None,
        "contributes_to": [resolve_ref(ref) for ref in spec.contributes_to],
    }
    if objective is None:
        cycle = Cycle.objects.get(key=spec.cycle)
        return services.create_objective(actor=actor, key=spec.key, cycle=cycle, **values)
    return services.update_objective(actor=actor, objective=objective, **values)


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
            "contributes_to": _contributions(objective),
        }

    form = ObjectiveForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        creating=creating,
        key_taken=lambda key: Objective.objects.filter(key=key).exists(),
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
    keep = [objective.aligns_to_ref or ""] if objective else []
    form.set_choices("aligns_to", aligns_to_choices(cycle, exclude=objective, keep=keep))
    contributes = _contributions(objective)
    form.set_choices(
        "contributes_to", aligns_to_choices(cycle, exclude=objective, keep=contributes, blank=None)
    )
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

    refused: int | None = None
    if request.method == "POST" and form.is_valid():
        spec = _objective_spec(form, objective)
        clean = place_problems(form, validate_plan(_plan(spec)), spec)
        if creating and Objective.objects.filter(key=spec.key).exists():
            form.add_error("key", f"duplicate objective key '{spec.key}' (already in use)")
            clean = False
        if clean:
            try:
                saved = _save_objective(Actor(person, CHANNEL), objective, spec)
            except PermissionDenied as exc:
                refused = 403
                form.add_error(None, str(exc))
            except CycleFrozen as exc:
                refused = 409
                form.add_error("cycle" if "cycle" in form.fields else None, str(exc))
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
        request, "goals/editor/objective_form.html", context, status=_status(form, refused)
    )


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
    words = f"You may not edit the objective “{objective.title}”."
    refusal = _refusal(
        request, objective, allowed=can_edit_objective(person, objective), words=words
    )
    return refusal or _objective_form_page(request, person, objective)


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
        key_taken=lambda key: objective.key_results.filter(key=key).exists(),
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
        return forbidden(request, SOURCE_REFUSAL)
    source_form = _source_form(request, key_result, read_only=not may_bind)
    source_ok = not source_form.is_bound or source_form.is_valid()
    if request.method == "POST" and not choosing and form.is_valid() and source_ok:
        data = form.cleaned_data
        spec = KeyResultSpec(
            **_given(KEY_RESULT_FIELDS),
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
        problems = validate_plan(_plan_with(objective, spec, creating=creating))
        if place_problems(form, problems, spec, source_form=source_form):
            try:
                _save_key_result(Actor(person, CHANNEL), objective, key_result, spec)
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


def _save_key_result(
    actor: Actor, objective: Objective, key_result: KeyResult | None, spec: KeyResultSpec
) -> KeyResult:
    """The validated node written through the goals services."""
    owner = person_by_email(spec.owner)
    assert owner is not None  # validated
    values: dict[str, Any] = {
        "title": spec.title,
        "owner": owner,
        "kind": spec.kind,
        "baseline": spec.baseline,
        "target": spec.target,
        "unit": spec.unit,
        "weight": spec.weight,
        "source": spec.source,
    }
    if key_result is None:
        return services.create_key_result(actor=actor, objective=objective, key=spec.key, **values)
    return services.update_key_result(actor=actor, key_result=key_result, **values)


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


def _create_under(
    request: HttpRequest,
    key: str,
    what: str,
    form_page: Callable[[HttpRequest, Person, Objective, None], HttpResponse],
) -> HttpResponse:
    """The page adding a key result or an initiative (`what`) to the objective `key`."""
    person = signed_in(request)
    objective = _objective(key)
    words = f"You may not add {what} to the objective “{objective.title}”."
    refusal = _refusal(
        request, objective, allowed=can_edit_objective(person, objective), words=words
    )
    return refusal or form_page(request, person, objective, None)


@login_required
def key_result_create(request: HttpRequest, key: str) -> HttpResponse:
    return _create_under(request, key, "key results", _key_result_form_page)


@login_required
def key_result_edit(request: HttpRequest, objective_key: str, kr_key: str) -> HttpResponse:
    person = signed_in(request)
    key_result = get_object_or_404(
        KeyResult.objects.select_related("objective__cycle", "objective__owner", "owner"),
        objective__key=objective_key,
        key=kr_key,
    )
    objective = _objective(objective_key)
    words = f"You may not edit the key result “{key_result.title}”."
    refusal = _refusal(
        request, objective, allowed=can_edit_key_result(person, key_result), words=words
    )
    return refusal or _key_result_form_page(request, person, objective, key_result)


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
            "work": "\n".join(str(entry) for entry in initiative.work or []),
        }
    form = InitiativeForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        creating=creating,
        key_taken=lambda key: objective.initiatives.filter(key=key).exists(),
    )
    key_results = list(objective.key_results.all())
    form.set_choices("key_result", [("", "None yet"), *((kr.key, kr.title) for kr in key_results)])
    form.set_choices("owner", people_choices(blank="Nobody yet"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        spec = InitiativeSpec(
            **_given(INITIATIVE_FIELDS),
            key=data["key"] if initiative is None else initiative.key,
            title=data["title"],
            key_result=_blank(data["key_result"]),
            owner=_blank(data["owner"].lower()),
            status=data["status"],
            completed_on=data["completed_on"],
            work=form.work_entries(),
        )
        spec.work_lines = [0] * len(spec.work)
        problems = validate_plan(_plan_with(objective, spec, creating=creating))
        if place_problems(form, problems, spec):
            try:
                _save_initiative(Actor(person, CHANNEL), objective, initiative, spec)
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


def _save_initiative(
    actor: Actor, objective: Objective, initiative: Initiative | None, spec: InitiativeSpec
) -> Initiative:
    """The validated node written through the goals services."""
    values: dict[str, Any] = {
        "title": spec.title,
        "key_result": objective.key_results.get(key=spec.key_result) if spec.key_result else None,
        "owner": person_by_email(spec.owner),
        "status": spec.status,
        "completed_on": spec.completed_on,
        "work": spec.work,
    }
    if initiative is None:
        return services.create_initiative(actor=actor, objective=objective, key=spec.key, **values)
    return services.update_initiative(actor=actor, initiative=initiative, **values)


@login_required
def initiative_create(request: HttpRequest, key: str) -> HttpResponse:
    return _create_under(request, key, "initiatives", _initiative_form_page)


@login_required
def initiative_edit(request: HttpRequest, objective_key: str, initiative_key: str) -> HttpResponse:
    person = signed_in(request)
    objective = _objective(objective_key)
    initiative = get_object_or_404(
        Initiative.objects.select_related("key_result", "owner"),
        objective=objective,
        key=initiative_key,
    )
    words = f"You may not edit the initiative “{initiative.title}”."
    refusal = _refusal(
        request, objective, allowed=can_edit_objective(person, objective), words=words
    )
    return refusal or _initiative_form_page(request, person, objective, initiative)


# ---------------------------------------------------------------------------------------------
# Deleting: a confirmation page (GET) saying what goes, then a POST


def _confirm_delete(
    request: HttpRequest,
    *,
    what: str,
    title: str,
    objective: Objective,
    deletion: services.Deletion | None,
    delete: Any,
    done_url: str,
) -> HttpResponse:
    """The confirmation page on GET; on POST, `delete(actor)` and back to `done_url`. Only
    the objective's editors may delete it or anything in it: like its weight, whether a key
    result counts at all is the objective's editor's call."""
    if not can_edit_objective(signed_in(request), objective):
        return forbidden(request, f"You may not delete the {what} “{title}”.")
    if objective.cycle.frozen_at is not None:
        return _frozen(request, objective.cycle)
    if request.method == "POST":
        try:
            delete(Actor(signed_in(request), CHANNEL))
        except PermissionDenied as exc:
            return forbidden(request, str(exc))
        except CycleFrozen:
            return _frozen(request, objective.cycle)
        return HttpResponseRedirect(done_url)
    context = {
        "nav": "dashboard",
        "what": what,
        "title": title,
        "objective": objective,
        "deletion": deletion,
        "cancel_url": _objective_url(objective.key),
    }
    return render(request, "goals/editor/confirm_delete.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def objective_delete(request: HttpRequest, key: str) -> HttpResponse:
    objective = _objective(key)
    return _confirm_delete(
        request,
        what="objective",
        title=objective.title,
        objective=objective,
        deletion=services.objective_deletion(objective),
        delete=lambda actor: services.delete_objective(actor=actor, objective=objective),
        done_url="/",
    )


@login_required
@require_http_methods(["GET", "POST"])
def key_result_delete(request: HttpRequest, objective_key: str, kr_key: str) -> HttpResponse:
    objective = _objective(objective_key)
    key_result = get_object_or_404(
        KeyResult.objects.select_related("objective"), objective=objective, key=kr_key
    )
    return _confirm_delete(
        request,
        what="key result",
        title=key_result.title,
        objective=objective,
        deletion=services.key_result_deletion(key_result),
        delete=lambda actor: services.delete_key_result(actor=actor, key_result=key_result),
        done_url=_objective_url(objective.key),
    )


@login_required
@require_http_methods(["GET", "POST"])
def initiative_delete(
    request: HttpRequest, objective_key: str, initiative_key: str
) -> HttpResponse:
    objective = _objective(objective_key)
    initiative = get_object_or_404(
        Initiative.objects.select_related("objective"), objective=objective, key=initiative_key
    )
    return _confirm_delete(
        request,
        what="initiative",
        title=initiative.title,
        objective=objective,
        deletion=None,
        delete=lambda actor: services.delete_initiative(actor=actor, initiative=initiative),
        done_url=_objective_url(objective.key),
    )


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
    path("objectives/<str:key>/delete/", objective_delete, name="objective_delete"),
    path(
        "key-results/<str:objective_key>/<str:kr_key>/delete/",
        key_result_delete,
        name="key_result_delete",
    ),
    path(
        "initiatives/<str:objective_key>/<str:initiative_key>/delete/",
        initiative_delete,
        name="initiative_delete",
    ),
]

__all__ = ["editable_objectives", "urlpatterns"]
