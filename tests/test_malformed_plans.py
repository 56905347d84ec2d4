"""Plans no reader can take in whole get `FILE:LINE: message`, never a traceback or a 500.

Integers of thousands of digits, dates that do not exist, nesting hundreds of levels deep, text
that is not Unicode (a lone surrogate) or holds NUL, aliases that expand without end: `okrs
apply` and `okrs lint` say where and exit 1, and the lint API answers 400 with the problems.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from okrs.ascode.parse import MAX_DEPTH, MAX_VALUES, load_plan
from okrs.ascode.problems import CHECKS, PlanInvalid
from okrs.ascode.validate import DatabaseState
from okrs.cli import main
from okrs.coach.lint import lint_text

HEAD = """\
organisation: Acme
cycles:
  - {key: 2027-Q1, start: 2027-01-01, end: 2027-03-31}
people:
  - {email: ana@plan.test, name: Ana Lima}
objectives:
  - key: revenue
    cycle: 2027-Q1
    level: company
    owner: ana@plan.test
"""
TITLE_LINE = 11  # the line each case below adds to HEAD
BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 10)}]\n"
    for prev, name in zip("abcdefg", "bcdefgh", strict=True)
)


@dataclass(frozen=True)
class Malformed:
    name: str
    text: str
    line: int
    message: str


CASES = [
    Malformed(
        "an integer of thousands of digits",
        HEAD
        + "    title: Grow\n    key_results:\n      - {key: k, title: K, target: "
        + "9" * 5000
        + "}\n",
        13,
        "'target' is a number of 5000 digits (at most 100)",
    ),
    Malformed(
        "an impossible date",
        HEAD.replace("end: 2027-03-31", "end: 2026-02-30"),
        3,
        "'end' is not a date that exists: 2026-02-30 (day is out of range for month)",
    ),
    Malformed(
        "an impossible time",
        HEAD.replace("start: 2027-01-01", "start: 2027-01-01 24:61:00"),
        3,
        "'start' is not a date that exists: 2027-01-01 24:61:00 (hour must be in 0..23)",
    ),
    Malformed(
        "nesting 300 levels deep",
        "organisation: " + "[" * 300 + "]" * 300 + "\n",
        1,
        f"the document nests deeper than {MAX_DEPTH} levels",
    ),
    Malformed(
        "a lone surrogate in a title",
        HEAD + '    title: "Grow \\udc00 revenue"\n',
        TITLE_LINE,
        "'title' must be Unicode text: it holds a lone surrogate (U+DC00)",
    ),
    Malformed(
        "a NUL character in a title",
        HEAD + '    title: "Grow\\0revenue"\n',
        TITLE_LINE,
        "'title' must not contain a NUL character",
    ),
    Malformed(
        "aliases that expand to millions of values (billion laughs)",
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + BOMB,
        1,
        f"the document holds more than {MAX_VALUES:,} values as read "
        "(an alias counts every value it repeats)",
    ),
    Malformed(
        "a tag that builds what no plan holds",
        HEAD + "    title: !!set {Grow}\n",
        TITLE_LINE,
        "'title' has the tag !!set: plans hold plain data",
    ),
    Malformed(
        "an alias inside what it names",
        HEAD + "    title: Grow\n    key_results: &loop [*loop]\n",
        12,
        "an alias repeats a value that holds it",
    ),
    Malformed(
        "aliases that nest deeper than the bound",
        "".join(f"l{n}: &l{n} [[[[[[[[[[*l{n - 1}]]]]]]]]]]\n" for n in range(1, 8)).replace(
            "*l0", "1"
        ),
        4,  # where the bound is passed
        f"the document nests deeper than {MAX_DEPTH} levels (through an alias)",
    ),
]


def row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.django_db
@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_apply_and_lint_say_where_and_exit_1(case: Malformed, tmp_path: Path, capsys) -> None:
    path = tmp_path / "plan.yaml"
    path.write_text(case.text, encoding="utf-8")
    before = row_counts()

    code, out, err = run(capsys, "apply", str(path))
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"{path}:{case.line}: {case.message}",
        f"okrs: {path}: 1 error; nothing was changed",
    ]
    assert row_counts() == before

    code, out, _ = run(capsys, "lint", str(path))
    assert code == 1
    assert out.splitlines()[0] == f"{path}:{case.line}: OKR000 error: {case.message}"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_lint_api_answers_400_with_the_problem(case: Malformed, world) -> None:
    response = world.client_for(world.member).post(
        "/api/v1/okrs:lint", data=case.text, content_type="application/yaml"
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "the body cannot be read as a plan",
        "errors": [{"line": case.line, "message": case.message, "rule": "OKR000"}],
    }


def test_a_600_byte_body_nested_300_deep(world) -> None:
    """The body that crashed the lint API: 600 bytes, as YAML and as JSON."""
    client = world.client_for(world.member)
    for body, content_type in (
        ("[" * 300 + "]" * 300, "application/yaml"),
        ('{"a":' * 120 + "1" + "}" * 120, "application/json"),
        ("[" * 100_000 + "]" * 100_000, "application/json"),  # deeper than json can recurse
    ):
        response = client.post("/api/v1/okrs:lint", data=body, content_type=content_type)
        assert response.status_code == 400, content_type
        [error] = response.json()["errors"]
        assert error["line"] == 1
        assert error["message"] == f"the document nests deeper than {MAX_DEPTH} levels"


def test_json_bodies_with_what_no_plan_holds(world) -> None:
    client = world.client_for(world.member)
    huge = '{"organisation": "Acme",\n "timezone": ' + "7" * 5000 + "}"
    response = client.post("/api/v1/okrs:lint", data=huge, content_type="application/json")
    assert response.status_code == 400
    message = "'timezone' is a number of 5000 digits (at most 100)"
    assert response.json()["errors"] == [{"line": 2, "message": message, "rule": "OKR000"}]
    # A lone surrogate spelled as a JSON escape never reaches the plan: the request is refused
    # before any view, as it is on every route (okrs.security).
    surrogate = '{"organisation": "Acme",\n "timezone": "\\udc00"}'
    response = client.post("/api/v1/okrs:lint", data=surrogate, content_type="application/json")
    assert response.status_code == 400
    assert "lone surrogate" in response.json()["detail"]


@pytest.mark.django_db
def test_standard_input_that_is_not_utf8(monkeypatch, capsys) -> None:
    import io
    import sys

    for command in ("apply", "lint"):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"organisation: \xff\n")))
        code, _, err = run(capsys, command, "-")
        assert code == 1
        assert "-: " in err and "not UTF-8 text" in err


# ---------------------------------------------------------------------------------------------
# Junk of every kind: the entry point of apply and lint rejects it with problems, nothing else.

FIELDS = [
    "organisation", "timezone", "cycles", "people", "teams", "objectives", "key", "name",
    "start", "end", "parent", "email", "channel", "lead", "members", "checkin_day", "cycle",
    "level", "team", "title", "description", "owner", "aligns_to", "contributes_to",
    "key_results", "initiatives", "kind", "baseline", "target", "unit", "weight", "source",
    "key_result", "status", "completed_on", "metric", "window", "<<",
]  # fmt: skip
FRAGMENTS = [
    *FIELDS, ": ", "\n", "\n  ", "\n    - ", "- ", "{", "}", "[", "]", ", ", "&a ", "*a", "&b ",
    "*b", "!!binary ", "!!set ", "!!omap ", "!!python/object ", "? ", "|\n  ", ">\n  ", "'",
    '"', "\\udc00", "\\0", "\\x", "2026-02-30", "2026-10-01", "2026-13-01 25:00:00", ".inf",
    "-.inf", ".nan", "1e999", "0x1F", "0o17", "1_000", "9" * 120, "-" * 3, "...", "%YAML 1.1\n",
    "#", "~", "null", "yes", "increase", "milestone", "maya@acme.test", "Europe/London", "\t",
]  # fmt: skip

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**150), max_value=10**150)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(alphabet=st.characters(), max_size=20)
    | st.sampled_from(["2026-02-30", "2026-10-01", "x" * 600]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=30,
)
junk = st.one_of(
    st.lists(st.sampled_from(FRAGMENTS) | st.text(string.printable, max_size=4), max_size=60).map(
        "".join
    ),
    json_values.map(lambda value: json.dumps(value, indent=1)),
    st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=6).map(json.dumps),
    st.text(max_size=200),
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(text=junk)
def test_junk_is_rejected_with_problems_and_never_raises_anything_else(text: str) -> None:
    try:
        load_plan(text, filename="junk.yaml")
    except PlanInvalid as exc:
        assert exc.problems
        assert all(problem.line >= 1 for problem in exc.problems)
    # lint is apply's parse and validation, then the coach: none of it may raise.
    result = lint_text(text, filename="junk.yaml", database=DatabaseState.empty())
    for finding in result.findings:
        finding.message.encode("utf-8")  # printable on any terminal: no surrogates echoed
        assert finding.line is None or finding.line >= 1
    # Whether apply would take it is told by apply's errors, and by nothing else.
    assert result.applies == (not any(f.rule in CHECKS for f in result.findings))
