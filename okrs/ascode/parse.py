"""Reading a plan file (docs/okrs-as-code.md) into plain dataclasses that remember their lines.

The file is YAML, and JSON is YAML too. ruamel's round-trip loader keeps the position of every
key and sequence item, so each error can point at the line a person has to edit.

Parsing checks shape only: known fields, required fields, value types. What the values mean (does
the owner exist, does the kind fit the numbers, is the key well formed) is validate.py's job; both
add to one list, so a single run reports every error in the file rather than the first one.

Omitted optional fields get the same defaults the database uses (channel `email`, check-in day
`monday`, level `team`, status `planned`, weight 1, blank text), because `apply` makes the
database match the file: leaving a field out means "the default", not "leave it as it is".
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedBase
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode
from ruamel.yaml.nodes import Node as YamlNode
from ruamel.yaml.util import create_timestamp, timestamp_regexp

from okrs.ascode.problems import PlanInvalid, Problem

# ---------------------------------------------------------------------------------------------
# The plan


@dataclass(kw_only=True)
class Node:
    """Something declared in the file: `line` is where it starts, `lines` where each field is."""

    line: int
    lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    # Fields present with a value of the wrong type (already a problem): checks that depend on
    # them stay quiet rather than report a confusing second error.
    invalid: set[str] = field(default_factory=set, repr=False, compare=False)

    def at(self, name: str) -> int:
        """The line of field `name`, or of the node itself when the field was left out."""
        return self.lines.get(name, self.line)

    def has(self, name: str) -> bool:
        return name in self.lines


@dataclass(kw_only=True)
class CycleSpec(Node):
    key: str = ""
    name: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    parent: str | None = None


@dataclass(kw_only=True)
class PersonSpec(Node):
    email: str = ""
    name: str = ""
    timezone: str = ""  # blank: the organisation's timezone
    channel: str = "email"


@dataclass(kw_only=True)
class TeamSpec(Node):
    key: str = ""
    name: str = ""
    parent: str | None = None
    lead: str | None = None
    timezone: str = ""
    checkin_day: str = "monday"
    members: list[str] = field(default_factory=list)
    member_lines: list[int] = field(default_factory=list, repr=False, compare=False)


@dataclass(kw_only=True)
class KeyResultSpec(Node):
    key: str = ""
    title: str = ""
    owner: str | None = None
    kind: str | None = None  # None: inferred from baseline and target
    baseline: float | None = None
    target: float | None = None
    unit: str = ""
    weight: float = 1.0
    source: dict[str, Any] | None = None
    # The line of each parameter inside `source`, so that a problem points at its line.
    source_lines: dict[str, int] = field(default_factory=dict, repr=False, compare=False)


@dataclass(kw_only=True)
class InitiativeSpec(Node):
    key: str = ""
    title: str = ""
    key_result: str | None = None  # a key result of the same objective, by its key
    owner: str | None = None
    status: str = "planned"
    completed_on: dt.date | None = None
    # Which pull requests are this initiative's work: "label:canary", "branch:canary/",
    # "jira:PLAT-12" (docs/effort.md), each with its line.
    work: list[str] = field(default_factory=list)
    work_lines: list[int] = field(default_factory=list, repr=False, compare=False)


@dataclass(kw_only=True)
class ObjectiveSpec(Node):
    key: str = ""
    cycle: str | None = None
    level: str = "team"
    team: str | None = None
    title: str = ""
    description: str = ""
    owner: str | None = None
    aligns_to: str | None = None  # OBJECTIVE_KEY or OBJECTIVE_KEY/KR_KEY
    contributes_to: list[str] = field(default_factory=list)
    contributes_lines: list[int] = field(default_factory=list, repr=False, compare=False)
    key_results: list[KeyResultSpec] = field(default_factory=list)
    initiatives: list[InitiativeSpec] = field(default_factory=list)


@dataclass(kw_only=True)
class Plan(Node):
    """A whole plan file. `problems` holds what was wrong with its shape."""

    filename: str = "<plan>"
    organisation: str | None = None  # None: the file does not set it
    timezone: str | None = None
    cycles: list[CycleSpec] = field(default_factory=list)
    people: list[PersonSpec] = field(default_factory=list)
    teams: list[TeamSpec] = field(default_factory=list)
    objectives: list[ObjectiveSpec] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Loading


def load_plan(text: str, *, filename: str = "<plan>") -> Plan:
    """Parse a plan; raises PlanInvalid, with lines, when the text cannot be read as one: not
    YAML, or holding values that no plan can carry (see _unreadable_values)."""
    yaml = YAML(typ="rt")
    yaml.Composer = _BoundedComposer
    # ruamel composes nested collections recursively: stop at the bound, well before Python's
    # recursion limit, and say where.
    yaml.max_depth = MAX_DEPTH
    try:
        document = yaml.load(text)
    except _Unreadable as exc:
        raise PlanInvalid(exc.problems, filename) from exc
    except MaxDepthExceededError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else 1
        message = f"the document nests deeper than {MAX_DEPTH} levels"
        raise PlanInvalid([Problem(line, message)], filename) from exc
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        what = exc.problem or exc.context or "unreadable"
        raise PlanInvalid([Problem(line, f"invalid YAML: {_one_line(what)}")], filename) from exc
    except YAMLError as exc:
        raise PlanInvalid([Problem(1, f"invalid YAML: {_one_line(str(exc))}")], filename) from exc
    except (ValueError, OverflowError, RecursionError, TypeError, AttributeError) as exc:
        # What the checks below did not foresee in ruamel's constructors is still the file's
        # doing: a problem to fix, not a traceback.
        message = f"invalid YAML: a value cannot be read ({_one_line(str(exc))[:200]})"
        raise PlanInvalid([Problem(1, message)], filename) from exc
    return _PlanReader(filename).read(document)


def load_plan_file(path: str | Path) -> Plan:
    """Read and parse a plan file (`-`: standard input); problems carry the path as given."""
    return load_plan(read_plan_text(path), filename=str(path))


def read_plan_text(path: str | Path) -> str:
    """The text of a plan file, `-` for standard input. Raises PlanInvalid when it is not UTF-8
    text, OSError when it cannot be read."""
    filename = str(path)
    try:
        if filename == "-":
            # The bytes, decoded here: the console's own decoding may be lenient (surrogate
            # escapes) or another encoding than the file's. A stream without bytes below it
            # (a StringIO in place of stdin) is text already.
            raw = getattr(sys.stdin, "buffer", None)
            return raw.read().decode("utf-8") if raw is not None else sys.stdin.read()
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlanInvalid([Problem(1, "the file is not UTF-8 text")], filename) from exc


# ---------------------------------------------------------------------------------------------
# Bounds: the most a plan can hold, so that no file makes a parse take unbounded work. Real
# plans are far inside them.

MAX_DEPTH = 50
# Values (keys, scalars, lists, mappings) counted as a reader sees them: an alias counts the
# whole of what it repeats, so that a few lines of anchors ("billion laughs") cannot expand into
# billions of values. The export of the benchmark's large organisation (7,500 key results)
# would hold about 200,000 (the demo plan: 1,800, 6 levels deep).
MAX_VALUES = 1_000_000
# A plan's numbers are below 10^15; an integer this long is a mistake, and converting one of
# thousands of digits is refused by Python itself.
MAX_INTEGER_DIGITS = 100


class _Unreadable(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems


class _StopMeasuring(Exception):
    """The document is too deep or loops through an alias: one problem says so, and the rest
    of it is not worth walking."""


class _BoundedComposer(Composer):
    """ruamel's composer, refusing a document that no plan could be before anything is built."""

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None:
            problems = _unreadable_values(node)
            if problems:
                raise _Unreadable(problems)
        return node


