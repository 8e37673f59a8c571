"""Plan §6 criterion 2, "plan generation occurs before execution", observed in PostgreSQL's own statement log.

When the suite owns the database (its throwaway PostgreSQL, which logs every statement) or is given a server's
statement log (STATEMENT_LOG), the order of writes is read from it: the statement that stores `runs.plan_json` for the
run must be executed *and committed* before the first write of the run's trace or steps.

The log is read whatever its format: stderr with any `log_line_prefix` (Debian's `%m [%p] %q%u@%d ` included), csvlog
or jsonlog, statements over several lines, parameters in DETAIL lines. A log that cannot show the order — it does not
exist, holds no statement of this run (another server's file, `log_statement` = `ddl` or `none`), shows no transaction
boundaries (`log_statement` = `mod`), or whose prefix carries no process or session id to tell sessions apart — gives
"not observed: <why>", never a verdict on the backend: the order is then inferred, and the evidence says so.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library

from runproof import DOC_FORMAT, VERSION

SEVERITIES = ("LOG", "DETAIL", "ERROR", "STATEMENT", "WARNING", "NOTICE", "FATAL", "PANIC", "HINT", "CONTEXT",
              "INFO", "LOCATION", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3", "DEBUG4", "DEBUG5")
# stderr: whatever log_line_prefix wrote, then the severity and two spaces (elog.c's fixed layout).
STDERR_LINE = re.compile(rf"^(?P<prefix>.*?)\b(?P<level>{'|'.join(SEVERITIES)}):  (?P<rest>.*)$")
# What in a prefix tells sessions apart: %c (session id, hex start time '.' hex pid), or %p as `[pid]` or `[pid-line]`.
SESSION_ID = re.compile(r"(?<![0-9a-f.])([0-9a-f]{6,8}\.[0-9a-f]{1,8})(?![0-9a-f.])")
PROCESS_ID = re.compile(r"\[(\d+)(?:-\d+)?\]|\bpid[=: ](\d+)")
STATEMENT = re.compile(r"^(?:statement|execute [^:]*):\s*(.*)$", re.S)
RUNS_WRITE = re.compile(r"^\s*(?:update\s+\"?runs\"?\s|insert\s+into\s+\"?runs\"?[\s(])", re.I)
TRACE_WRITE = re.compile(r"^\s*(?:insert\s+into|update)\s+\"?(aos_traces|aos_trace_steps)\"?[\s(]", re.I)
BEGIN = re.compile(r"^\s*(begin|start\s+transaction)\b", re.I)
COMMIT = re.compile(r"^\s*(commit|end)\b", re.I)
FIX = "STATEMENT_LOG must be the log of DATABASE_URL's server with log_statement=all"
# What `cus_cli run` passes and create_run inserts with the run (contract §1): none is written again afterwards.
RUN_INPUTS = ("agent_id", "goal", "tenant_id", "origin_system_id")
UPDATE_SET = re.compile(r"^\s*update\s+\"?runs\"?\s+set\s+(?P<set>.*?)\s+where\s", re.I | re.S)
SET_COLUMN = re.compile(r"(?:^|,)\s*(?:\"?runs\"?\.)?\"?(\w+)\"?\s*=")
LITERAL = re.compile(r"'(?:[^']|'')*'")  # a string literal's text (a goal, a plan) is no column name


@dataclass
class Entry:
    line: int
    session: str | None
    text: str


@dataclass
class LogReading:
    """The statements a log holds, in order, and the log's format."""

    format: str
    statements: list[Entry]


def _session_of(prefix: str) -> str | None:
    if match := SESSION_ID.search(prefix):
        return match.group(1)
    if match := PROCESS_ID.search(prefix):
        return match.group(1) or match.group(2)
    return None


def _add(found: list[Entry], line: int, session: str | None, level: str, message: str,
         detail: str = "") -> Entry | None:
    """Fold one log record into `found`; returns the statement it made or extended (None for any other record)."""
    statement = STATEMENT.match(message)
    if level == "LOG" and statement:
        found.append(Entry(line, session, statement.group(1) + (f" {detail}" if detail else "")))
        return found[-1]
    if level == "DETAIL" and found and found[-1].session == session:
        found[-1].text += " " + message
        return found[-1]
    return None


