"""`{% coach_initial %}`: the coach's findings for the editor form as the page first shows it.

The panel is filled when the page is drawn, not by a request after it loads, so an existing
key result's findings are there at once (and after a refused save), without a round trip.
"""

from __future__ import annotations

from typing import Any

from django import template

from okrs.coach import live

register = template.Library()


def _values(form: Any) -> dict[str, object]:
    if form is None:
        return {}
    if form.is_bound:
        return {name: form.data.get(name) for name in form.fields}
    values: dict[str, object] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        values[name] = "" if value is None else value
    return values


@register.simple_tag(takes_context=True)
def coach_initial(context: template.Context, coach: str) -> live.LiveFindings:
    form = context.get("form")
    objective = context.get("objective")
    objective_key = getattr(objective, "key", "") or ""
    values = _values(form)
    if coach == "objective":
        return live.objective_findings(values, editing=objective_key)
    key_result = context.get("key_result")
    return live.key_result_findings(
        values, objective_key=objective_key, editing=getattr(key_result, "key", "") or ""
    )
