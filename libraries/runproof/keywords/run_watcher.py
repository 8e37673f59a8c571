"""Plan §6 criterion 2, "plan generation occurs before execution", watched while the run happens.

While the proof run's CLI runs, a thread of the suite polls the tenant's new runs and their trace and steps through a
read-only connection of its own (psycopg2 connections must not be shared between threads, so DatabaseLibrary's is
not used): one cheap statement per poll, autocommit (no transaction held open, no lock beyond the statement's own
AccessShareLock, which `lock_timeout` keeps from ever queueing behind the product), the database's
`clock_timestamp()` in every answer. Every change of state it sees is kept with its database time.

A trace or step row seen while `plan_json` is NULL is an observed failure: that state was committed, so execution had
begun before the plan was stored. A state with the plan stored and no trace yet is an observed pass. A window shorter
than the polling interval leaves the watcher undecided (never wrong), and the verdict says so.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime

import psycopg2
from robot.api import logger
from robot.api.deco import keyword, library

from runproof.keywords.database_target import ConnectionParameters, parse_database_url
from runproof import DOC_FORMAT, VERSION

# One statement per poll: the tenant's runs that were not there at the snapshot, each with what the watcher follows.
POLL = """
SELECT clock_timestamp(), r.id, r.status, r.plan_json IS NOT NULL,
       (SELECT count(*) FROM aos_traces t WHERE t.run_id = r.id),
       (SELECT min(t.status) FROM aos_traces t WHERE t.run_id = r.id),
       (SELECT count(*) FROM aos_trace_steps s JOIN aos_traces t ON t.trace_id = s.trace_id WHERE t.run_id = r.id)
