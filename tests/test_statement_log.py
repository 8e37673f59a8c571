"""The statement log read whatever its format, from logs a real PostgreSQL wrote: any log_line_prefix (Debian's
included), stderr, csvlog, jsonlog, a statement over several lines. A log that cannot show the order is "not
observed: <why>", never a verdict on the backend and never "observed"."""

from __future__ import annotations

import contextlib
from pathlib import Path

import psycopg2
import pytest

from runproof.keywords.statement_log import StatementLog, read_log
from runproof.target.throwaway_postgres import ThrowawayPostgres

RUN = "5b1f0a52-run"
DEBIAN = "%m [%p] %q%u@%d "
SCHEMA = "CREATE TABLE runs (id text PRIMARY KEY, plan_json text); CREATE TABLE aos_traces (trace_id text, run_id text)"


def the_run_writes(url: str, run_id: str = RUN, plan_first: bool = True, session_setting: str = "") -> None:
    """What the CLI and the runner write, in two sessions: the run and its plan (the plan over two lines), then the
    trace — or, with plan_first=False, the trace before the plan is committed."""
    with contextlib.closing(psycopg2.connect(url)) as cli, contextlib.closing(psycopg2.connect(url)) as runner:
        for connection in (cli, runner):
            if session_setting:
                with connection.cursor() as cur:
                    cur.execute(session_setting)
                connection.commit()
        with cli.cursor() as cur:
            cur.execute("INSERT INTO runs (id) VALUES (%s)", (run_id,))
        cli.commit()
        with cli.cursor() as cur:
            cur.execute("UPDATE runs SET plan_json = %s\nWHERE id = %s", ('{"steps": [\n  {"skill": "http_call"}]}', run_id))
        if not plan_first:
            with runner.cursor() as cur:
                cur.execute("INSERT INTO aos_traces (trace_id, run_id) VALUES (%s, %s)", (f"trace_{run_id}", run_id))
            runner.commit()
        cli.commit()
        if plan_first:
            with runner.cursor() as cur:
                cur.execute("INSERT INTO aos_traces (trace_id, run_id) VALUES (%s, %s)", (f"trace_{run_id}", run_id))
            runner.commit()


@contextlib.contextmanager
def logging_server(prefix: str, destinations: str = "stderr"):
    settings = {"log_statement": "all", "log_line_prefix": prefix, "logging_collector": "on",
                "log_directory": "log", "log_filename": "pg.log", "log_destination": destinations}
    with ThrowawayPostgres(settings=settings) as server:
        url = server.create_database("app")
        with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
            cur.execute(SCHEMA)
            conn.commit()
        yield server, url, server.dir / "data" / "log"


def observe(log: Path, run_id: str = RUN) -> dict:
    return StatementLog().order_of_the_plan_and_trace_writes(str(log), run_id)


def settle(server: ThrowawayPostgres) -> None:
    """The logging collector writes asynchronously: a query after the run's writes, then a reload, flushes it."""
    with contextlib.closing(psycopg2.connect(server.url())) as conn, conn.cursor() as cur:
        cur.execute("SELECT pg_reload_conf()")
        cur.execute("SELECT pg_sleep(0.3)")


@pytest.fixture(scope="module")
def debian_logs():
    """A server with Debian's default prefix writing stderr, csvlog and jsonlog at once."""
    with logging_server(DEBIAN, "stderr,csvlog,jsonlog") as (server, url, logs):
        the_run_writes(url)
        the_run_writes(url, run_id="ddl-run", session_setting="SET log_statement = 'ddl'")
        the_run_writes(url, run_id="late-run", plan_first=False)
        settle(server)
        yield logs


@pytest.mark.parametrize("name", ["pg.log", "pg.csv", "pg.json"])
def test_every_format_of_a_debian_server_shows_the_plan_committed_before_the_trace(debian_logs, name):
    log = debian_logs / name
    assert read_log(log.read_text()).format == {"pg.log": "stderr", "pg.csv": "csvlog", "pg.json": "jsonlog"}[name]
    order = observe(log)
    assert order["how"] == "observed", order
    assert order["detail"].startswith("plan_json stored at log line") and "(INSERT INTO aos_traces)" in order["detail"]


