"""The family journey map, drawn on the server as one SVG: a lane per agency, time across,
a mark per contact, assessments and duplicate flags marked differently, the advocate's start
and case conferences marked. Sized with a viewBox; presentation attributes and classes only
(no style attributes, for the Content Security Policy); a <title> on every mark."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.html import escape

from core import dates

WIDTH = 1000
LABEL_WIDTH = 190
RIGHT_PAD = 16
TOP = 44  # room for the event labels above the lanes
LANE_HEIGHT = 34
AXIS_HEIGHT = 34


@dataclass(frozen=True)
class Mark:
    day: date
    lane: int  # agency id
    title: str
    kind: str = "contact"  # contact | failure | assessment | flag


@dataclass(frozen=True)
class Event:
    day: date
    title: str
    kind: str  # advocate | conference


def _fmt(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _months(first: date, last: date):
    day = date(first.year, first.month, 1)
    while day <= last:
        yield day
        day = date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def render(
    *,
    title_id: str,
    desc_id: str,
    title: str,
    description: str,
    lanes: list[tuple[int, str]],
    marks: list[Mark],
    events: list[Event],
    first: date,
    last: date,
    margin_days: int = 0,
) -> str:
    """The SVG as a string (already escaped; safe to mark safe).

    The map spans first..last (then margin_days earlier) within the years a record can span:
    rows stored with an impossible date before dates had ranges stay in the lists beside the
    map, not on it, so one contact in year 9999 neither squeezes the journey nor breaks it."""
    margin, latest = timedelta(days=margin_days), timezone.localdate() + dates.PLANNING_AHEAD
    first = min(max(first, dates.RECORDS_BEGIN + margin), latest) - margin
    last = min(max(last, first), latest)
    if last <= first:
        last = first + timedelta(days=1)
    span = (last - first).days
    plot = WIDTH - LABEL_WIDTH - RIGHT_PAD
    height = TOP + LANE_HEIGHT * max(len(lanes), 1) + AXIS_HEIGHT
    lane_y = {agency_id: TOP + LANE_HEIGHT * i + LANE_HEIGHT / 2 for i, (agency_id, _) in enumerate(lanes)}
    bottom = TOP + LANE_HEIGHT * max(len(lanes), 1)

    def x(day: date) -> str:
        return _fmt(LABEL_WIDTH + plot * (day - first).days / span)

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="app-journey-map" role="img" '
        f'aria-labelledby="{title_id} {desc_id}" viewBox="0 0 {WIDTH} {height}" '
        f'preserveAspectRatio="xMinYMin meet" focusable="false">',
        f'<title id="{title_id}">{escape(title)}</title>',
        f'<desc id="{desc_id}">{escape(description)}</desc>',
    ]
    # Lanes and their labels.
    for i, (agency_id, name) in enumerate(lanes):
        y = TOP + LANE_HEIGHT * i
        shade = "app-map__lane app-map__lane--alt" if i % 2 else "app-map__lane"
        fill = "#f3f2f1" if i % 2 else "#ffffff"
        out.append(
            f'<rect class="{shade}" x="0" y="{y}" width="{WIDTH}" height="{LANE_HEIGHT}" fill="{fill}"/>'
        )
        label = name if len(name) <= 26 else name[:25] + "…"
        out.append(
            f'<text class="app-map__label" x="6" y="{_fmt(lane_y[agency_id] + 5)}" '
            f'font-size="14" fill="#0b0c0c">{escape(label)}<title>{escape(name)}</title></text>'
        )
    # Time axis: a tick each month, a label each quarter (each month when short).
    months = list(_months(first, last))
    step = 1 if len(months) <= 8 else 3 if len(months) <= 30 else 6
    out.append(
        f'<line class="app-map__axis" x1="{LABEL_WIDTH}" y1="{bottom}" x2="{WIDTH - RIGHT_PAD}" '
        f'y2="{bottom}" stroke="#505a5f"/>'
    )
    for n, month in enumerate(months):
        if month < first:
            continue
        out.append(
            f'<line class="app-map__tick" x1="{x(month)}" y1="{TOP}" x2="{x(month)}" y2="{bottom + 4}" '
            f'stroke="#b1b4b6" stroke-width="0.5"/>'
        )
        if n % step == 0:
            out.append(
                f'<text class="app-map__tick-label" x="{x(month)}" y="{bottom + 20}" font-size="12" '
                f'text-anchor="middle" fill="#505a5f">{month:%b %Y}</text>'
            )
    # Events across all lanes: the advocate's start, case conferences.
    for event in events:
        if not first <= event.day <= last:
            continue
        ex = x(event.day)
        if event.kind == "advocate":
            out.append(
                f'<g class="app-map__advocate"><title>{escape(event.title)}</title>'
                f'<line x1="{ex}" y1="14" x2="{ex}" y2="{bottom}" stroke="#00703c" stroke-width="2.5" '
                f'stroke-dasharray="6 4"/>'
                f'<text x="{ex}" y="12" font-size="12" text-anchor="middle" fill="#00703c">'
                "Advocate</text></g>"
            )
        else:
            out.append(
                f'<g class="app-map__conference"><title>{escape(event.title)}</title>'
                f'<line x1="{ex}" y1="30" x2="{ex}" y2="{bottom}" stroke="#4c2c92" stroke-width="1.5"/>'
                f'<rect x="{_fmt(float(ex) - 6)}" y="24" width="12" height="12" fill="#4c2c92"/></g>'
            )
    # Marks, drawn in date order so later marks sit on top.
    for mark in sorted(marks, key=lambda m: (m.day, m.kind)):
        if mark.lane not in lane_y or not first <= mark.day <= last:
            continue
        cx, cy = float(x(mark.day)), lane_y[mark.lane]
        tip = f"<title>{escape(mark.title)}</title>"
        if mark.kind == "assessment":
            points = " ".join(
                _fmt(px) + "," + _fmt(py)
                for px, py in ((cx, cy - 8), (cx + 8, cy), (cx, cy + 8), (cx - 8, cy))
            )
            out.append(
                f'<polygon class="app-map__assessment" points="{points}" fill="#f47738" '
                f'stroke="#0b0c0c" stroke-width="1">{tip}</polygon>'
            )
        elif mark.kind == "flag":
            points = " ".join(
                _fmt(px) + "," + _fmt(py) for px, py in ((cx, cy - 16), (cx + 7, cy - 4), (cx - 7, cy - 4))
            )
            out.append(
                f'<polygon class="app-map__flag" points="{points}" fill="#d4351c" '
                f'stroke="#0b0c0c" stroke-width="1">{tip}</polygon>'
            )
        elif mark.kind == "failure":
            out.append(
                f'<circle class="app-map__contact app-map__contact--failure" cx="{_fmt(cx)}" cy="{_fmt(cy)}" '
                f'r="5" fill="#ffffff" stroke="#1d70b8" stroke-width="2">{tip}</circle>'
            )
        else:
            out.append(
                f'<circle class="app-map__contact" cx="{_fmt(cx)}" cy="{_fmt(cy)}" r="5" '
                f'fill="#1d70b8">{tip}</circle>'
            )
    out.append("</svg>")
    return "".join(out)
