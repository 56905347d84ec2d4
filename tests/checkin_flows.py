"""A person answering a page of check-in rows ("my check-ins", an email's link) as a browser
without scripts would: the page is read as HTML, the form's fields are sent as they are shown
except those the person changes, and the button pressed is sent with them. Every request the
person makes is counted: loading the page is one, each submit one.

The worlds of the check-in flows (docs/checkins.md): 3 key results, one of them automatic, and
30, each with the check-ins a person and a sync gave before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.test import Client

from okrs.goals.checkins.models import CheckIn
from okrs.goals.evaluation import evaluate_key_result
from okrs.goals.models import KeyResult
from tests.conftest import NOW, World

SAVE_ALL = "Save all check-ins"
NO_CHANGE_FOR_ALL = "No change for all"


@dataclass
class Form:
    """The check-in form of a page: its fields in order (name, value) and its submit buttons
    (text, name, value)."""

    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)
    options: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # select: (value, text)


class _Reader(HTMLParser):
    """The page's POST forms, read the way a browser submits them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: str | None = None
        self._selected: str | None = None
        self._option: tuple[str, bool] | None = None
        self._text: list[str] = []
        self._textarea: str | None = None
        self._button: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self._form = Form()
            self.forms.append(self._form)
        if self._form is None:
            return
        if tag == "input" and a.get("name") and a.get("type", "text") not in ("submit", "button"):
            self._form.fields.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self._select, self._selected = a["name"], None
            self._form.options[a["name"]] = []
        elif tag == "option" and self._select is not None:
            self._option = (a.get("value", ""), "selected" in a)
            self._text = []
        elif tag == "textarea":
            self._textarea, self._text = a["name"], []
        elif tag == "button" and a.get("type", "submit") == "submit":
            self._button, self._text = (a.get("name", ""), a.get("value", "")), []

    def handle_data(self, data: str) -> None:
        self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._form is None:
            return
        text = " ".join("".join(self._text).split())
        if tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            self._form.options[self._select].append((value, text))
            if selected:
                self._selected = value
            self._option = None
        elif tag == "select" and self._select is not None:
            options = self._form.options[self._select]
            chosen = self._selected if self._selected is not None else options[0][0]
            self._form.fields.append((self._select, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.fields.append((self._textarea, "".join(self._text).strip("\n")))
            self._textarea = None
        elif tag == "button" and self._button is not None:
            self._form.buttons.append((text, *self._button))
            self._button = None
        elif tag == "form":
            self._form = None


def form_with_button(html: str, label: str) -> Form | None:
    """The page's POST form that has a submit button labelled `label`."""
    reader = _Reader()
    reader.feed(html)
    return next((f for f in reader.forms if any(b[0] == label for b in f.buttons)), None)


def check_in_form(html: str) -> Form | None:
    return form_with_button(html, SAVE_ALL)


class Person:
    """Someone at a page of check-in rows, counting the requests they make."""

    def __init__(self, client: Client, url: str) -> None:
        self.client = client
        self.url = url
        self.requests = 0
        self.response: Any = None
        self.form: Form | None = None
        self._changes: dict[str, str] = {}

    def open(self) -> Any:
        return self._read(self.client.get(self.url))

    def type(self, kr: KeyResult, field_name: str, value: str) -> None:
        name = f"kr{kr.pk}-{field_name}"
        assert self.form is not None and any(n == name for n, _ in self.form.fields), (
            f"no field {name} on the page"
        )
        self._changes[name] = value

    def press(self, label: str, value: str | None = None) -> Any:
        """Press the button whose text starts with `label` (and of `value`, when given: a
        row's No change is the key result's id)."""
        assert self.form is not None, "no check-in form on the page"
        button = next(
            (
                b
                for b in self.form.buttons
                if b[0].startswith(label) and (value is None or b[2] == value)
            ),
            None,
        )
        assert button is not None, f"no button {label!r}: {self.form.buttons}"
        data: dict[str, list[str]] = {}
        for name, value in self.form.fields:
            data.setdefault(name, []).append(self._changes.get(name, value))
        if button[1]:
            data[button[1]] = [button[2]]
        self._changes = {}
        return self._read(self.client.post(self.url, data))

    def shown(self, kr: KeyResult, field_name: str) -> str | None:
        """What the form shows in a field of the key result's row (None: no such field)."""
        assert self.form is not None
        name = f"kr{kr.pk}-{field_name}"
        return next((v for n, v in self.form.fields if n == name), None)

    def option_text(self, kr: KeyResult, value: str) -> str:
        assert self.form is not None
        return dict(self.form.options[f"kr{kr.pk}-confidence"])[value]

    def _read(self, response: Any) -> Any:
        self.requests += 1
        self.response = response
        self.form = check_in_form(response.content.decode())
        return response


# --- the worlds ---------------------------------------------------------------------------------

BEFORE = NOW - dt.timedelta(days=5)  # the last answers: old enough to be due again


@dataclass
class Flow:
    """The key results a person owns and is asked about, with what was known before."""

    manual: list[KeyResult]
    automatic: list[KeyResult]
    last_value: dict[int, float]  # the latest value of each key result before the flow
    last_confidence: dict[int, str | None]  # the latest confidence a person gave

    @property
    def all(self) -> list[KeyResult]:
        return sorted([*self.manual, *self.automatic], key=lambda kr: (kr.position, kr.pk))

    def recorded(self) -> dict[int, tuple[float, str | None, str]]:
        """Each key result's check-ins made during the flow: (value, confidence, source)."""
        rows = CheckIn.objects.filter(created_at__gt=BEFORE + dt.timedelta(days=1)).exclude(
            source="sync"
        )
        found: dict[int, tuple[float, str | None, str]] = {}
        for c in rows.order_by("at", "id"):
            assert c.key_result_id not in found, "two check-ins of one key result"
            found[c.key_result_id] = (c.value, c.confidence, c.source)
        return found

    def forecasts(self) -> dict[int, float | None]:
        return {kr.pk: evaluate_key_result(kr, as_of=NOW).result.forecast for kr in self.automatic}


def make_flow(world: World, count: int) -> Flow:
    """`count` key results of world.member, every tenth and the third automatic (synced three
    times, no person's confidence yet); the others with an earlier answer of a person, with a
    confidence, five days ago."""
    objective = world.platform_objective
    key_results = [world.lead_time, world.change_failure_rate]
    for i in range(2, count):
        key_results.append(
            KeyResult(
                objective=objective,
                key=f"kr-{i}",
                title=f"Key result number {i}",
                owner=world.member,
                kind="increase",
                baseline=0,
                target=100,
                unit="%",
                position=i,
            )
        )
    KeyResult.objects.bulk_create(key_results[2:])
    key_results = list(
        KeyResult.objects.filter(owner=world.member, objective=objective)
        .select_related("objective__cycle")
        .order_by("position", "id")
    )[:count]
    automatic = [kr for i, kr in enumerate(key_results) if i % 10 == 2]
    manual = [kr for kr in key_results if kr not in automatic]
    checkins: list[CheckIn] = []
    last_value: dict[int, float] = {}
    last_confidence: dict[int, str | None] = {}
    for i, kr in enumerate(manual):
        value = 70.0 if kr.pk == world.lead_time.pk else float(10 + i)
        confidence = ("on_track", "at_risk", "off_track")[i % 3]
        checkins.append(
            CheckIn(
                key_result=kr,
                value=value,
                confidence=confidence,
                source="web",
                author=world.member,
                at=BEFORE,
                created_at=BEFORE,
            )
        )
        last_value[kr.pk], last_confidence[kr.pk] = value, confidence
    for kr in automatic:
        kr.source = {"kind": "github", "credential": "gh", "schedule": "1h"}
        kr.save(update_fields=["source"])
        for days_ago, value in ((30, 10.0), (20, 20.0), (10, 30.0)):
            at = NOW - dt.timedelta(days=days_ago)
            checkins.append(
                CheckIn(key_result=kr, value=value, source="sync", at=at, created_at=at)
            )
        last_value[kr.pk], last_confidence[kr.pk] = 30.0, None
    CheckIn.objects.bulk_create(checkins)
    return Flow(manual, automatic, last_value, last_confidence)
