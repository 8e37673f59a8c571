"""The run's timeline as an SVG picture, drawn with drawsvg.

Why drawsvg and not a plotting library: the suite is CPU-bound on a two-core machine (docs/performance.md), and
matplotlib's import alone cost 0.5 s of CPU per run (about a tenth of the bare plan under the `real-online`
profile), paid in every run. drawsvg (≈ 0.05 s to import) writes the SVG — elements,
attributes, escaping; what it cannot do is chart layout, so the one scale this picture needs (seconds → x, "nice"
ticks of 1, 2 or 5 × 10^k) is the few lines below. The text stays SVG text, so a reader (or a test) finds each label.
Drawn in the suite's own process after the last test: a picture takes a few milliseconds.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from pathlib import Path

import drawsvg

PICTURE = "timeline.svg"
COLOURS = {"backend processes": "#1f77b4", "runs row": "#2ca02c", "statement log": "#d62728",
           "aos_traces": "#9467bd", "aos_trace_steps": "#ff7f0e", "coordinator": "#17becf"}
BAR_OPACITY = 0.85
PLOT, RIGHT = 760, 30  # pixels: the time axis, the right margin; the labels' column fits the longest label
CHARACTER = 6.2  # pixels per character of a 10-pixel label, a little over DejaVu Sans's average
ROW, HEAD, AXIS = 22, 28, 44  # pixels: one row, a panel's title, a panel's time axis with its caption
FONT = "DejaVu Sans, Arial, sans-serif"


def _moment(text: str) -> datetime:
    """An ISO 8601 time; one without a zone is taken as UTC (every time on the picture's axis is UTC)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _rows(events: list[dict], lanes: tuple[str, ...]) -> list[tuple[str, dict]]:
    """One row per process, one row per database event (its label is the row's name, so labels never overlap)."""
    rows = []
    for lane in lanes:
        for event in (e for e in events if e["lane"] == lane):
            name = event["label"] if lane in ("backend processes", "coordinator") else f"{lane}: {event['label']}"
            rows.append((name, event))
    return rows


def ticks(low: float, high: float, wanted: int = 8) -> list[float]:
    """Tick positions between `low` and `high`, `wanted` or fewer, at a step of 1, 2 or 5 × 10^k."""
    span = max(high - low, 1e-6)
    magnitude = 10 ** math.floor(math.log10(span / wanted))
    step = next(m * magnitude for m in (1, 2, 5, 10) if span / (m * magnitude) <= wanted)
    first = math.ceil(low / step) * step
    return [round(first + i * step, 9) for i in range(int((high - first) / step + 1e-9) + 1)]


def _panel(drawing: drawsvg.Drawing, labels: int, top: float, title: str, caption: str, rows: list[tuple[str, dict]],
           seconds, commit: float | None) -> float:
    """Draw one panel from `top`, its time axis starting `labels` pixels from the left; returns its bottom."""
    moments = [seconds(e["start"]) for _, e in rows] + [seconds(e["end"]) for _, e in rows if e.get("end")]
    low, high = min(moments), max(moments)
    margin = max((high - low) * 0.05, 0.002)
    low, high = low - margin, high + margin
    plot = PLOT

    def x(value: float) -> float:
        return labels + (value - low) / (high - low) * plot

    drawing.append(drawsvg.Text(title, 13, labels + plot / 2, top + 18, text_anchor="middle", font_family=FONT))
    body = top + HEAD
    bottom = body + ROW * max(len(rows), 2)
    drawing.append(drawsvg.Rectangle(labels, body, plot, bottom - body, fill="none", stroke="#444444"))
    for tick in ticks(low, high):
        drawing.append(drawsvg.Line(x(tick), body, x(tick), bottom, stroke="#b0b0b0", stroke_opacity=0.5))
        drawing.append(drawsvg.Line(x(tick), bottom, x(tick), bottom + 4, stroke="#444444"))
        drawing.append(drawsvg.Text(f"{tick:g}", 10, x(tick), bottom + 16, text_anchor="middle", font_family=FONT))
    drawing.append(drawsvg.Text(caption, 10, labels + plot / 2, bottom + 34, text_anchor="middle", font_family=FONT))
    for index, (name, event) in enumerate(rows):
        middle = body + ROW * (index + 0.5)
        colour = COLOURS.get(event["lane"], "#7f7f7f")
        drawing.append(drawsvg.Text(name, 10, labels - 6, middle + 3.5, text_anchor="end", font_family=FONT))
        start = x(seconds(event["start"]))
        if event.get("end"):
            width = max(x(seconds(event["end"])) - start, plot * 0.004)
            drawing.append(drawsvg.Rectangle(start, middle - ROW * 0.3, width, ROW * 0.6, fill=colour,
                                             fill_opacity=BAR_OPACITY))
        else:
            drawing.append(drawsvg.Lines(start, middle - 6, start + 6, middle, start, middle + 6, start - 6, middle,
                                         close=True, fill=colour))
    if commit is not None and low <= commit <= high:
        drawing.append(drawsvg.Line(x(commit), body, x(commit), bottom, stroke=COLOURS["statement log"],
                                    stroke_dasharray="5,3"))
    return bottom + AXIS


def render_timeline(timeline: dict, path: Path) -> Path:
    """Draw `timeline` (`run_id`, `events` with lane, label, start, end) to `path` as SVG.

    Two panels on one clock: the whole suite (every backend process, the coordinator's answer), and the proof run's
    own window enlarged (the runs row, the plan's write and commit, the trace, each step), with a dashed line at the
    plan's commit — so that "plan stored before execution" is visible however short the run was.
    """
    events = [e for e in timeline.get("events", []) if e.get("start")]
    origin = min(_moment(e["start"]) for e in events)

    def seconds(text: str) -> float:
        return (_moment(text) - origin).total_seconds()

    suite_rows = _rows(events, ("backend processes", "coordinator"))
    run_rows = _rows(events, ("runs row", "statement log", "aos_traces", "aos_trace_steps"))
    commit_event = next((e for e in events if e["label"] == "plan committed"), None)
    commit = seconds(commit_event["start"]) if commit_event else None
    caption = f"seconds after {origin.isoformat(timespec='milliseconds')} (UTC)"
    panels = [(f"Run {timeline.get('run_id') or '(no run row)'}: the whole suite on one time axis", suite_rows),
              ("the proof run, enlarged: the dashed line is the plan's commit (statement log)", run_rows)]
    panels = [(title, rows) for title, rows in panels if rows]
    height = sum(HEAD + ROW * max(len(rows), 2) + AXIS for _, rows in panels) + 10
    labels = round(max(200, 16 + CHARACTER * max(len(name) for _, rows in panels for name, _ in rows)))
    width = labels + PLOT + RIGHT
    drawing = drawsvg.Drawing(width, height)
    drawing.append(drawsvg.Rectangle(0, 0, width, height, fill="white"))
    top = 0.0
    for title, rows in panels:
        top = _panel(drawing, labels, top, title, caption, rows, seconds, commit)
    path.parent.mkdir(parents=True, exist_ok=True)
    drawing.save_svg(str(path))
    return path
