"""The check-in form every web page shows: the key-result page, "my check-ins", a nudge's link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.http import QueryDict

from okrs.goals.checkins.models import Confidence
from okrs.goals.checkins.services import LARGEST_VALUE, Answer
from okrs.goals.evaluation import KeyResultState
from okrs.goals.models import KeyResult
from okrs.numbers import input_number


class CheckInForm(forms.Form):
    """One check-in. The hidden initial values tell a row the person touched from one left alone."""

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
    confidence = forms.ChoiceField(
        required=False,
        show_hidden_initial=True,
        choices=[
            ("", "No opinion"),
            (Confidence.ON_TRACK, "✓ On track"),
            (Confidence.AT_RISK, "! At risk"),
            (Confidence.OFF_TRACK, "✕ Off track"),
        ],
    )
    note = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["value"].widget.attrs.update({"inputmode": "decimal"})
        self.fields["note"].widget.attrs.update({"placeholder": "What moved it, what blocks it"})

    def answer(self, key_result: KeyResult) -> Answer:
        """What the valid form says about its key result, as the submission path takes it."""
        cleaned = self.cleaned_data
        # The field shows the current value rounded (40.375 hours as 40.4): left as shown, it
        # keeps the exact value instead of saving the rounding; whatever is typed is taken
        # exactly.
        value = cleaned["value"] if "value" in self.changed_data else None
        return Answer(key_result.pk, value, cleaned["confidence"] or None, cleaned["note"])


def initial_values(state: KeyResultState) -> dict[str, str]:
    return {
        "value": input_number(state.result.current, state.key_result.unit),
        "confidence": state.result.confidence or "",
    }


def row_form(key_result: KeyResult, state: KeyResultState, data: Any = None) -> CheckInForm:
    """The form of one key result's row on a page of rows, prefilled with its current state."""
    return CheckInForm(data, prefix=f"kr{key_result.pk}", initial=initial_values(state))


# What a page of rows answers when a submit asks for nothing, or when a field is wrong.
NOTHING_TO_SAVE = "Nothing to save: change a value, choose a confidence, or use No change."
FIELDS_TO_CORRECT = "Nothing was saved: correct the fields marked below."


@dataclass(frozen=True)
class PostedRows:
    """What a page of check-in rows posted ("my check-ins", a nudge's link): the rows sent
    (`row`, each a key result's id) and the row whose No change was pressed (`no_change`)."""

    data: QueryDict
    rows: frozenset[str]
    no_change: str

    @classmethod
    def of(cls, data: QueryDict) -> PostedRows:
        return cls(data, frozenset(data.getlist("row")), data.get("no_change", ""))

    def includes(self, key_result: KeyResult) -> bool:
        return str(key_result.pk) in self.rows

    def form(
        self, key_result: KeyResult, state: KeyResultState, *, keep_value: bool = False
    ) -> CheckInForm:
        """The row's form as posted. No change (or `keep_value`) keeps the value, whatever is in
        the field."""
        data = self.data.copy()
        if keep_value or self.no_change == str(key_result.pk):
            data[f"kr{key_result.pk}-value"] = ""
        return row_form(key_result, state, data)

    def asks_for_checkin(self, key_result: KeyResult, form: CheckInForm) -> bool:
        """No change pressed on the row, or one of its fields changed."""
        return self.no_change == str(key_result.pk) or form.has_changed()