def _unreadable_values(root: YamlNode) -> list[Problem]:
    """Every value in the composed document that cannot become part of a plan, with its line:
    text that no database can store (NUL, lone surrogates), integers too long to convert, dates
    that do not exist; or one problem when the document is too deep or too large as read.

    A node reached again through an alias is measured once, so the walk stays linear in the
    size of the text."""
    walk = _Measure()
    try:
        values, _ = walk.measure(root, 0)
        if values > MAX_VALUES:
            walk.problems.append(
                Problem(
                    1,
                    f"the document holds more than {MAX_VALUES:,} values as read "
                    "(an alias counts every value it repeats)",
                )
            )
    except _StopMeasuring:
        pass
    return walk.problems


class _Measure:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.measured: dict[int, tuple[int, int]] = {}  # id(node) -> (values, depth) as read
        self.on_path: set[int] = set()

    def measure(self, node: YamlNode, level: int, field: str | None = None) -> tuple[int, int]:
        """`field`: the key the node is the value of, to name in a problem."""
        known = self.measured.get(id(node))
        if known is None:
            if id(node) in self.on_path:
                self.problems.append(Problem(_line(node), "an alias repeats a value that holds it"))
                raise _StopMeasuring
            self.on_path.add(id(node))
            known = self.children(node, level, field)
            self.on_path.discard(id(node))
            self.measured[id(node)] = known
        if level + known[1] > MAX_DEPTH:
            message = f"the document nests deeper than {MAX_DEPTH} levels (through an alias)"
            self.problems.append(Problem(_line(node), message))
            raise _StopMeasuring
        return known

    def children(self, node: YamlNode, level: int, field: str | None) -> tuple[int, int]:
        what = f"'{field}'" if field is not None else "a value"
        tag = str(node.tag)
        if tag not in _PLAIN_TAGS.get(type(node), ()):
            # Explicit tags (!!set, !!binary, !!python/...) build objects no plan holds, and
            # some crash ruamel's constructors on the wrong kind of node.
            shown = "!!" + tag.removeprefix(_CORE) if tag.startswith(_CORE) else tag
            self.problems.append(
                Problem(_line(node), f"{what} has the tag {shown}: plans hold plain data")
            )
            return 1, 0
        if isinstance(node, ScalarNode):
            problem = _scalar_problem(node)
            if problem is not None:
                self.problems.append(Problem(_line(node), f"{what} {problem}"))
            return 1, 0
        children: list[tuple[YamlNode, str | None]] = []
        if isinstance(node, MappingNode):
            for key, value in node.value:
                children.append((key, None))
                children.append((value, _plain_key(key)))
        elif isinstance(node, SequenceNode):
            children = [(item, None) for item in node.value]
        values, depth = 1, 0
        for child, child_field in children:
            child_values, child_depth = self.measure(child, level + 1, child_field)
            values += child_values
            depth = max(depth, child_depth + 1)
            if values > MAX_VALUES:
                break  # over the bound already: counting on would only cost time
        return values, depth


