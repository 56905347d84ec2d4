"""Pages of the end of a cycle: writing a key result's retrospective, carrying an objective over.

Both open in the cycle's last week (`end_of_cycle.end_of_cycle_open`); before, they say from
when, and refuse a post with a 409. Thin views: the services (okrs/insights/services.py) check
permissions and audit.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from okrs.goals.evaluation import evaluate_key_result
from okrs.goals.models import Cycle, KeyResult, Objective
from okrs.insights.end_of_cycle import (
    NextCycle,
    carry_over_choices,
    end_of_cycle_open,
    not_yet_message,
)
from okrs.insights.services import (
    MAX_RETROSPECTIVE_CHARS,
    InsightInvalid,
    carry_over_key,
    carry_over_objective,
    save_retrospective,
    unfinished_key_results,
)
from okrs.org.audit import Actor
from okrs.org.models import Organisation
from okrs.org.permissions import PermissionDenied, can_edit_objective, can_write_retrospective
from okrs.web.shell import forbidden, signed_in


class RetrospectiveForm(forms.Form):
    retrospective = forms.CharField(
        label="Did it move the thing we said it would move?",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=MAX_RETROSPECTIVE_CHARS,
    )


class CarryOverForm(forms.Form):
    cycle = forms.ChoiceField(label="Into the cycle")
    key = forms.CharField(
        label="Key of the new objective", required=False, max_length=100,
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def key_result_retrospective(request: HttpRequest, objective_key: str, kr_key: str) -> HttpResponse:
    key_result = get_object_or_404(
        KeyResult.objects.select_related("objective__cycle", "objective__team", "owner",
                                         "retrospective_by"),
        objective__key=objective_key,
        key=kr_key,
    )  # fmt: skip
    person = signed_in(request)
    org = Organisation.current()
    cycle = key_result.objective.cycle
    allowed = can_write_retrospective(person, key_result)
    if request.method == "POST" and not allowed:
        return forbidden(request, f"You may not write the retrospective of {key_result.ref}.")
    if not end_of_cycle_open(cycle, organisation=org):
        return _not_yet(
            request, key_result.objective, f"Retrospective: {key_result.title}",
            not_yet_message(cycle, "the retrospective"),
        )  # fmt: skip
    status = 200
    error = ""
    form = RetrospectiveForm(initial={"retrospective": key_result.retrospective})
    if request.method == "POST":
        form = RetrospectiveForm(request.POST)
        if form.is_valid():
            try:
                save_retrospective(
                    key_result=key_result,
                    text=form.cleaned_data["retrospective"],
                    actor=Actor(person, "web"),
                )
            except PermissionDenied:
                return forbidden(
                    request, f"You may not write the retrospective of {key_result.ref}."
                )
            except InsightInvalid as exc:
                error, status = f"{exc}.", 400
            else:
                return redirect(f"{request.path}?saved=1")
        else:
            status = 400
    state = evaluate_key_result(key_result, as_of=timezone.now(), organisation=org)
    final_score = key_result.final_score
    context = {
        "kr": key_result,
        "objective": key_result.objective,
        "cycle": key_result.objective.cycle,
        "frozen": cycle.frozen_at is not None,
        "final_score": final_score if final_score is not None else state.result.score,
        "final_value": state.result.current,
        "form": form,
        "can_write": allowed,
        "error": error,
        "saved": request.GET.get("saved") == "1" and request.method == "GET",
    }
    return render(request, "insights/retrospective.html", context, status=status)


def _not_yet(
    request: HttpRequest, objective: Objective, heading: str, message: str
) -> HttpResponse:
    """The page of an end-of-cycle action asked for mid-cycle: what it is and from when; a post
    is refused with 409 (the cycle's state, not the request, is what is wrong)."""
    status = 409 if request.method == "POST" else 200
    context = {"objective": objective, "heading": heading, "message": message}
    return render(request, "insights/not_yet.html", context, status=status)


def cycle_label(cycle: Cycle | NextCycle) -> str:
    """A choice of the carry-over form: "Q1 2027 (1 January 2027 to 31 March 2027)"."""
    name = cycle.name or cycle.key
    return f"{name} ({cycle.start:%-d %B %Y} to {cycle.end:%-d %B %Y})"


@login_required
@require_http_methods(["GET", "POST"])
def objective_carry_over(request: HttpRequest, key: str) -> HttpResponse:
    objective = get_object_or_404(Objective.objects.select_related("cycle"), key=key)
    person = signed_in(request)
    if not can_edit_objective(person, objective):
        return forbidden(request, f"You may not carry over the objective “{objective.title}”.")
    if not end_of_cycle_open(objective.cycle):
        return _not_yet(
            request, objective, f"Carry “{objective.title}” into the next cycle",
            not_yet_message(objective.cycle, "carrying over"),
        )  # fmt: skip
    following, later = carry_over_choices(objective)
    targets: dict[str, Cycle | NextCycle] = {following.key: following}
    targets.update((c.key, c) for c in later)
    form = CarryOverForm(request.POST if request.method == "POST" else None)
    cycle_field = form.fields["cycle"]
    assert isinstance(cycle_field, forms.ChoiceField)
    first = f"{cycle_label(following)}, the next {following.length}"
    if following.existing is None:
        first += " (created when you carry over)"
    cycle_field.choices = [(following.key, first)] + [(c.key, cycle_label(c)) for c in later]
    if not form.is_bound:
        form.initial["cycle"] = following.key
    default_key = carry_over_key(objective, following)
    form.fields["key"].help_text = f"Leave it empty for {default_key} (or the chosen cycle's key)."
    status, error = 200, ""
    if form.is_bound:
        if form.is_valid():
            try:
                copy = carry_over_objective(
                    objective=objective,
                    to_cycle=targets[form.cleaned_data["cycle"]],
                    actor=Actor(person, "web"),
                    key=form.cleaned_data["key"] or None,
                )
            except PermissionDenied:
                return forbidden(request, f"You may not carry over “{objective.title}”.")
            except InsightInvalid as exc:
                error, status = f"{exc}.", 400
            else:
                return redirect(reverse("objective", kwargs={"key": copy.key}))
        else:
            status = 400
    context = {
        "objective": objective,
        "form": form,
        "error": error,
        "unfinished": [kr for kr, _ in unfinished_key_results(objective)],
    }
    return render(request, "insights/carry_over.html", context, status=status)