def _read_stderr(text: str) -> list[Entry]:
    found: list[Entry] = []
    current: Entry | None = None  # the entry a continuation line (tab-indented) belongs to
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("\t"):
            if current is not None:
                current.text += " " + line.strip()
            continue
        match = STDERR_LINE.match(line)
        if not match:
            current = None
            continue
        current = _add(found, number, _session_of(match["prefix"]), match["level"], match["rest"])
    return found


def _read_csv(text: str) -> list[Entry]:
    found: list[Entry] = []
    reader = csv.reader(io.StringIO(text))
    for row in reader:
        if len(row) > 14:  # csvlog: process_id 3, session_id 5, error_severity 11, message 13, detail 14
            _add(found, reader.line_num, row[5] or row[3] or None, row[11], row[13], row[14])
    return found


def _read_json(text: str) -> list[Entry]:
    found: list[Entry] = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if isinstance(record, dict):
            session = record.get("session_id") or (str(record["pid"]) if "pid" in record else None)
            _add(found, number, session, record.get("error_severity", ""), record.get("message", ""),
                 record.get("detail", ""))
    return found


def read_log(text: str) -> LogReading:
    """The log's statements, with DETAIL parameters and continuation lines folded in, in any of PostgreSQL's formats."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    if first.startswith("{"):
        return LogReading("jsonlog", _read_json(text))
    if re.match(r"^\d{4}-\d\d-\d\d [\d:.]+ \S+,", first) and not STDERR_LINE.match(first):
        return LogReading("csvlog", _read_csv(text))
    return LogReading("stderr", _read_stderr(text))


def entries(log_text: str) -> list[Entry]:
    return read_log(log_text).statements


def plan_write_order(log_text: str, run_id: str) -> dict:
    """Where the run's plan was stored, when that was committed, and where its trace was first written."""
    return _order(entries(log_text), run_id)


def _order(statements: list[Entry], run_id: str) -> dict:
    trace_id = f"trace_{run_id}"
    plan = next((e for e in statements if RUNS_WRITE.match(e.text) and run_id in e.text and "plan_json" in e.text
                 and '"steps"' in e.text), None)
    trace = next((e for e in statements if TRACE_WRITE.match(e.text) and (trace_id in e.text or run_id in e.text)), None)
    if plan is None:
        return {"plan": None, "commit": None, "trace": trace}
    same_session = [e for e in statements if e.session == plan.session]
    before = [e for e in same_session if e.line < plan.line]
    opened = next((e for e in reversed(before) if BEGIN.match(e.text) or COMMIT.match(e.text)), None)
    in_transaction = bool(opened and BEGIN.match(opened.text))
    commit = next((e for e in same_session if e.line > plan.line and COMMIT.match(e.text)), None) if in_transaction else plan
    return {"plan": plan, "commit": commit, "trace": trace}


def why_not_observable(log_file: str, reading: LogReading | None, run_id: str) -> str | None:
    """Why this log cannot show the order of the run's writes, or None when it can."""
    if reading is None:
        return f"the statement log {log_file} does not exist or cannot be read — {FIX}"
    statements = reading.statements
    if not statements:
        return f"the statement log {log_file} holds no statement at all ({reading.format}) — {FIX}"
    if any(e.session is None for e in statements):
        return (f"the statement log {log_file} has a line prefix with no process or session id, so its sessions "
                "cannot be told apart — add %p or %c to log_line_prefix (Debian's '%m [%p] %q%u@%d ' has %p)")
    if not any(run_id in e.text for e in statements):
        return (f"the statement log {log_file} holds {len(statements)} statements, none of run {run_id} (another "
                f"server's log, or log_statement is 'ddl' or 'none') — {FIX}")
    if not any(BEGIN.match(e.text) or COMMIT.match(e.text) for e in statements):
        return (f"the statement log {log_file} shows no BEGIN or COMMIT, so when the plan was committed cannot be told "
                f"(log_statement is 'mod'?) — {FIX}")
    return None


def observable_reading(log_file: str, run_id: str) -> tuple[LogReading | None, str | None]:
    """The log's reading, and why it cannot show the run's writes (None when it can)."""
    path = Path(log_file)
    try:
        reading = read_log(path.read_text(errors="replace")) if path.is_file() else None
    except OSError:
        reading = None
    return reading, why_not_observable(log_file, reading, run_id)