_CORE = "tag:yaml.org,2002:"
# The tags ruamel's resolver gives plain YAML and JSON; `merge` is the `<<` key.
_PLAIN_TAGS: dict[type, tuple[str, ...]] = {
    ScalarNode: tuple(
        _CORE + name for name in ("str", "int", "float", "bool", "null", "timestamp", "merge")
    ),
    MappingNode: (_CORE + "map",),
    SequenceNode: (_CORE + "seq",),
}


def _scalar_problem(node: ScalarNode) -> str | None:
    text = node.value
    if not isinstance(text, str):
        return None
    if "\x00" in text:
        # PostgreSQL cannot store NUL in text: refuse it here, with its line, not at write time.
        return "must not contain a NUL character"
    surrogate = next((ch for ch in text if "\ud800" <= ch <= "\udfff"), None)
    if surrogate is not None:
        # Half of a UTF-16 pair (a JSON or YAML escape like \udc00): no UTF-8 text holds it.
        return f"must be Unicode text: it holds a lone surrogate (U+{ord(surrogate):04X})"
    tag = str(node.tag)
    if tag == "tag:yaml.org,2002:int":
        digits = sum(ch.isdigit() for ch in text)
        if digits > MAX_INTEGER_DIGITS:
            return f"is a number of {digits} digits (at most {MAX_INTEGER_DIGITS})"
    elif tag == "tag:yaml.org,2002:timestamp":
        match = timestamp_regexp.match(text)
        if match is not None:
            try:
                create_timestamp(**match.groupdict())
            except (ValueError, OverflowError) as exc:
                return f"is not a date that exists: {text} ({exc})"
    return None