FROM runs r WHERE r.tenant_id = %s AND NOT (r.id = ANY(%s::varchar[]))
"""
INTERVAL = 0.02
FINAL = ("succeeded", "failed", "retry", "halted", "pending_approval")


@dataclass(frozen=True)
class State:
    status: str
    plan_stored: bool
    traces: int
    trace_status: str | None
    steps: int

    @property
    def executing_without_plan(self) -> bool:
        return not self.plan_stored and (self.traces > 0 or self.steps > 0)

    @property
    def planned_not_executing(self) -> bool:
        return self.plan_stored and self.traces == 0 and self.steps == 0

    def describe(self) -> str:
        trace = f"trace {self.trace_status}" if self.traces else "no trace"
        return (f"status {self.status}, plan_json {'stored' if self.plan_stored else 'NULL'}, {trace}, "
                f"{self.steps} step(s)")


@dataclass
class Transition:
    at: datetime
    state: State

    def line(self) -> str:
        return f"{self.at.isoformat(timespec='microseconds')} {self.state.describe()}"


@dataclass
class Watch:
    tenant_id: str
    known_ids: list[str]
    interval: float
    transitions: dict[str, list[Transition]] = field(default_factory=dict)
    polls: int = 0
    error: str = ""


def connect(target: ConnectionParameters, connect_timeout: int):
    """The watcher's own connection, with every parameter libpq reads from DATABASE_URL (as the suite's own):
    read-only, autocommit, never waiting on a lock the product holds."""
    params = dict(target.url.params)
    params["options"] = " ".join(filter(None, (params.get("options"), "-c default_transaction_read_only=on "
                                                                       "-c lock_timeout=200 -c statement_timeout=2000")))
    params.setdefault("connect_timeout", str(connect_timeout))
    params["application_name"] = "runproof-watcher"
    connection = psycopg2.connect(**params, password=target.password.value if target.password else None)
    connection.autocommit = True
    return connection


def poll_once(cursor, watch: Watch) -> None:
    cursor.execute(POLL, (watch.tenant_id, watch.known_ids))
    for at, run_id, status, plan_stored, traces, trace_status, steps in cursor.fetchall():
        state = State(status, bool(plan_stored), int(traces), trace_status, int(steps))
        seen = watch.transitions.setdefault(run_id, [])
        if not seen or seen[-1].state != state:
            seen.append(Transition(at, state))
    watch.polls += 1


def verdict(transitions: list[Transition], interval: float) -> tuple[str, str]:
    """`fail`, `pass` or `undecided`, with the observation that decided."""
    if not transitions:
        return "undecided", "the watcher never saw the run's row (it lived shorter than one poll)"
    for transition in transitions:
        if transition.state.plan_stored:
            break  # a plan seen stored first: a later NULL is the plan cleared, not execution before it
        if transition.state.executing_without_plan:
            return "fail", (f"at {transition.at.isoformat(timespec='microseconds')} the run had "
                            f"{transition.state.traces} trace row(s) and {transition.state.steps} step row(s) while "
                            "runs.plan_json was NULL: execution began before the plan was stored")
    planned = next((t for t in transitions if t.state.planned_not_executing), None)
    opened = next((t for t in transitions if t.state.traces or t.state.steps), None)
    if planned and opened:
        return "pass", (f"plan_json stored and no trace yet at {planned.at.isoformat(timespec='microseconds')}; "
                        f"trace first seen at {opened.at.isoformat(timespec='microseconds')}")
    return "undecided", (f"no poll fell between the plan's write and the trace's first write (polled every "
                         f"{interval * 1000:.0f} ms)")


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class RunWatcher:
    """Watches the tenant's new run, its trace and its steps while the CLI runs, on a read-only connection of its own."""

    def __init__(self) -> None:
        self._watch: Watch | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @keyword("Start Watching The Tenant's New Run")
    def start_watching_the_tenants_new_run(self, database_url, snapshot: dict, connect_timeout: int = 5,
                                            interval: float = INTERVAL) -> None:
        """Start polling, in a thread, every run of `snapshot['tenant_id']` that is not in `snapshot['run_ids']`.

        Given `database_url` — DATABASE_URL (a Secret); `snapshot` — from `Take A Snapshot Of The Tenant's Runs`;
        `interval` — seconds between polls. A connection failure is kept and reported by the verdict, never raised:
        the watcher must not stop the plan's run.

        Example: `Start Watching The Tenant's New Run    ${DATABASE_URL}    ${before}`
        """
        self.stop_watching()
        watch = Watch(snapshot["tenant_id"], list(snapshot["run_ids"]), float(interval))
        target = parse_database_url(database_url)
        self._watch, self._stop = watch, threading.Event()
        ready = threading.Event()

        def loop() -> None:
            try:
                with connect(target, connect_timeout) as connection, connection.cursor() as cursor:
                    ready.set()
                    while True:
                        poll_once(cursor, watch)
                        if self._stop.wait(watch.interval):
                            poll_once(cursor, watch)  # the state the CLI left behind
                            break
                connection.close()
            except psycopg2.Error as error:
                watch.error = " ".join(str(error).split())[:300]
            finally:
                ready.set()

        self._thread = threading.Thread(target=loop, name="runproof-watcher", daemon=True)
        self._thread.start()
        ready.wait(connect_timeout + 1)  # the first poll precedes the CLI, so its queued state can be seen

    @keyword
    def stop_watching(self) -> None:
        """Stop the polling thread after one last poll (nothing when none runs).

        Example: `Stop Watching`
        """
        if self._thread:
            self._stop.set()
            self._thread.join(10)
            self._thread = None

    @keyword
    def what_the_watcher_saw(self, run_id: str) -> dict:
        """The watcher's observation of `run_id`: `verdict` (`pass`, `fail` or `undecided`), `detail`, `transitions`
        (one line per state seen, with its database time), `polls` and `interval_ms`.

        Example: `${watched}=    What The Watcher Saw    ${run}[id]`
        """
        self.stop_watching()
        watch = self._watch
        if watch is None:
            return {"verdict": "undecided", "detail": "the run was not watched", "transitions": [], "polls": 0,
                    "interval_ms": 0}
        transitions = watch.transitions.get(run_id, [])
        result, detail = verdict(transitions, watch.interval)
        if watch.error:
            result, detail = "undecided", f"the watcher could not read the database: {watch.error}"
        seen = {
            "verdict": result, "detail": detail, "transitions": [t.line() for t in transitions],
            "polls": watch.polls, "interval_ms": round(watch.interval * 1000),
        }
        logger.info(f"watched run {run_id} in {watch.polls} polls every {seen['interval_ms']} ms: {result} — {detail}\n"
                    + "\n".join(seen["transitions"]))
        return seen

