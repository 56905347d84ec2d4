"""Inline SVG charts for the report, drawn in Python so the file needs no script or network.

Colours and line styles are set through classes (styled by report.css) and SVG presentation
attributes, never a `style` attribute, so the same markup works in the web page under its
Content-Security-Policy and in the standalone file. Every chart carries a text alternative.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from django.utils.html import escape

from okrs.numbers import MILESTONE, amount, kind_amount, rounded_amount
from okrs.numbers import percent as percent_text


def _parse(at: str) -> dt.datetime:
    return dt.datetime.fromisoformat(at.replace("Z", "+00:00"))


def _scale(lo: float, hi: float, out_lo: float, out_hi: float) -> tuple[float, float]:
    """(factor, offset) mapping [lo, hi] onto [out_lo, out_hi]; a flat range maps to the middle."""
    if hi == lo:
        return 0.0, (out_lo + out_hi) / 2
    factor = (out_hi - out_lo) / (hi - lo)
    return factor, out_lo - lo * factor


def _num(value: float) -> str:
    return f"{value:.1f}"


def trend_chart(
    *,
    values: Sequence[tuple[str, float]],
    start: str,
    end: str,
    start_label: str,
    end_label: str,
    baseline: float | None,
    target: float | None,
    kind: str,
    unit: str,
    title: str,
    completions: Sequence[str] = (),
    width: int = 560,
    height: int = 180,
) -> str:
    """A key result's check-ins over the cycle, with the expected path and the target.

    `values` are (ISO time, value); `start`/`end` the cycle's bounds (ISO times, the end
    exclusive); `start_label`/`end_label` the dates written under the axis; `completions` the
    ISO times initiatives were completed, drawn as vertical markers.
    """
    left, right, top, bottom = 56, 12, 12, 26
    t0, t1 = _parse(start).timestamp(), _parse(end).timestamp()
    points = [(_parse(at).timestamp(), v) for at, v in values if math.isfinite(v)]
    ys = [v for _, v in points]
    if baseline is not None:
        ys.append(baseline)
    if target is not None:
        ys.append(target)
    if not ys:
        ys = [0.0, 1.0]
    lo, hi = min(ys), max(ys)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    fx, ox = _scale(t0, t1, left, width - right)
    fy, oy = _scale(lo, hi, height - bottom, top)

    def x(t: float) -> float:
        return fx * min(max(t, t0), t1) + ox

    def y(v: float) -> float:
        return fy * v + oy

    milestone = kind == MILESTONE  # done or not: its 0 and 1 are written as words
    if milestone:
        described = f"{title}: {len(points)} check-ins" + (
            f", {kind_amount(points[-1][1], unit, kind)}" if points else ""
        )
    else:
        described = (
            f"{title}: {len(points)} check-ins"
            + (f", from {amount(points[0][1], unit)} to {amount(points[-1][1], unit)}"
               if points else "")
            + (f"; target {amount(target, unit)}" if target is not None else "")
        )  # fmt: skip
    parts = [
        f'<svg class="chart trend" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(described)}">',
        f"<title>{escape(described)}</title>",
        f'<rect class="chart-bg" x="{left}" y="{top}" width="{width - left - right}" '
        f'height="{height - top - bottom}"/>',
    ]
    # Axis labels: the value range and the cycle's first and last day.
    for value in (lo + pad, hi - pad) if hi - pad != lo + pad else (lo + pad,):
        shown = kind_amount(round(value), unit, kind) if milestone else rounded_amount(value)
        parts.append(
            f'<text class="axis" x="{left - 4}" y="{_num(y(value) + 4)}" text-anchor="end">'
            f"{escape(shown)}</text>"
        )
    parts.append(
        f'<text class="axis" x="{left}" y="{height - 8}">{escape(start_label)}</text>'
        f'<text class="axis" x="{width - right}" y="{height - 8}" text-anchor="end">'
        f"{escape(end_label)}</text>"
    )
    if target is not None:
        if kind in ("increase", "decrease") and baseline is not None:
            parts.append(
                f'<line class="expected" x1="{_num(x(t0))}" y1="{_num(y(baseline))}" '
                f'x2="{_num(x(t1))}" y2="{_num(y(target))}"/>'
            )
        label = (
            ""
            if milestone  # its axis says "done" already
            else f'<text class="axis target-label" x="{width - right - 2}" '
            f'y="{_num(y(target) - 4)}" text-anchor="end">target '
            f"{escape(amount(target, unit))}</text>"
        )
        parts.append(
            f'<line class="target" x1="{left}" y1="{_num(y(target))}" x2="{width - right}" '
            f'y2="{_num(y(target))}"/>' + label
        )
    for at in completions:
        cx = _num(x(_parse(at).timestamp()))
        parts.append(
            f'<line class="completion" x1="{cx}" y1="{top}" x2="{cx}" y2="{height - bottom}"/>'
        )
    if points:
        path = " ".join(f"{_num(x(t))},{_num(y(v))}" for t, v in points)
        parts.append(f'<polyline class="values" points="{path}"/>')
        for t, v in points:
            parts.append(f'<circle class="value-dot" cx="{_num(x(t))}" cy="{_num(y(v))}" r="3"/>')
    else:
        parts.append(
            f'<text class="axis" x="{width / 2}" y="{height / 2}" text-anchor="middle">'
            "no check-ins</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def sparkline(values: Sequence[float], *, label: str, width: int = 96, height: int = 24) -> str:
    """A tiny line of the values, for tables; an empty frame when there are none."""
    finite = [v for v in values if math.isfinite(v)]
    head = (
        f'<svg class="chart spark" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}"><title>{escape(label)}</title>'
    )
    if len(finite) < 2:
        return head + "</svg>"
    fx, ox = _scale(0, len(finite) - 1, 2, width - 2)
    fy, oy = _scale(min(finite), max(finite), height - 3, 3)
    path = " ".join(f"{_num(fx * i + ox)},{_num(fy * v + oy)}" for i, v in enumerate(finite))
    last_x, last_y = fx * (len(finite) - 1) + ox, fy * finite[-1] + oy
    return (
        head
        + f'<polyline class="values" points="{path}"/>'
        + f'<circle class="value-dot" cx="{_num(last_x)}" cy="{_num(last_y)}" r="2"/></svg>'
    )


def score_bar(score: float | None, *, width: int = 96, height: int = 10) -> str:
    """A horizontal bar for a score in [0, 1], with the 0.7 "achieved" line marked."""
    filled = 0.0 if score is None else max(0.0, min(1.0, score)) * width
    label = "no score" if score is None else f"score {percent_text(score)}"
    return (
        f'<svg class="chart bar" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{label}">'
        f'<rect class="bar-bg" x="0" y="0" width="{width}" height="{height}"/>'
        f'<rect class="bar-fill" x="0" y="0" width="{_num(filled)}" height="{height}"/>'
        f'<line class="bar-mark" x1="{_num(width * 0.7)}" y1="0" x2="{_num(width * 0.7)}" '
        f'y2="{height}"/></svg>'
    )
