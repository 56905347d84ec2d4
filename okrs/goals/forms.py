"""Forms of the goals editor: objectives, key results, initiatives.

The forms only read what was typed into plain values (text, numbers, dates). Whether those
values make sense (key syntax, known owner, kind against baseline and target, alignment loops...)
is decided by the same validator `okrs apply` runs (okrs/ascode/validate.py): the views turn a
cleaned form into the plan nodes of okrs/ascode/parse.py and show each problem beside its field.
So references (owner, team, aligns_to) are text fields drawn as selects: a stale or forged value
reaches the validator and gets apply's message, not a generic "select a valid choice".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django import forms
from django.forms.utils import pretty_name

from okrs.ascode.problems import Problem
from okrs.goals.checkins.services import LARGEST_VALUE
from okrs.goals.keys import key_from_title, unique_key
from okrs.goals.models import Cycle, InitiativeStatus, Kind, Level, Objective
from okrs.metrics.sources.forms import SourceForm, param_field_name
from okrs.org.models import Person, Team
from okrs.web.shell import Form

Choices = Sequence[tuple[str, Any]]


def _label(name: str, label: str | None = None) -> str:
    """What the form calls the field: its label, or Django's default one from its name."""
    return label or pretty_name(name)


def _required(label: str) -> dict[str, str]:
    # Beside the field and under its label: the words name it as the page does, not as a key.
    return {"required": f"{label} is required"}


def _text(
    name: str, *, required: bool = True, label: str | None = None, **kwargs: Any
) -> forms.CharField:
    return forms.CharField(
        required=required, label=label, error_messages=_required(_label(name, label)), **kwargs
    )


def _choice(name: str, *, required: bool = True, label: str | None = None) -> forms.CharField:
    return forms.CharField(
        required=required,
        label=label,
        error_messages=_required(_label(name, label)),
        widget=forms.Select(attrs={"data-searchable": "true"}),
    )