@pytest.mark.parametrize("name", ["pg.log", "pg.csv", "pg.json"])
def test_every_format_shows_a_plan_committed_after_the_trace(debian_logs, name):
    with pytest.raises(AssertionError, match="runs.plan_json for run late-run was stored after execution began"):
        observe(debian_logs / name, "late-run")


def test_the_multi_line_statement_is_read_whole(debian_logs):
    statements = read_log((debian_logs / "pg.log").read_text()).statements
    plan = next(s for s in statements if s.text.startswith("UPDATE runs") and RUN in s.text)
    assert '"skill": "http_call"' in plan.text and f"WHERE id = '{RUN}'" in plan.text


def test_a_session_logging_only_ddl_is_not_observed_and_not_failed(debian_logs):
    order = observe(debian_logs / "pg.log", "ddl-run")
    assert order["how"] == "not observed"
    assert order["detail"].startswith("not observed: the statement log") and "none of run ddl-run" in order["detail"]
    assert "log_statement is 'ddl'" in order["detail"]


@pytest.mark.parametrize("prefix", ["%t:%r:%u@%d:[%p]: ", "%m %c ", "%m [%p-%l] "])
def test_other_prefixes_with_a_process_or_session_id_are_read(prefix):
    with logging_server(prefix) as (server, url, logs):
        the_run_writes(url)
        settle(server)
        assert observe(logs / "pg.log")["how"] == "observed"


def test_a_prefix_without_a_process_or_session_id_is_not_observed():
    with logging_server("%m ") as (server, url, logs):
        the_run_writes(url)
        settle(server)
        order = observe(logs / "pg.log")
    assert order["how"] == "not observed" and "no process or session id" in order["detail"], order


def test_a_missing_log_and_a_log_of_nothing_are_not_observed(tmp_path):
    assert observe(tmp_path / "nowhere.log")["detail"].startswith(
        f"not observed: the statement log {tmp_path / 'nowhere.log'} does not exist")
    empty = tmp_path / "startup.log"
    empty.write_text("2026-11-29 12:40:01.123 UTC [42] LOG:  database system is ready to accept connections\n")
    assert "holds no statement at all" in observe(empty)["detail"]


def test_a_log_of_writes_only_shows_no_commit_and_is_not_observed(tmp_path):
    log = tmp_path / "mod.log"
    log.write_text(f"2026-11-29 12:40:01.123 UTC [42] u@d LOG:  statement: UPDATE runs SET plan_json = "
                   f"'{{\"steps\": []}}' WHERE id = '{RUN}'\n"
                   f"2026-11-29 12:40:01.200 UTC [43] u@d LOG:  statement: INSERT INTO aos_traces VALUES ('trace_{RUN}')\n")
    order = observe(log)
    assert order["how"] == "not observed" and "no BEGIN or COMMIT" in order["detail"]


# --- the run's inputs written by its insert (plan §2, contract §1) ---------------------------------------------------
def test_an_input_set_again_after_the_insert_fails_naming_the_line_and_column(tmp_path):
    with logging_server(DEBIAN) as (server, url, folder):
        with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
            cur.execute("ALTER TABLE runs ADD COLUMN origin_system_id text, ADD COLUMN status text")
            conn.commit()
        the_run_writes(url)
        with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
            cur.execute("UPDATE runs SET status = %s, plan_json = %s WHERE id = %s",
                        ("succeeded", "{'note': 'x', origin_system_id = 1}", RUN))
            conn.commit()
        settle(server)
        log = next(folder.iterdir())
        assert StatementLog().run_inputs_should_be_written_by_its_insert(str(log), RUN).startswith(
            "agent_id, goal, tenant_id, origin_system_id written by the run's insert")
        with contextlib.closing(psycopg2.connect(url)) as conn, conn.cursor() as cur:
            cur.execute("UPDATE runs SET origin_system_id = %s WHERE id = %s", ("run-proof-v4", RUN))
            conn.commit()
        settle(server)
        with pytest.raises(AssertionError, match=r"after its insert, log line \d+ sets origin_system_id \(UPDATE runs"):
            StatementLog().run_inputs_should_be_written_by_its_insert(str(log), RUN)


def test_without_a_readable_log_the_inputs_are_not_observed(tmp_path):
    said = StatementLog().run_inputs_should_be_written_by_its_insert(str(tmp_path / "none.log"), RUN)
    assert said.startswith("not observed: ")
