"""The run's timeline as an SVG picture, drawn with matplotlib (Agg/SVG backend, no GUI toolkit).

Why matplotlib: it is the most widely kept Python plotting library, draws SVG without a browser or a system
library (Graphviz, Cairo), and its `broken_barh`/`scatter` give spans and instants on one time axis directly.
Its cost (import ≈ 0.4-0.6 s, one picture ≈ 0.15 s on this machine; `make bench` prints it) is paid in a process the
evidence writer starts with the suite: it imports matplotlib while the tests run and draws after the last one, while
Robot writes its own output files — never in a test. The SVG's text stays text (`svg.fonttype = none`), so a reader
(or a test) can find each label in it.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

PICTURE = "timeline.svg"
COLOURS = {"backend processes": "#1f77b4", "runs row": "#2ca02c", "statement log": "#d62728",
           "aos_traces": "#9467bd", "aos_trace_steps": "#ff7f0e", "coordinator": "#17becf"}


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _rows(events: list[dict], lanes: tuple[str, ...]) -> list[tuple[str, dict]]:
    """One row per process, one row per database event (its label is the row's name, so labels never overlap)."""
    rows = []
    for lane in lanes:
        for event in (e for e in events if e["lane"] == lane):
            name = event["label"] if lane in ("backend processes", "coordinator") else f"{lane}: {event['label']}"
            rows.append((name, event))
    return rows


def _draw(axes, rows: list[tuple[str, dict]], seconds, width: float) -> None:
    for y, (_, event) in enumerate(rows):
        colour = COLOURS.get(event["lane"], "#7f7f7f")
        start = seconds(event["start"])
        if event.get("end"):
            axes.broken_barh([(start, max(seconds(event["end"]) - start, width * 0.004))], (y - 0.3, 0.6),
                             color=colour, alpha=0.85)
        else:
            axes.scatter([start], [y], color=colour, marker="D", s=40, zorder=3)
    axes.set_yticks(range(len(rows)), [name for name, _ in rows], fontsize=8)
    axes.set_ylim(len(rows) - 0.5, -0.5)
    axes.grid(axis="x", alpha=0.3)


def render_timeline(timeline: dict, path: Path) -> Path:
    """Draw `timeline` (`run_id`, `events` with lane, label, start, end) to `path` (SVG, or PNG by its suffix).

    Two panels on one clock: the whole suite (every backend process, the coordinator's answer), and the proof run's
    own window enlarged (the runs row, the plan's write and commit, the trace, each step), with a line at the plan's
    commit — so that "plan stored before execution" is visible however short the run was.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["svg.hashsalt"] = "runproof"  # the same run draws the same file
    events = [e for e in timeline.get("events", []) if e.get("start")]
    origin = min(_moment(e["start"]) for e in events)

    def seconds(text: str) -> float:
        return (_moment(text) - origin).total_seconds()

    suite_rows = _rows(events, ("backend processes", "coordinator"))
    run_rows = _rows(events, ("runs row", "statement log", "aos_traces", "aos_trace_steps"))
    panels = [rows for rows in (suite_rows, run_rows) if rows]
    heights = [max(len(rows), 2) for rows in panels]
    figure, axes_list = pyplot.subplots(len(panels), 1, figsize=(11, 0.32 * sum(heights) + 1.4 * len(panels) + 0.4),
                                        gridspec_kw={"height_ratios": heights}, squeeze=False)
    end = max(seconds(e.get("end") or e["start"]) for e in events)
    commit = next((e for e in events if e["label"] == "plan committed"), None)
    for axes, rows in zip([a[0] for a in axes_list], panels):
        moments = [seconds(e["start"]) for _, e in rows] + [seconds(e["end"]) for _, e in rows if e.get("end")]
        low, high = min(moments), max(moments)
        margin = max((high - low) * 0.05, 0.002)
        _draw(axes, rows, seconds, high - low or 1.0)
        axes.set_xlim(low - margin, high + margin)
        if commit:
            axes.axvline(seconds(commit["start"]), color=COLOURS["statement log"], linestyle="--", linewidth=1)
        if rows is run_rows:
            axes.set_title("the proof run, enlarged: the dashed line is the plan's commit (statement log)", fontsize=9)
        else:
            axes.set_title(f"Run {timeline.get('run_id') or '(no run row)'}: the whole suite on one time axis",
                           fontsize=10)
        axes.set_xlabel(f"seconds after {origin.isoformat(timespec='milliseconds')} (UTC)", fontsize=8)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lstrip(".") or "svg"
    figure.savefig(path, format=suffix, **({"metadata": {"Date": None}} if suffix == "svg" else {}))
    pyplot.close(figure)
    return path


if __name__ == "__main__":
    # The evidence writer's drawing process: matplotlib is imported while the suite runs; then one request on stdin
    # ({"path", "timeline"}) is drawn, or nothing when stdin closes empty.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot  # noqa: F401

    request = sys.stdin.read()
    if request.strip():
        message = json.loads(request)
        render_timeline(message["timeline"], Path(message["path"]))
