"""HTML built in Python: the status badge every page shows, and the lists a page repeats by
the hundred.

Django's template engine costs about 2.5 microseconds per `{{ variable }}` and far more per
`{% include %}`; the whole-organisation dashboard has 500 team rows, 625 objectives and 500
teams to choose from, the alignment page a thousand owners, and rendering them through
templates cost more than evaluating the cycle. Here each row is one format string over values
escaped as the template engine escapes them (`html.escape`, quotes included), so the pages'
HTML is what the templates gave, a hundred times cheaper. The templates call these through
the filters in okrs/web/templatetags/okrs.py; what a row contains is written out below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Protocol

from django.utils.safestring import SafeString, mark_safe

from okrs.numbers import NONE, percent

STATUS_LABELS = {
    "on_track": ("✓", "On track"),
    "at_risk": ("!", "At risk"),
    "off_track": ("✕", "Off track"),
}
# Status is always shown as text and a symbol, never by colour alone. There are four badges in
# all, so each is built once.
_BADGES = {
    status: mark_safe(  # noqa: S308 (constants of this module)
        f'<span class="status status-{status}"><span aria-hidden="true">{symbol}</span> '
        f"{label}</span>"
    )
    for status, (symbol, label) in STATUS_LABELS.items()
}
_NO_STATUS = mark_safe(f'<span class="status status-none">{NONE} No status</span>')  # noqa: S308


class ComplianceFigures(Protocol):
    """A team's check-ins this week (okrs.goals.dashboard.Compliance)."""

    @property
    def checked_in(self) -> int: ...
    @property
    def due(self) -> int: ...
    @property
    def rate(self) -> float | None: ...


class ObjectiveLine(Protocol):
    """An objective in a team row (okrs.goals.dashboard.TeamObjective)."""

    @property
    def key(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def score(self) -> float | None: ...
    @property
    def status(self) -> str | None: ...


class TeamLine(Protocol):
    """A team row of the dashboard (okrs.goals.dashboard.TeamRow)."""

    @property
    def team(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def checkin_compliance(self) -> ComplianceFigures: ...
    @property
    def objectives(self) -> Sequence[ObjectiveLine]: ...


class AttentionLine(Protocol):
    """A row of a needs-attention group (okrs.goals.views.dashboard.AttentionRow)."""

    @property
    def ref(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def score(self) -> float: ...
    @property
    def team(self) -> str | None: ...
    @property
    def owner_name(self) -> str: ...
    @property
    def also(self) -> str: ...
    @property
    def team_name(self) -> str | None: ...


def status_badge(status: str | None) -> SafeString:
    return _BADGES.get(status or "", _NO_STATUS)


def compliance(c: ComplianceFigures) -> SafeString:
    """A team's check-ins this week, from the dashboard's data."""
    return mark_safe(_compliance(c))  # noqa: S308 (escaped)


def objective_list(objectives: Sequence[ObjectiveLine]) -> SafeString:
    """The objectives of a team row, each linked."""
    return mark_safe(_objective_list(objectives))  # noqa: S308 (escaped)


def team_rows(rows: Iterable[tuple[int, TeamLine]]) -> SafeString:
    """The dashboard's team rows (`build_dashboard`'s `teams`, each after its depth in the
    tree): the name linking to the team page, this week's check-ins, the objectives."""
    return mark_safe("\n      ".join(map(_team_row, rows)))  # noqa: S308 (escaped)


def attention_list(rows: Sequence[AttentionLine], grouped_by_status: bool) -> SafeString:
    """The key results of one needs-attention group: each links to its page, then its score,
    owner, team and other reasons. Its status is shown once: by its badge, unless the group's
    heading is that status already (`grouped_by_status`)."""
    items = "\n  ".join(_attention_item(row, grouped_by_status) for row in rows)
    return mark_safe(f'<ul class="attention">\n  {items}\n</ul>')  # noqa: S308 (escaped)


# The builders below return plain strings, marked safe once by their callers above.


def _attention_item(row: AttentionLine, grouped_by_status: bool) -> str:
    badge = "" if grouped_by_status else f" {status_badge(row.status)}"
    name = row.team_name or row.team or ""
    team = f' · <a href="/teams/{escape(row.team)}/">{escape(name)}</a>' if row.team else ""
    also = f" · also {escape(row.also)}" if row.also else ""
    return (
        f'<li><a href="/key-results/{escape(row.ref)}/">{escape(row.title)}</a>{badge} '
        f'<span class="muted small">· {percent(row.score)} · {escape(row.owner_name)}{team}'
        f"{also}</span></li>"
    )


def _compliance(c: ComplianceFigures) -> str:
    if not c.due:
        return '<span class="muted small compliance">No check-ins due</span>'
    return (
        f'<span class="muted small compliance">Check-ins {c.checked_in:d}/{c.due:d} '
        f"({percent(c.rate)})</span>"
    )


def _objective_list(objectives: Sequence[ObjectiveLine]) -> str:
    if not objectives:
        return '<p class="muted small">No objectives in this cycle.</p>'
    items = "\n  ".join(
        f'<li><a href="/objectives/{escape(o.key)}/">{escape(o.title)}</a> '
        f'<span class="score">{percent(o.score)}</span> {status_badge(o.status)}</li>'
        for o in objectives
    )
    return f'<ul class="objective-list">\n  {items}\n</ul>'


def _team_row(depth_and_row: tuple[int, TeamLine]) -> str:
    depth, row = depth_and_row
    key = escape(row.team)
    return (
        f'<li class="team-row depth-{depth:d}" data-team="{key}">\n'
        f'        <div class="team-row-head">\n'
        f'          <a href="/teams/{key}/"><strong>{escape(row.name)}</strong></a>\n'
        f"          {_compliance(row.checkin_compliance)}\n"
        f"        </div>\n"
        f"        {_objective_list(row.objectives)}\n"
        f"      </li>"
    )


def options(choices: Iterable[tuple[str, str]], selected: str | None) -> SafeString:
    """The <option>s of a <select>, `(value, label)` each, the one equal to `selected` chosen."""
    return mark_safe(  # noqa: S308 (every value is escaped)
        "\n".join(
            f'<option value="{escape(value)}"{" selected" if value == selected else ""}>'
            f"{escape(label)}</option>"
            for value, label in choices
        )
    )