def _plain_key(node: YamlNode) -> str | None:
    """A mapping key as a person wrote it, when it is a short clean scalar worth quoting."""
    if not isinstance(node, ScalarNode) or not isinstance(node.value, str):
        return None
    if _scalar_problem(node) is not None or len(node.value) > 100:
        return None
    return str(node.value)


def _line(node: YamlNode) -> int:
    return int(node.start_mark.line) + 1


def _one_line(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------------------------------------
# Value converters: each takes the loaded value and returns a plain one or raises _BadValue.


class _BadValue(Exception):
    pass


Converter = Callable[[Any], Any]


def _text(value: Any) -> str:
    # A bare number where text is expected (`name: 2026`) is what the person meant as text.
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(int(value))
    raise _BadValue("must be text")


def _email(value: Any) -> str:
    return _text(value).strip().lower()


def _number(value: Any) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if math.isfinite(number) and abs(number) <= 1e15:
            return number
        raise _BadValue("must be a finite number between -10^15 and 10^15")
    raise _BadValue("must be a number")


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise _BadValue("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, str):  # JSON has no date type
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _BadValue("must be a date (YYYY-MM-DD)")


def _mapping(value: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise _BadValue("must be a mapping (key: value)")
    plain = to_plain(value)
    assert isinstance(plain, dict)
    if not _finite(plain):
        # Stored as JSON, which has no infinity or NaN (PostgreSQL refuses them).
        raise _BadValue("must not hold inf or nan")
    return plain


def _finite(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_finite(item) for item in value.values())
    if isinstance(value, list):
        return all(_finite(item) for item in value)
    return not isinstance(value, float) or math.isfinite(value)


def to_plain(value: Any) -> Any:
    """ruamel's commented containers and scalar subclasses as plain JSON-ready Python values."""
    if isinstance(value, Mapping):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# ---------------------------------------------------------------------------------------------
# The reader


@dataclass(frozen=True)
class _Field:
    convert: Converter
    required: bool = False
    is_list: bool = False  # a list of scalars, each converted and located on its own line


_CYCLE_FIELDS = {
    "key": _Field(_text, required=True),
    "name": _Field(_text),
    "start": _Field(_date, required=True),
    "end": _Field(_date, required=True),
    "parent": _Field(_text),
}
_PERSON_FIELDS = {
    "email": _Field(_email, required=True),
    "name": _Field(_text),
    "timezone": _Field(_text),
    "channel": _Field(_text),
}
_TEAM_FIELDS = {
    "key": _Field(_text, required=True),
    "name": _Field(_text, required=True),
    "parent": _Field(_text),
    "lead": _Field(_email),
    "timezone": _Field(_text),
    "checkin_day": _Field(_text),
    "members": _Field(_email, is_list=True),
}
_KEY_RESULT_FIELDS = {
    "key": _Field(_text, required=True),
    "title": _Field(_text, required=True),
    "owner": _Field(_email, required=True),
    "kind": _Field(_text),
    "baseline": _Field(_number),
    "target": _Field(_number),
    "unit": _Field(_text),
    "weight": _Field(_number),
    "source": _Field(_mapping),
}
_INITIATIVE_FIELDS = {
    "key": _Field(_text, required=True),
    "title": _Field(_text, required=True),
    "key_result": _Field(_text),
    "owner": _Field(_email),
    "status": _Field(_text),
    "completed_on": _Field(_date),
    "work": _Field(_text, is_list=True),
}
_OBJECTIVE_FIELDS = {
    "key": _Field(_text, required=True),
    "cycle": _Field(_text, required=True),
    "level": _Field(_text),
    "team": _Field(_text),
    "title": _Field(_text, required=True),
    "description": _Field(_text),
    "owner": _Field(_email, required=True),
    "aligns_to": _Field(_text),
    "contributes_to": _Field(_text, is_list=True),
    "key_results": _Field(lambda value: value),  # read by _PlanReader.items
    "initiatives": _Field(lambda value: value),
}
_TOP_FIELDS = {
    "organisation": _Field(_text),
    "timezone": _Field(_text),
    "cycles": _Field(lambda value: value),
    "people": _Field(lambda value: value),
    "teams": _Field(lambda value: value),
    "objectives": _Field(lambda value: value),
}


def _line_of_item(container: Any, index: int, fallback: int) -> int:
    if isinstance(container, CommentedBase):
        try:
            return int(container.lc.item(index)[0]) + 1
        except (KeyError, IndexError, TypeError):
            pass
    return fallback


def _line_of_key(mapping: Any, key: Any, fallback: int) -> int:
    if isinstance(mapping, CommentedBase):
        try:
            return int(mapping.lc.key(key)[0]) + 1
        except (KeyError, IndexError, TypeError):
            pass
    return fallback


class _PlanReader:
    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message))

    def read(self, document: Any) -> Plan:
        plan = Plan(line=1, filename=self.filename, problems=self.problems)
        if document is None:
            self.problem(1, "the file is empty; expected a plan (organisation, cycles, ...)")
            return plan
        if not isinstance(document, Mapping):
            self.problem(1, "expected a mapping at the top (organisation:, cycles:, ...)")
            return plan
        values, lines, _ = self.fields(document, 1, "the plan", _TOP_FIELDS)
        plan.lines = lines
        plan.organisation = values.get("organisation")
        plan.timezone = values.get("timezone")
        plan.cycles = [
            self.cycle(item, line) for item, line in self.items(values, lines, "cycles", "cycle")
        ]
        plan.people = [
            self.person(item, line) for item, line in self.items(values, lines, "people", "person")
        ]
        plan.teams = [
            self.team(item, line) for item, line in self.items(values, lines, "teams", "team")
        ]
        plan.objectives = [
            self.objective(item, line)
            for item, line in self.items(values, lines, "objectives", "objective")
        ]
        return plan

    def items(
        self, values: dict[str, Any], lines: dict[str, int], name: str, what: str
    ) -> list[tuple[Mapping[str, Any], int]]:
        """The mappings listed under `name`, each with its line; other items are problems."""
        if name not in values:
            return []
        sequence = values[name]
        if not isinstance(sequence, list):
            self.problem(lines[name], f"'{name}' must be a list of {what} entries")
            return []
        found = []
        for index, item in enumerate(sequence):
            line = _line_of_item(sequence, index, lines[name])
            if isinstance(item, Mapping):
                found.append((item, line))
            else:
                self.problem(line, f"each entry of '{name}' must be a mapping (key: value)")
        return found

    def fields(
        self, mapping: Mapping[Any, Any], line: int, what: str, schema: dict[str, _Field]
    ) -> tuple[dict[str, Any], dict[str, int], set[str]]:
        """Converted values of the fields present (nulls count as absent), their lines, and the
        names of fields whose value could not be converted."""
        values: dict[str, Any] = {}
        lines: dict[str, int] = {}
        invalid: set[str] = set()
        for key, raw in mapping.items():
            key_line = _line_of_key(mapping, key, line)
            name = str(key)
            spec = schema.get(name)
            if spec is None:
                guess = difflib.get_close_matches(name, list(schema), n=1)
                hint = f"did you mean '{guess[0]}'?" if guess else "known: " + ", ".join(schema)
                self.problem(key_line, f"unknown field '{name}' in {what} ({hint})")
                continue
            lines[name] = key_line
            if raw is None:
                continue
            if spec.is_list:
                values[name] = self.scalar_list(raw, key_line, name, spec.convert)
                continue
            try:
                values[name] = spec.convert(raw)
            except _BadValue as exc:
                invalid.add(name)
                self.problem(key_line, f"'{name}' {exc}")
        for name, spec in schema.items():
            if spec.required and name not in values and name not in lines:
                self.problem(line, f"{what} is missing the required field '{name}'")
            elif spec.required and name not in values and _is_null(mapping, name):
                self.problem(lines[name], f"'{name}' is required and cannot be empty")
        return values, lines, invalid

    def scalar_list(
        self, raw: Any, line: int, name: str, convert: Converter
    ) -> list[tuple[Any, int]]:
        if not isinstance(raw, list):
            self.problem(line, f"'{name}' must be a list")
            return []
        found = []
        for index, item in enumerate(raw):
            item_line = _line_of_item(raw, index, line)
            try:
                found.append((convert(item), item_line))
            except _BadValue as exc:
                self.problem(item_line, f"each entry of '{name}' {exc}")
        return found

    def cycle(self, mapping: Mapping[str, Any], line: int) -> CycleSpec:
        values, lines, invalid = self.fields(mapping, line, "a cycle", _CYCLE_FIELDS)
        return CycleSpec(line=line, lines=lines, invalid=invalid, **values)

    def person(self, mapping: Mapping[str, Any], line: int) -> PersonSpec:
        values, lines, invalid = self.fields(mapping, line, "a person", _PERSON_FIELDS)
        return PersonSpec(line=line, lines=lines, invalid=invalid, **values)

    def team(self, mapping: Mapping[str, Any], line: int) -> TeamSpec:
        values, lines, invalid = self.fields(mapping, line, "a team", _TEAM_FIELDS)
        members = values.pop("members", [])
        return TeamSpec(
            line=line,
            lines=lines,
            invalid=invalid,
            members=[email for email, _ in members],
            member_lines=[member_line for _, member_line in members],
            **values,
        )

    def objective(self, mapping: Mapping[str, Any], line: int) -> ObjectiveSpec:
        values, lines, invalid = self.fields(mapping, line, "an objective", _OBJECTIVE_FIELDS)
        contributes = values.pop("contributes_to", [])
        key_results = [
            self.key_result(item, item_line)
            for item, item_line in self.items(values, lines, "key_results", "key result")
        ]
        initiatives = [
            self.initiative(item, item_line)
            for item, item_line in self.items(values, lines, "initiatives", "initiative")
        ]
        values.pop("key_results", None)
        values.pop("initiatives", None)
        return ObjectiveSpec(
            line=line,
            lines=lines,
            invalid=invalid,
            contributes_to=[ref for ref, _ in contributes],
            contributes_lines=[ref_line for _, ref_line in contributes],
            key_results=key_results,
            initiatives=initiatives,
            **values,
        )

    def key_result(self, mapping: Mapping[str, Any], line: int) -> KeyResultSpec:
        values, lines, invalid = self.fields(mapping, line, "a key result", _KEY_RESULT_FIELDS)
        source_lines: dict[str, int] = {}
        raw_source = mapping.get("source")
        if "source" in values and isinstance(raw_source, Mapping):
            source_lines = {
                str(key): _line_of_key(raw_source, key, lines["source"]) for key in raw_source
            }
        return KeyResultSpec(
            line=line, lines=lines, invalid=invalid, source_lines=source_lines, **values
        )

    def initiative(self, mapping: Mapping[str, Any], line: int) -> InitiativeSpec:
        values, lines, invalid = self.fields(mapping, line, "an initiative", _INITIATIVE_FIELDS)
        work = values.pop("work", [])
        return InitiativeSpec(
            line=line,
            lines=lines,
            invalid=invalid,
            work=[entry for entry, _ in work],
            work_lines=[entry_line for _, entry_line in work],
            **values,
        )


def _is_null(mapping: Mapping[Any, Any], name: str) -> bool:
    return name in mapping and mapping[name] is None