def rewrites_of_the_run_inputs(statements: list[Entry], run_id: str) -> list[tuple[Entry, list[str]]]:
    """Every UPDATE of `runs` that names the run and sets one of the inputs it was created with, with those columns."""
    found = []
    for entry in statements:
        update = UPDATE_SET.match(entry.text)
        if update and run_id in entry.text:
            columns = [c for c in SET_COLUMN.findall(LITERAL.sub("''", update["set"])) if c in RUN_INPUTS]
            if columns:
                found.append((entry, columns))
    return found


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class StatementLog:
    """Reads the order of the run's writes from a PostgreSQL statement log, in whatever format it was written."""

    @keyword
    def run_inputs_should_be_written_by_its_insert(self, log_file: str, run_id: str) -> str:
        """Plan §2 and contract §1: the run is *created* with the agent, goal, tenant and origin passed —
        `create_run` inserts them with it — so no later statement sets any of them for this run (a value corrected
        after the insert is a run created with another one, and contract §5's trigger checks the insert only).

        Given `log_file` — the server's statement log (any format, log_statement=all); `run_id` — the run.
        Returns what was observed, or `not observed: <why>` when this log cannot show it (no verdict then).
        Fails (AssertionError) naming each log line that rewrites an input, and the columns it sets.

        Example: `${detail}=    Run Inputs Should Be Written By Its Insert    ${log}    ${run}[id]`
        """
        reading, why = observable_reading(log_file, run_id)
        if why:
            return f"not observed: {why}"
        rewrites = rewrites_of_the_run_inputs(reading.statements, run_id)
        if rewrites:
            shown = "; ".join(f"log line {entry.line} sets {', '.join(columns)} "
                              f"({' '.join(entry.text.split())[:160]})" for entry, columns in rewrites)
            raise AssertionError(f"run {run_id} was created with other inputs than it holds now: after its insert, "
                                 f"{shown} (contract §1: create_run inserts the run with them)")
        inserts = sum(1 for e in reading.statements if e.text.lstrip()[:6].lower() == "insert" and RUNS_WRITE.match(e.text)
                      and run_id in e.text)
        return (f"{', '.join(RUN_INPUTS)} written by the run's insert ({inserts} insert(s) of it in the statement "
                "log), never set again")

    @keyword
    def order_of_the_plan_and_trace_writes(self, log_file: str, run_id: str) -> dict:
        """From the statement log: the run's `plan_json` write was committed before the first write of its trace/steps.

        Given `log_file` — a PostgreSQL server log (stderr with any log_line_prefix, csvlog or jsonlog) with
        log_statement=all; `run_id` — the run.
        Returns `how` = `observed` with `detail` naming the three log lines compared, or `how` = `not observed` with
        `detail` = `not observed: <why>` when this log cannot show the order (no verdict on the backend then).
        Fails (AssertionError) only on what the log shows: no plan write, no trace write, a plan never committed, or
        committed after the trace was first written.

        Example: `${order}=    Order Of The Plan And Trace Writes    ${log}    ${run}[id]`
        """
        reading, why = observable_reading(log_file, run_id)
        if why:
            logger.info(f"not observed: {why}")
            return {"how": "not observed", "detail": f"not observed: {why}"}
        order = _order(reading.statements, run_id)
        plan, commit, trace = order["plan"], order["commit"], order["trace"]
        if plan is None:
            raise AssertionError(f"the statement log shows no write of runs.plan_json for run {run_id}: "
                                 "no plan was stored before execution")
        if trace is None:
            raise AssertionError(f"the statement log shows no write of the trace of run {run_id}")
        if commit is None:
            raise AssertionError(f"runs.plan_json for run {run_id} was written at log line {plan.line} but never committed")
        write = " ".join(TRACE_WRITE.match(trace.text).group(0).split()).rstrip(" (")
        detail = (f"plan_json stored at log line {plan.line}, committed at line {commit.line}; "
                  f"first trace write at line {trace.line} ({write})")
        logger.info(f"{log_file} ({reading.format}): {detail}")
        if commit.line > trace.line:
            raise AssertionError(f"runs.plan_json for run {run_id} was stored after execution began: {detail}")
        return {"how": "observed", "detail": detail}
