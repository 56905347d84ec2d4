"""Forms of the goals editor: objectives, key results, initiatives.

The forms only read what was typed into plain values (text, numbers, dates). Whether those
values make sense (key syntax, known owner, kind against baseline and target, alignment loops...)
is decided by the same validator `okrs apply` runs (okrs/ascode/validate.py): the views turn a
cleaned form into the plan nodes of okrs/ascode/parse.py and show each problem beside its field.
So references (owner, team, aligns_to) are text fields drawn as selects: a stale or forged value
reaches the validator and gets apply's message, not a generic "select a valid choice".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from okrs.checkins.services import LARGEST_VALUE
from okrs.goals.models import InitiativeStatus, Kind, Level
from okrs.web.shell import Form

Choices = Sequence[tuple[str, Any]]


def _required(name: str) -> dict[str, str]:
    # The wording `okrs apply` uses for a required field left empty (ascode/parse.py).
    return {"required": f"'{name}' is required and cannot be empty"}


def _text(name: str, *, required: bool = True, **kwargs: Any) -> forms.CharField:
    return forms.CharField(required=required, error_messages=_required(name), **kwargs)


def _choice(name: str, *, required: bool = True, label: str | None = None) -> forms.CharField:
    return forms.CharField(
        required=required,
        label=label,
        error_messages=_required(name),
        widget=forms.Select(attrs={"data-searchable": "true"}),
    )


def _number(name: str, *, label: str | None = None, help_text: str = "") -> forms.FloatField:
    return forms.FloatField(
        required=False,
        label=label,
        help_text=help_text,
        min_value=-LARGEST_VALUE,
        max_value=LARGEST_VALUE,
        error_messages={
            "invalid": f"'{name}' must be a finite number",
            "min_value": f"'{name}' must be at least -10^15",
            "max_value": f"'{name}' must be at most 10^15",
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class EditorForm(Form):
    """A form whose references are drawn as selects; `creating` keeps the key editable."""

    # Keys are references (OBJECTIVE_KEY/KR_KEY in files, URLs, chat): fixed after creation.
    fixed_after_creation: tuple[str, ...] = ("key",)

    def __init__(self, *args: Any, creating: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        if not creating:
            for name in self.fixed_after_creation:
                self.fields.pop(name, None)

    def set_choices(self, name: str, choices: Choices) -> None:
        field = self.fields.get(name)
        if field is not None:
            field.widget.choices = list(choices)


class ObjectiveForm(EditorForm):
    fixed_after_creation = ("key", "cycle")

    key = _text(
        "key",
        help_text="Lowercase letters, digits and '-'. It cannot change later: files, links "
        "and chat refer to it.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    cycle = _choice("cycle")
    title = _text("title", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    level = forms.CharField(
        error_messages=_required("level"), widget=forms.Select(choices=Level.choices)
    )
    team = _choice("team", required=False)
    owner = _choice("owner")
    aligns_to = _choice("aligns_to", required=False, label="Aligns to")


class KeyResultForm(EditorForm):
    key = _text(
        "key",
        help_text="Lowercase letters, digits and '-'; fixed once created.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    title = _text(
        "title",
        help_text="An outcome someone can measure, e.g. “Reduce deployment lead time "
        "from 4 days to 6 hours”.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    owner = _choice("owner")
    kind = forms.CharField(
        required=False,
        widget=forms.Select(
            choices=[("", "Infer from baseline and target"), *Kind.choices],
        ),
        help_text="Left to infer: a target above the baseline means increase, below means "
        "decrease.",
    )
    baseline = _number("baseline")
    target = _number("target", help_text="A milestone is done at 1.")
    unit = forms.CharField(required=False, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    weight = _number("weight", help_text="How much it counts in the objective's score; 1 if empty.")


class InitiativeForm(EditorForm):
    key = _text(
        "key",
        help_text="Lowercase letters, digits and '-'; fixed once created.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    title = _text("title", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    key_result = _choice("key_result", required=False, label="Meant to move")
    owner = _choice("owner", required=False)
    status = forms.CharField(
        error_messages=_required("status"),
        widget=forms.Select(choices=InitiativeStatus.choices),
    )
    completed_on = forms.DateField(
        required=False,
        label="Completed on",
        error_messages={"invalid": "'completed_on' must be a date (YYYY-MM-DD)"},
        widget=forms.DateInput(attrs={"type": "date"}),
    )
