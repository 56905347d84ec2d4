"""The check-in form every web page shows: the key-result page, "my check-ins", a nudge's link.

What the person did not say is never recorded (docs/checkins.md): the confidence is preselected
only with the latest one a person gave, labelled as such; "no change" confirms a confidence and
asks for one where there is none to confirm; an automatic key result has no value input at all
and is checked in only with a confidence. A milestone's value is a choice of "Not done" or
"Done" (stored as 0 or 1), preselected only with what a person's latest check-in said.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict

from okrs.goals.checkins.models import Confidence
from okrs.goals.checkins.services import LARGEST_VALUE, Answer, CheckInsRefused
from okrs.goals.evaluation import KeyResultState
from okrs.goals.models import KeyResult, Kind
from okrs.numbers import counted, input_number, milestone_answer

CONFIDENCES = [
    (Confidence.ON_TRACK, "✓ On track"),
    (Confidence.AT_RISK, "! At risk"),
    (Confidence.OFF_TRACK, "✕ Off track"),
]
LAST_ANSWER = "(last answer)"
# A milestone is done or not: its check-in says which, stored as 1 or 0.
MILESTONE_VALUES = [("0", "Not done"), ("1", "Done")]


def milestone_choices(last: str) -> list[tuple[str, str]]:
    """A milestone's menu: nothing chosen (the current state kept), not done, done; what a
    person's latest check-in said is marked as their last answer (it is the one preselected)."""
    return [("", "Choose not done or done")] + [
        (value, f"{label} {LAST_ANSWER}" if value == last else label)
        for value, label in MILESTONE_VALUES
    ]


def confidence_choices(last: str | None, *, automatic: bool) -> list[tuple[str, str]]:
    """The confidence menu: the latest confidence a person gave is marked as their last answer
    (it is the one preselected); no computed status is ever offered as a default."""
    empty = "Choose your confidence" if automatic else "No opinion"
    return [("", empty)] + [
        (value, f"{label} {LAST_ANSWER}" if value == last else label)
        for value, label in CONFIDENCES
    ]


class CheckInForm(forms.Form):
    """One check-in. The hidden initial values tell a row the person touched from one left alone.

    `automatic`: the key result's value comes from its metric source, so the form has no value
    field at all (nothing typed can be taken: the next sync would overwrite it) and the check-in
    needs a confidence. `last_confidence`: the latest confidence a person gave, which is
    preselected and labelled "(last answer)". `milestone`: the value is chosen, "Not done" or
    "Done", and `last_milestone` ("0", "1" or "") is what a person's latest check-in said.
    """

    value = forms.FloatField(
        required=False,
        show_hidden_initial=True,
        min_value=-LARGEST_VALUE,
        max_value=LARGEST_VALUE,
        help_text="Leave empty to keep the current value.",
        error_messages={
            "invalid": "Enter a number, like 42 or 3.5.",
            "min_value": "Enter a number no smaller than -10^15.",
            "max_value": "Enter a number no larger than 10^15.",
        },
    )
    confidence = forms.ChoiceField(required=False, show_hidden_initial=True, choices=[])
    note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self,
        *args: Any,
        automatic: bool = False,
        last_confidence: str | None = None,
        milestone: bool = False,
        last_milestone: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.automatic = automatic
        self.last_confidence = last_confidence
        self.milestone = milestone and not automatic
        if automatic:
            del self.fields["value"]
        elif self.milestone:
            self.fields["value"] = forms.TypedChoiceField(
                required=False,
                show_hidden_initial=True,
                choices=milestone_choices(last_milestone),
                coerce=float,
                empty_value=None,
                error_messages={"invalid_choice": "Choose not done or done."},
            )
        else:
            self.fields["value"].widget.attrs.update({"inputmode": "decimal"})
        confidence = self.fields["confidence"]
        assert isinstance(confidence, forms.ChoiceField)
        confidence.choices = confidence_choices(last_confidence, automatic=automatic)
        self.fields["note"].widget.attrs.update({"placeholder": "What moved it, what blocks it"})

    def answer(self, key_result: KeyResult, *, keep_value: bool = False) -> Answer:
        """What the valid form says about its key result, as the submission path takes it.
        `keep_value`: a "no change" answer, whatever the value field holds."""
        cleaned = self.cleaned_data
        # The field shows the current value rounded (40.375 hours as 40.4): left as shown, it
        # keeps the exact value instead of saving the rounding; whatever is typed is taken
        # exactly.
        typed = not self.automatic and not keep_value and "value" in self.changed_data
        value = cleaned["value"] if typed else None
        return Answer(key_result.pk, value, cleaned["confidence"] or None, cleaned["note"])

    def typed_a_value(self) -> bool:
        return not self.automatic and "value" in self.changed_data

    def missing_confidence(self, *, keep_value: bool) -> str:
        """Why this answer cannot be recorded without a confidence, or "" when it can: an
        automatic key result's check-in is its confidence, and "no change" confirms one."""
        if self.cleaned_data.get("confidence"):
            return ""
        if self.automatic:
            return (
                "Choose your confidence: the value comes from its source, "
                "and your confidence is the check-in."
            )
        if keep_value or not self.typed_a_value() or self.cleaned_data.get("value") is None:
            if self.last_confidence:  # the person set the menu back to "No opinion"
                return "Choose a confidence: no change confirms one."
            return (
                "Choose a confidence: there is no earlier one to confirm, "
                "and a no change without one would record nothing you said."
            )
        return ""


