"""The run on one time axis: what the suite started and what the database recorded, for the timeline picture.

Collected in the suite teardown (off the critical path) and drawn by the evidence writer when the suite ends
(libraries/runproof/evidence/timeline_picture.py): the backend processes the suite started (wall-clock UTC, from `Backend Process
Timeline`), the runs row's created_at / started_at / completed_at, the plan's write and commit (the statement log's
own timestamps, when there is a log), the trace's started_at / completed_at, each step's timestamp, and the
coordinator's answer (the end of the coordinator probe). The plan's test logs the picture into log.html before it
exists: log.html is written from output.xml after the run, when the picture is there.
"""

from __future__ import annotations

import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn

from runproof import DOC_FORMAT, VERSION
from runproof.keywords.statement_log import plan_write_order
from runproof.evidence.timeline_picture import PICTURE

CLI_RUN_PROCESS = "customer-cli-run"
PROBE_PROCESS = "coordinator-probe"
LOG_TIME = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) (UTC|GMT|[+-]\d\d(?::?\d\d)?)\b")


def log_line_time(line: str) -> str | None:
    """The UTC time of a PostgreSQL log line with `log_line_prefix = '%m …'` (UTC or a numeric offset), or None."""
    match = LOG_TIME.match(line)
    if not match:
        return None
    stamp, zone = match.groups()
    moment = datetime.fromisoformat(stamp)
    if zone not in ("UTC", "GMT"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
        moment -= sign * offset
    return moment.replace(tzinfo=timezone.utc).isoformat()


def _iso(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).isoformat()
    return str(value)


def timeline_events(processes: list[dict], run: dict | None, traces: list[dict], steps: list[dict],
                    order: dict | None) -> list[dict]:
    """The events of the picture: each with `lane`, `label`, `start` (ISO UTC) and, for spans, `end`."""
    events = []
    for process in processes:
        if not process.get("started_utc"):
            continue
        label = process["name"]
        if not process.get("ended_utc") and process.get("still_running_utc"):
            label += " (not awaited: killed at the end)"
        events.append({"lane": "backend processes", "label": label, "start": process["started_utc"],
                       "end": process.get("ended_utc") or process.get("still_running_utc")})
    probe = next((p for p in processes if p["name"] == PROBE_PROCESS and p.get("ended_utc")), None)
    if probe:
        events.append({"lane": "coordinator", "label": "the coordinator's answer", "start": probe["ended_utc"]})
    if run:
        for column in ("created_at", "started_at", "completed_at"):
            if run.get(column) is not None:
                events.append({"lane": "runs row", "label": f"runs.{column}", "start": _iso(run[column])})
    for moment, label in ((order or {}).get("plan"), "plan_json written"), ((order or {}).get("commit"), "plan committed"):
        if moment:
            events.append({"lane": "statement log", "label": label, "start": moment})
    if order and order.get("trace"):
        events.append({"lane": "statement log", "label": "first trace write", "start": order["trace"]})
    for trace in traces:
        events.append({"lane": "aos_traces", "label": f"{trace.get('trace_id')} ({trace.get('status')})",
                       "start": _iso(trace.get("started_at")), "end": _iso(trace.get("completed_at"))})
    for step in steps:
        if step.get("timestamp") is not None:
            events.append({"lane": "aos_trace_steps",
                           "label": f"{step.get('step_index')}:{step.get('skill_name')}:{step.get('status')}",
                           "start": _iso(step["timestamp"])})
    return [event for event in events if event.get("start")]


def statement_times(log_file: str, run_id: str) -> dict | None:
    """The UTC times of the plan's write, its commit and the first trace write, from the statement log's lines."""
    path = Path(log_file) if log_file else None
    if path is None or not path.is_file():
        return None
    text = path.read_text(errors="replace")
    order = plan_write_order(text, run_id)
    lines = text.splitlines()
    return {key: (log_line_time(lines[entry.line - 1]) if entry else None) for key, entry in order.items()}


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class RunTimeline:
    """Collects the run's timeline (teardown) and shows its picture in the log of the plan's AC2 test."""

    @keyword("Collect The Run's Timeline")
    def collect_the_runs_timeline(self, processes: list, statement_log: str = "", goal: str = "") -> dict:
        """The run's events on one time axis, for `Record Evidence    run_timeline=…`; empty when the customer CLI
        never started. Never fails: a missing piece is left out and logged.

        Given `processes` — `Backend Process Timeline`; `statement_log` — PostgreSQL's statement log, if any;
        `goal` — the proof run's goal, to find a run the suite could not prove (e.g. halted) by its agent and goal.
        Returns `run_id` and `events` (lane, label, start, end in ISO UTC).

        Example: `${timeline}=    Collect The Run's Timeline    ${processes}    ${PLAN_WRITE_LOG}    ${GOAL}`
        """
        if not any(p.get("name") == CLI_RUN_PROCESS for p in processes):
            return {}
        run, traces, steps, order = None, [], [], None
        try:
            run = self._run_row(goal)
            if run:
                database = BuiltIn().get_library_instance("DatabaseLibrary")
                traces = database.query("SELECT * FROM aos_traces WHERE run_id = %s ORDER BY started_at",
                                        parameters=[run["id"]], return_dict=True)
                steps = database.query(
                    "SELECT s.step_index, s.skill_name, s.status, s.timestamp FROM aos_trace_steps s "
                    "JOIN aos_traces t ON t.trace_id = s.trace_id WHERE t.run_id = %s ORDER BY s.step_index",
                    parameters=[run["id"]], return_dict=True)
                order = statement_times(statement_log, run["id"])
        except Exception as exc:  # noqa: BLE001 — the picture shows what could be read; the teardown goes on
            logger.info(f"the run's rows could not be read for the timeline: {exc}")
        events = timeline_events(processes, run, traces, steps, order)
        return {"run_id": run["id"] if run else None, "events": events}

    @staticmethod
    def _run_row(goal: str) -> dict | None:
        """The proven run (the fact `run`), else the newest run of the fact `agent` with the proof run's goal."""
        from robot.api.exceptions import SkipExecution

        facts = BuiltIn().get_library_instance("runproof.keywords.run_facts.RunFacts")
        database = BuiltIn().get_library_instance("DatabaseLibrary")
        try:
            run = facts.run_fact("run")
        except SkipExecution:
            run = None
        if run:
            rows = database.query("SELECT * FROM runs WHERE id = %s", parameters=[run["id"]], return_dict=True)
            return rows[0] if rows else run
        try:
            agent = facts.run_fact("agent")
        except SkipExecution:
            return None
        rows = database.query("SELECT * FROM runs WHERE agent_id = %s AND goal = %s ORDER BY created_at DESC LIMIT 1",
                              parameters=[agent, goal], return_dict=True)
        return rows[0] if rows else None

    @keyword("Show The Run's Timeline")
    def show_the_runs_timeline(self) -> str:
        """Embed the run's timeline picture in log.html (an `<img>` relative to the log); the picture itself is drawn
        when the suite ends, before log.html is written. Returns the picture's path relative to the log.

        Example: `Show The Run's Timeline`
        """
        variables = BuiltIn()
        outdir = variables.get_variable_value("${OUTPUT DIR}") or os.getcwd()
        log_file = variables.get_variable_value("${LOG FILE}") or "NONE"
        log_dir = os.path.dirname(log_file) if log_file != "NONE" else outdir
        source = os.path.relpath(os.path.join(outdir, PICTURE), log_dir)
        logger.info(f'<p>The run on one time axis — the plan\'s write and commit before the trace and its steps '
                    f'(drawn when the suite ended; <a href="{source}">{PICTURE}</a>):</p>'
                    f'<img src="{source}" alt="timeline of the run" style="max-width: 100%">', html=True)
        return source