def _number(name: str, *, label: str | None = None, help_text: str = "") -> forms.FloatField:
    shown = _label(name, label)
    return forms.FloatField(
        required=False,
        label=label,
        help_text=help_text,
        min_value=-LARGEST_VALUE,
        max_value=LARGEST_VALUE,
        error_messages={
            "invalid": f"{shown} must be a finite number",
            "min_value": f"{shown} must be at least -10^15",
            "max_value": f"{shown} must be at most 10^15",
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


class _References(forms.Field):
    """Several references (OBJECTIVE_KEY or OBJECTIVE_KEY/KR_KEY) drawn as one multiple select;
    like the single ones, the validator judges them, not the list of choices."""

    widget = forms.SelectMultiple(attrs={"data-searchable": "true"})

    def to_python(self, value: Any) -> list[str]:
        return [str(item) for item in value or () if item]


class EditorForm(Form):
    """A form whose references are drawn as selects; `creating` keeps the key editable.

    A new node's key follows its title: the field comes after the title, editor.js fills it
    as the title is typed, and left empty (or as derived) it is derived here, made unique
    against `key_taken` (`-2`, `-3`...). A key the person typed is kept as typed.
    """

    # Keys are references (OBJECTIVE_KEY/KR_KEY in files, URLs, chat): fixed after creation.
    fixed_after_creation: tuple[str, ...] = ("key",)
    # The key of a title with no letter or digit in it.
    fallback_key = "item"

    def __init__(
        self,
        *args: Any,
        creating: bool,
        key_taken: Callable[[str], bool] = lambda key: False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.creating = creating
        self.key_taken = key_taken
        if not creating:
            for name in self.fixed_after_creation:
                self.fields.pop(name, None)
        elif "key" in self.fields and "title" in self.fields:
            key = self.fields["key"]
            key.required = False
            key.widget.attrs["data-key-from"] = self["title"].auto_id
            names = [name for name in self.fields if name not in ("key", "title")]
            self.order_fields(["title", "key", *names])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        title = data.get("title") or ""
        if self.creating and "key" in self.fields and title:
            derived = key_from_title(title, fallback=self.fallback_key)
            if data.get("key", "") in ("", derived):
                data["key"] = unique_key(derived, taken=self.key_taken)
        return data

    def set_choices(self, name: str, choices: Choices) -> None:
        field = self.fields.get(name)
        if field is not None:
            field.widget.choices = list(choices)


KEY_HELP = "Filled from the title; change it if you like. Lowercase letters, digits and '-'."


class ObjectiveForm(EditorForm):
    fixed_after_creation = ("key", "cycle")
    fallback_key = "objective"

    key = _text(
        "key",
        help_text=f"{KEY_HELP} It cannot change later: files, links and chat refer to it.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    cycle = _choice("cycle")
    title = _text("title", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    level = forms.CharField(
        error_messages=_required("Level"), widget=forms.Select(choices=Level.choices)
    )
    team = _choice("team", required=False)
    owner = _choice("owner")
    aligns_to = _choice("aligns_to", required=False, label="Aligns to")
    contributes_to = _References(
        required=False,
        label="Also contributes to",
        help_text="Drawn on the alignment map; never counted in their scores.",
    )


class KeyResultForm(EditorForm):
    fallback_key = "key-result"

    key = _text(
        "key",
        help_text=f"{KEY_HELP} Fixed once created.",
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
    fallback_key = "initiative"

    key = _text(
        "key",
        help_text=f"{KEY_HELP} Fixed once created.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    title = _text("title", widget=forms.TextInput(attrs={"autocomplete": "off"}))
    key_result = _choice("key_result", required=False, label="Meant to move")
    owner = _choice("owner", required=False)
    status = forms.CharField(
        error_messages=_required("Status"),
        widget=forms.Select(choices=InitiativeStatus.choices),
    )
    completed_on = forms.DateField(
        required=False,
        label="Completed on",
        error_messages={"invalid": "Completed on must be a date (YYYY-MM-DD)"},
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    work = forms.CharField(
        required=False,
        label="Its work",
        help_text="Which merged pull requests are this initiative's, one per line: "
        "label:NAME, branch:PREFIX or jira:ISSUE-KEY (an issue or its epic). A pull request "
        "with a line 'Initiative: OBJECTIVE/INITIATIVE' is linked without any.",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
    )

    def work_entries(self) -> list[str]:
        """The entries as typed, one a line (commas separate them too), blanks left out."""
        text = self.cleaned_data.get("work") or ""
        return [
            entry.strip()
            for line in text.splitlines()
            for entry in line.split(",")
            if entry.strip()
        ]


# ---------------------------------------------------------------------------------------------
# Problems beside their fields


def place_problems(
    form: EditorForm,
    problems: Iterable[Problem],
    node: object,
    *,
    source_form: SourceForm | None = None,
) -> bool:
    """Put the problems about `node` on the fields they concern (a source's on `source_form`);
    problems about other nodes are left out. Returns True when there were none.

    A problem about the node itself (a duplicate key) goes on its key; one about a field the
    form does not show (a key fixed after creation) above the form."""
    clean = True
    for problem in problems:
        if problem.node is not node:
            continue
        clean = False
        if source_form is not None and problem.field == "source":
            # "source of key result 'x': " says where in a file; the form shows it beside it.
            text = problem.text.split(": ", 1)[1] if ": " in problem.text else problem.text
            name = param_field_name(problem.param) if problem.param else None
            _add_named(source_form, name, problem.param, text)
            continue
        name = problem.field or "key"
        _add_named(form, name, name, problem.text)
    return clean


def _add_named(form: forms.Form, name: str | None, key: str | None, text: str) -> None:
    """The problem beside field `name` (above the form if it shows none). apply's words start
    "'unit' is too long": the plan file's `key`; beside the field they start with its label."""
    field = form.fields.get(name) if name else None
    quoted = f"'{key}' "
    if field is not None and key and text.startswith(quoted):
        text = f"{_label(key, str(field.label or ''))} {text[len(quoted) :]}"
    form.add_error(name if field is not None else None, text)


# ---------------------------------------------------------------------------------------------
# Choices for the selects


def people_choices(blank: str | None = None) -> list[tuple[str, str]]:
    people = Person.objects.filter(is_active=True).order_by("name", "email")
    choices = [(p.email.lower(), f"{p.name} <{p.email}>" if p.name else p.email) for p in people]
    return [("", blank), *choices] if blank is not None else choices


def team_choices(teams: Iterable[Team], blank: str = "No team") -> list[tuple[str, str]]:
    return [("", blank), *((t.key, f"{t.name} ({t.key})") for t in teams)]


def aligns_to_choices(
    cycle: Cycle | None,
    exclude: Objective | None = None,
    keep: Iterable[str] = (),
    blank: str | None = "Not aligned",
) -> list[tuple[str, Any]]:
    """Objectives and key results of `cycle` and its parent cycle, grouped by cycle.

    `keep` are the stored values, kept selectable even when they lie outside those cycles."""
    choices: list[tuple[str, Any]] = [("", blank)] if blank is not None else []
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
        group = groups.setdefault(objective.cycle.label, [])
        group.append((objective.key, f"{objective.title} ({objective.level})"))
        values.add(objective.key)
        for kr in objective.key_results.all():
            ref = f"{objective.key}/{kr.key}"
            group.append((ref, f"\u2003\u21b3 {kr.title}"))
            values.add(ref)
    choices.extend((ref, ref) for ref in keep if ref and ref not in values)
    choices.extend(groups.items())
    return choices
