"""Pages of the end of a cycle: writing a key result's retrospective, carrying an objective over.

Thin views: the services (okrs/insights/services.py) check permissions and audit.
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
from okrs.insights.services import (
    MAX_RETROSPECTIVE_CHARS,
    InsightInvalid,
    carry_over_key,
    carry_over_objective,
    save_retrospective,
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
        help_text="leave empty for <key>-<cycle>",
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
    allowed = can_write_retrospective(person, key_result)
    status = 200
    error = ""
    form = RetrospectiveForm(initial={"retrospective": key_result.retrospective})
    if request.method == "POST":
        form = RetrospectiveForm(request.POST)
        if not allowed:
            return forbidden(request, f"You may not write the retrospective of {key_result.ref}.")
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
    org = Organisation.current()
    state = evaluate_key_result(key_result, as_of=timezone.now(), organisation=org)
    final_score = key_result.final_score
    context = {
        "kr": key_result,
        "objective": key_result.objective,
        "cycle": key_result.objective.cycle,
        "frozen": key_result.objective.cycle.frozen_at is not None,
        "final_score": final_score if final_score is not None else state.result.score,
        "final_value": state.result.current,
        "form": form,
        "can_write": allowed,
        "error": error,
        "saved": request.GET.get("saved") == "1" and request.method == "GET",
    }
    return render(request, "insights/retrospective.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def objective_carry_over(request: HttpRequest, key: str) -> HttpResponse:
    objective = get_object_or_404(Objective.objects.select_related("cycle"), key=key)
    person = signed_in(request)
    if not can_edit_objective(person, objective):
        return forbidden(request, f"You may not carry over the objective “{objective.title}”.")
    cycles = list(Cycle.objects.exclude(pk=objective.cycle_id).order_by("start", "key"))
    form = CarryOverForm(request.POST if request.method == "POST" else None)
    cycle_field = form.fields["cycle"]
    assert isinstance(cycle_field, forms.ChoiceField)
    cycle_field.choices = [(c.key, c.key) for c in cycles]
    later = [c for c in cycles if c.start > objective.cycle.end]
    if later and not form.is_bound:
        form.initial["cycle"] = later[0].key
    status, error = 200, ""
    if form.is_bound:
        if form.is_valid():
            to_cycle = next(c for c in cycles if c.key == form.cleaned_data["cycle"])
            try:
                copy = carry_over_objective(
                    objective=objective,
                    to_cycle=to_cycle,
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
        "default_keys": {c.key: carry_over_key(objective, c) for c in cycles},
        "unfinished": [
            kr for kr in objective.key_results.all() if kr.final_score is None or kr.final_score < 1
        ],
    }
    return render(request, "insights/carry_over.html", context, status=status)