def form_for(
    key_result: KeyResult, state: KeyResultState, data: Any = None, *, prefix: str | None = None
) -> CheckInForm:
    """A key result's check-in form, prefilled with its current value and the latest
    confidence a person gave (never a computed status)."""
    last = state.result.confidence
    initial: dict[str, str] = {"confidence": last or ""}
    milestone = key_result.kind == Kind.MILESTONE
    last_milestone = _milestone_said(state) if milestone else ""
    if not key_result.source:
        initial["value"] = (
            last_milestone if milestone else input_number(state.result.current, key_result.unit)
        )
    return CheckInForm(
        data,
        prefix=prefix,
        initial=initial,
        automatic=bool(key_result.source),
        last_confidence=last,
        milestone=milestone,
        last_milestone=last_milestone,
    )


def _milestone_said(state: KeyResultState) -> str:
    """ "0" or "1" when the latest check-in is a person's and said not done or done; else ""
    (nothing checked in yet: a milestone starts at 0, which nobody said)."""
    return milestone_answer(state.result.current, said=state.said_by_a_person)


def row_form(key_result: KeyResult, state: KeyResultState, data: Any = None) -> CheckInForm:
    """The form of one key result's row on a page of rows, prefilled with its current state."""
    return form_for(key_result, state, data, prefix=f"kr{key_result.pk}")


# What a page of rows answers when a submit asks for nothing, or when a field is wrong.
NOTHING_TO_SAVE = (
    "Nothing was recorded: you changed nothing. Change a value or a confidence and save, "
    "or press No change for all to confirm every key result as it is."
)
FIELDS_TO_CORRECT = "Nothing was saved: correct the fields marked below."
ALL = "all"  # the value of the "No change for all" button


@dataclass
class CheckInRow:
    """One key result on a page of rows ("my check-ins", a nudge's link), with its form."""

    key_result: KeyResult
    state: KeyResultState
    form: CheckInForm
    error: str = ""


@dataclass(frozen=True)
class PostedRows:
    """What a page of check-in rows posted ("my check-ins", a nudge's link): the rows sent
    (`row`, each a key result's id) and the row whose No change was pressed (`no_change`: a
    key result's id, or "all" for No change for all)."""

    data: QueryDict
    rows: frozenset[str]
    no_change: str

    @classmethod
    def of(cls, data: QueryDict) -> PostedRows:
        return cls(data, frozenset(data.getlist("row")), data.get("no_change", ""))

    @property
    def no_change_for_all(self) -> bool:
        return self.no_change == ALL

    def includes(self, key_result: KeyResult) -> bool:
        return str(key_result.pk) in self.rows

    def keeps_value(self, key_result: KeyResult) -> bool:
        return self.no_change_for_all or self.no_change == str(key_result.pk)

    def form(self, key_result: KeyResult, state: KeyResultState) -> CheckInForm:
        """The row's form as posted. The row's own No change keeps the value, whatever is in
        the field; No change for all leaves the fields as typed, for `check` to look at."""
        data = self.data
        if self.no_change == str(key_result.pk):
            data = data.copy()
            data[f"kr{key_result.pk}-value"] = ""
        return row_form(key_result, state, data)

    def asks_for_checkin(self, key_result: KeyResult, form: CheckInForm) -> bool:
        """No change pressed on the row or for all, or one of its fields changed."""
        return self.keeps_value(key_result) or form.has_changed()


@dataclass
class Checked:
    """What a submit of rows asks to record, once each row's answer was looked at."""

    chosen: list[CheckInRow]
    answers: list[Answer]
    error: str = ""  # why nothing can be recorded; each row concerned has its own error
    notice: str = ""  # nothing was asked for


def check(posted: PostedRows, rows: Sequence[CheckInRow]) -> Checked:
    """The rows to record and their answers, or why none can be. Nothing is recorded that the
    person did not say: a row whose answer needs a confidence and has none is marked (and so is
    a value typed before "No change for all"), and then none is recorded, the rest of what
    was typed kept in the form for the second submit."""
    if any(not row.form.is_valid() for row in rows):
        return Checked([], [], error=FIELDS_TO_CORRECT)
    chosen = [row for row in rows if posted.asks_for_checkin(row.key_result, row.form)]
    if not chosen:
        return Checked([], [], notice=NOTHING_TO_SAVE)
    for row in chosen:
        keep = posted.keeps_value(row.key_result)
        if posted.no_change_for_all and row.form.typed_a_value():
            row.error = (
                "You changed this value: press Save all check-ins to record it, "
                "or put back the current value for no change."
            )
        else:
            row.error = row.form.missing_confidence(keep_value=keep)
    marked = [row for row in chosen if row.error]
    if marked:
        return Checked(
            chosen,
            [],
            error=f"Nothing was saved: {counted(len(marked), 'key result')} marked below "
            f"{'needs' if len(marked) == 1 else 'need'} your answer.",
        )
    answers = [
        row.form.answer(row.key_result, keep_value=posted.keeps_value(row.key_result))
        for row in chosen
    ]
    return Checked(chosen, answers)


def mark_refusals(rows: Sequence[CheckInRow], refused: CheckInsRefused) -> None:
    """Each refused row's reason beside it (a frozen cycle, no value yet, no permission)."""
    for row in rows:
        if row.key_result.pk in refused.errors:
            row.error = f"{refused.errors[row.key_result.pk]}."
