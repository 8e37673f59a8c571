"""Every fact the run leaves, held to its rule (libraries/runproof/rules/table.py): the columns of the run's rows in `runs`,
`aos_traces` and `aos_trace_steps`, every field of the coordinator's answer and every line the CLI printed.

A column the target's schema has and no rule names is NOT CHECKED, "no rule", and counted under one WARN (the real
backend has columns the reference lacks, contract §5); a test in tests/ fails when the reference has one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from robot.api import logger
from robot.api.deco import keyword, library
from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

from runproof.evidence.masking import mask, one_line
from runproof.keywords.evidence import record_into_the_run_evidence
from runproof import DOC_FORMAT, VERSION
from runproof.rules.effects import account_for_effects
from runproof.rules.table import DATABASE_TABLES, DOCUMENTS, TABLES, RunContext, as_time, documents_of, evaluate


class RuleBroken(AssertionError):
    ROBOT_SUPPRESS_NAME = True


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class RunRules:
    """Judges the run's facts against the rule table and reports every rule's outcome."""

    def __init__(self) -> None:
        self._columns: dict[str, list[str]] | None = None

    @keyword
    def columns_of_the_target_tables(self, rows: list) -> dict:
        """The target's columns of `runs`, `aos_traces` and `aos_trace_steps` (from information_schema), by table.
        Columns no rule names are counted, once, under one WARN (contract §5: the real schema has more).

        - `rows`: `(table_name, column_name)` rows. Returns `{table: [column, …]}`.

        Example: `${columns}=    Columns Of The Target Tables    ${rows}`
        """
        if self._columns is None:
            self._columns = {table: [column for name, column in rows if name == table] for table in DATABASE_TABLES}
            unruled = [f"{table}.{column}" for table, columns in self._columns.items() for column in columns
                       if column not in TABLES[table].model_fields]
            if unruled:
                logger.warn(f"{len(unruled)} column(s) of the target have no rule and are NOT CHECKED: {', '.join(unruled)}")
        return self._columns

    @keyword
    def judge_the_rules_of(self, table: str, columns: dict | None = None, *, run: dict, invocation: dict,
                           trace: list | None = None, steps: list | None = None, answer: dict | None = None,
                           claims: dict | None = None, clock_skew: timedelta = timedelta(0),
                           only: list | None = None, agent: dict | None = None,
                           agent_before: dict | None = None, every: bool = False) -> list[dict]:
        """Every rule of `table` (`runs`, `aos_traces`, `aos_trace_steps`, `coordinator` — with its trace and step
        summaries — or `cli`) over the run's facts, with the inputs of the invocation as context. The rules table is
        the one judge of a row's column, a coordinator field and a CLI line: the plan's own tests call it too.

        - `columns`: the target's columns by table (for the completeness check); the facts as named arguments;
          `clock_skew`: how far the database's clock may be from the backend's (CLOCK_SKEW, default none);
          `only`: just these rules of `table` (a plan test judging its criterion); `agent` / `agent_before`: the
          agents row now and as create-agent stored it (table `agents`). Without `only`, a rule that a
          test of the plan judges (`proved by` in docs/rules.md) is left to that test — unless `every` (another
          run than the proof run, judged by every rule). `invocation` may say `http_call_answered=False` (the run
          whose http_call the suite makes fail).
        - Returns one entry per rule: `name`, `rule`, `status` (PASS, FAIL, NOT CHECKED), `observed`, `message`.
        - Raises `ValueError` for a table or a rule the table does not have (the suite's own error).

        Example: `${results}=    Judge The Rules Of    runs    ${columns}    run=${run}    invocation=${invocation}`
        """
        traces = trace or []
        context = RunContext(
            run_id=run["id"], agent_id=invocation["agent"], goal=invocation["goal"], tenant_id=invocation["tenant_id"],
            origin_system_id=invocation["origin_system_id"], clock_before=as_time(invocation["clock_before"]),
            clock_after=as_time(invocation["clock_after"]), run=run, trace=traces[0] if traces else None,
            steps=list(steps or []), proof=(answer or {}).get("proof"),
            answered_at=_time((answer or {}).get("answered_at")), clock_skew=clock_skew,
            http_call_url=invocation.get("http_call_url") or "",
            http_call_answered=invocation.get("http_call_answered", True))
        known = (columns or {}).get(table)
        scope = {"only": only, "test": None if every else _current_test()}
        if table in DOCUMENTS:
            rows = {"runs": [run], "aos_traces": traces, "aos_trace_steps": list(steps or [])}[table]
            results = evaluate(table, rows, context, known, **scope)
            if only is None:  # every field of the documents inside its JSON columns, and those without a rule
                for document, items in documents_of(table, rows).items():
                    fields = sorted({key for item in items for key in item})
                    results += evaluate(document, items, context, fields)
        elif table == "coordinator":
            proof = dict(context.proof or {})
            results = evaluate("coordinator", [proof], context, list(proof), **scope)
            if only is None:
                results += evaluate("coordinator.trace", proof.get("traces", []), context)
                results += evaluate("coordinator.step", proof.get("steps", []), context)
        elif table == "agents":  # the agent the suite made, now (the fact `agent row`: as create-agent stored it)
            now = dict(agent or {})
            context.agent_row = dict(agent_before or {})
            results = evaluate("agents", [now], context, list(now))
        elif table == "cli":
            lines = {**(claims or {}).get("lines", {}), "exit_code": (claims or {}).get("exit_code")}
            results = evaluate("cli", [lines], context, **scope)
        else:
            raise ValueError(f"no rules for '{table}'; known: runs, aos_traces, aos_trace_steps, coordinator, cli, agents")
        for result in results:
            logger.info(mask(f"{result.status:11} {result.name}: {result.message or result.rule}"))
        return [result.as_dict() for result in results]

    @keyword
    def queries_for_the_rows_carrying_the_run(self, columns: list, run_id: str, agent_id: str,
                                             agent_made_by_the_suite: bool) -> list[dict]:
        """One counting query per column of the target that can carry this invocation's rows: `run_id` and
        `trace_id` columns (the run's id, its trace `trace_<run id>`), and `agent_id` columns when the suite made the
        agent (a user's AGENT_ID may be shared by other clients: its rows are not this run's to account).

        - `columns`: `(table_name, column_name)` rows of information_schema. Returns `table`, `column`, `value`,
          `sql` (with one `%s` parameter) per query.

        Example: `${queries}=    Queries For The Rows Carrying The Run    ${columns}    ${run}[id]    ${agent}    ${True}`
        """
        values = {"run_id": run_id, "trace_id": f"trace_{run_id}"}
        if agent_made_by_the_suite:
            values["agent_id"] = agent_id
        return [{"table": table, "column": column, "value": values[column],
                 "sql": f"SELECT count(*) FROM {quoted(table)} WHERE {quoted(column)}::text = %s"}
                for table, column in columns if column in values]

    @keyword
    def rows_carrying_the_run_should_be_accounted_for(self, counts: list[dict], step_rows: int, agent_runs: int) -> str:
        """Every row that carries this invocation's run id, trace id or (the suite's own) agent is one the plan's run
        path writes, in the number it writes (contract §4: one trace, one step row per executed step; runs of the
        suite's agent: the proof run and its neighbours); rows of other tables are reported (contract §4: `memories`,
        `provenance`, … are written by a run too).

        - `counts`: the queries with their `rows`; `step_rows`: the run's step rows; `agent_runs`: the runs the suite
          made with its agent. Returns one line per table.

        Example: `${detail}=    Rows Carrying The Run Should Be Accounted For    ${counts}    ${1}    ${3}`
        """
        expected = {("aos_traces", "run_id"): 1, ("aos_traces", "trace_id"): 1, ("aos_trace_steps", "trace_id"): step_rows,
                    ("runs", "agent_id"): agent_runs, ("aos_traces", "agent_id"): agent_runs}
        wrong, lines = [], []
        for count in counts:
            key = (count["table"], count["column"])
            judged = expected.get(key)
            lines.append(f"{count['table']}.{count['column']}: {count['rows']}"
                         + (f" (expected {judged})" if judged is not None else " (reported)"))
            if judged is not None and count["rows"] != judged:
                wrong.append(f"{count['table']}.{count['column']} = {count['value']!r} has {count['rows']} row(s), "
                             f"expected {judged}")
        if wrong:
            raise RuleBroken(one_line(f"rows the invocation left are not accounted for: {'; '.join(wrong)}", 900))
        return "; ".join(lines)

    @keyword
    def select_every_row_as_json(self, table: str) -> str:
        """The query that reads every row of `table` as JSON text (`row_to_json`), for `Effects Should Be Accounted
        For`. Returns the SQL.

        Example: `${sql}=    Select Every Row As JSON    runs`
        """
        return f"SELECT row_to_json(t)::text FROM {quoted(table)} t"

    @keyword
    def table_snapshot(self, rows: dict, keys: list) -> dict:
        """Every table's rows (table → JSON texts) with its primary-key columns, as `Effects Should Be Accounted For`
        compares them.

        - `rows`: table → JSON texts; `keys`: `(table_name, column_name)` rows of the primary keys, in key order.
        - Returns `{"rows": …, "keys": {table: [column, …]}}`.

        Example: `${tables}=    Table Snapshot    ${rows}    ${keys}`
        """
        return {"rows": dict(rows), "keys": {table: [column for name, column in keys if name == table] for table in rows}}

    @keyword
    def effects_should_be_accounted_for(self, before: dict, after: dict, runs: dict, agent: str) -> str:
        """Every effect of the invocation counted (issue 31): the rows of every table after the runs against the
        snapshot taken before them, on the suite's own database. Each row added, changed or removed is one the runs
        made under their keys (contract §4: their runs, traces and steps; rows of other tables that carry a run's
        id, trace id or agent) or a failure naming table, key and columns. The suite's agent is left to its own
        rule (`The Agent Row The CLI Made Holds Every Rule`).

        - `before`, `after`: `rows` (table → JSON texts) and `keys` (table → primary-key columns); `runs`: label →
          run id of every run the suite made (the proof run and its neighbours); `agent`: the suite's agent.
        - Returns one line per table with effects; raises `RuleBroken` naming every effect nobody accounts for.
          Every difference, with its rule and status, is recorded as evidence (`effects`).

        Example: `${detail}=    Effects Should Be Accounted For    ${before}    ${after}    ${runs}    ${agent}`
        """
        lines, wrong, effects = account_for_effects(before, after, runs, agent)
        record_into_the_run_evidence(effects=effects)
        if wrong:
            raise RuleBroken(one_line(f"effects of the runs no rule accounts for: {'; '.join(wrong)}", 900))
        return "; ".join(lines) or "no table changed"

    @keyword
    def every_rule_should_hold(self, results: list[dict], of: str = "") -> str:
        """Fails, in one line, naming every rule that does not hold with its expected and observed values.

        - `results`: from `Judge The Rules Of`; `of`: whose facts they are, when not the proof run's (the message
          names it). Returns how many rules held and how many are not checked.

        Example: `${summary}=    Every Rule Should Hold    ${results}`
        """
        failed = [r["message"] for r in results if r["status"] == "FAIL"]
        if failed:
            raise RuleBroken(one_line(f"{len(failed)} rule(s) broken{f' by {of}' if of else ''}: {'; '.join(failed)}",
                                      900))
        passed = sum(r["status"] == "PASS" for r in results)
        unchecked = sum(r["status"] == "NOT CHECKED" for r in results)
        return f"{passed} rules hold, {unchecked} not checked (each with its reason in the evidence)"


def _current_test() -> str | None:
    try:
        return BuiltIn().get_variable_value("${TEST NAME}")
    except RobotNotRunningError:
        return None


def quoted(identifier: str) -> str:
    """A table or column name from information_schema as an SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def _time(value) -> datetime | None:
    return as_time(value) if value else None
