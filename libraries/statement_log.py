"""Plan §6 criterion 2, "plan generation occurs before execution", observed in PostgreSQL's own statement log.

When the suite owns the database (its throwaway PostgreSQL, which logs every statement) or is given a server's
statement log (STATEMENT_LOG), the order of writes is read from it: the statement that stores `runs.plan_json` for the
run must be executed *and committed* before the first write of the run's trace or steps. Without a log the order is
only inferred from the plan the trace recorded, and the evidence says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library

from project import DOC_FORMAT, VERSION

ENTRY = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)? \S+ \[(\d+)\] (\w+):\s+(.*)$")
STATEMENT = re.compile(r"^(?:statement|execute [^:]*):\s*(.*)$", re.S)
RUNS_WRITE = re.compile(r"^\s*(?:update\s+\"?runs\"?\s|insert\s+into\s+\"?runs\"?[\s(])", re.I)
TRACE_WRITE = re.compile(r"^\s*(?:insert\s+into|update)\s+\"?(aos_traces|aos_trace_steps)\"?[\s(]", re.I)
BEGIN = re.compile(r"^\s*(begin|start\s+transaction)\b", re.I)
COMMIT = re.compile(r"^\s*(commit|end)\b", re.I)


@dataclass
class Entry:
    line: int
    pid: str
    text: str


def entries(log_text: str) -> list[Entry]:
    """The log's statements, with their DETAIL parameter lines and continuation lines folded in."""
    found: list[Entry] = []
    for number, line in enumerate(log_text.splitlines(), 1):
        match = ENTRY.match(line)
        if match:
            pid, level, rest = match.groups()
            statement = STATEMENT.match(rest)
            if level == "LOG" and statement:
                found.append(Entry(number, pid, statement.group(1)))
            elif level == "DETAIL" and found and found[-1].pid == pid:
                found[-1].text += " " + rest
        elif found and line.startswith(("\t", " ")):
            found[-1].text += " " + line.strip()
    return found


def plan_write_order(log_text: str, run_id: str) -> dict:
    """Where the run's plan was stored, when that was committed, and where its trace was first written."""
    statements = entries(log_text)
    trace_id = f"trace_{run_id}"
    plan = next((e for e in statements if RUNS_WRITE.match(e.text) and run_id in e.text and "plan_json" in e.text
                 and '"steps"' in e.text), None)
    trace = next((e for e in statements if TRACE_WRITE.match(e.text) and (trace_id in e.text or run_id in e.text)), None)
    if plan is None:
        return {"plan": None, "commit": None, "trace": trace}
    same_session = [e for e in statements if e.pid == plan.pid]
    before = [e for e in same_session if e.line < plan.line]
    opened = next((e for e in reversed(before) if BEGIN.match(e.text) or COMMIT.match(e.text)), None)
    in_transaction = bool(opened and BEGIN.match(opened.text))
    commit = next((e for e in same_session if e.line > plan.line and COMMIT.match(e.text)), None) if in_transaction else plan
    return {"plan": plan, "commit": commit, "trace": trace}


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class StatementLog:
    """Reads the order of the run's writes from a PostgreSQL statement log."""

    @keyword
    def plan_should_be_committed_before_the_trace_is_written(self, log_file: str, run_id: str) -> str:
        """From the statement log: the run's `plan_json` write was committed before the first write of its trace/steps.

        Given `log_file` — a PostgreSQL server log with log_statement=all; `run_id` — the run.
        Returns the evidence: the three log lines compared.

        Example: `${order}=    Plan Should Be Committed Before The Trace Is Written    ${log}    ${run}[id]`
        """
        path = Path(log_file)
        if not path.is_file():
            raise AssertionError(f"the statement log {log_file} does not exist: the order of writes cannot be observed")
        order = plan_write_order(path.read_text(errors="replace"), run_id)
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
        logger.info(f"{log_file}: {detail}")
        if commit.line > trace.line:
            raise AssertionError(f"runs.plan_json for run {run_id} was stored after execution began: {detail}")
        return detail
