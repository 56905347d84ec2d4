"""Django's `{# #}` comment ends at the end of its line: one spread over two lines is shown on
the page as text (an initiative page once showed "{# The label is the verdict; ..."). Longer
comments use {% comment %}."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "okrs"


def test_every_short_comment_closes_on_its_own_line() -> None:
    open_comments = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert open_comments == []
