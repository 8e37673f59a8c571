"""No secret reaches an artefact (issue 20): the masking rule itself, then whole suite runs with random canaries.

The runs plant, in the environment a CI job gives the suite, an unrelated token, PGPASSWORD, an API key, cloud
credentials and a service secret, and give DATABASE_URL a password of its own with reserved characters — through
the environment (percent-encoded, a passing run at TRACE), through `-v` (a passing run at TRACE) and through a
variable file with an unencoded `%` and `@` (a URL the backend's driver refuses and echoes). Everything under the
output folder (output.xml, log.html and report.html with their compressed strings decoded, xunit.xml, evidence.md,
evidence.json, anything else) and the console are scanned for every canary and every 6-character fragment of one.
The hostile cases (tests/test_hostile.py) and the interrupted runs (tests/test_interruptions.py) plant and scan the
environment's canaries in their own runs, so every suite run the tests make is a leak test.
"""

from __future__ import annotations

import contextlib
from urllib.parse import quote

import psycopg2
import pytest
from psycopg2 import sql

from runproof.evidence import masking
from runproof.target.backend_env import BackendEnvironment
from canaries import assert_no_leak, canary, environment_canaries, leaks
from test_hostile import base, run_suite, sut  # noqa: F401 — fixtures and the hostile runner, reused

TRACE = ("--loglevel", "TRACE", "--console", "verbose")


@pytest.fixture
def registry():
    """An empty masking registry for one test, the process's own restored afterwards."""
    saved = set(masking._windows), set(masking._whole)
    masking.forget_all()
    yield masking
    masking.forget_all()
    masking._windows.update(saved[0])
    masking._whole.update(saved[1])


# --- the rule --------------------------------------------------------------------------------------------------
def test_every_form_and_every_fragment_of_a_secret_is_masked(registry):
    secret = "Kq7@pw/Zr:xV%9tH"
    registry.register(secret)
    for text in (secret, quote(secret, safe=""), quote(secret), f'token: "{secret[5:]}@127.0.0.1:5432"',
                 f"…{secret[:7]}…", f"tail {secret[-6:]} end"):
        masked = registry.mask(text)
        assert not leaks({"text": masked}, [secret]), f"{text!r} became {masked!r}"
    assert registry.mask(f"before {secret} after") == "before *** after"
    assert registry.mask("nothing of it here") == "nothing of it here"


def test_a_url_is_masked_by_its_password_never_as_a_whole(registry):
    registry.register("postgresql://qa:s3cr%40t%2Fpw@db.example:5433/nova")
    assert registry.mask("postgresql://qa:s3cr%40t%2Fpw@db.example:5433/nova") == "postgresql://qa:***@db.example:5433/nova"
    assert registry.mask("password s3cr@t/pw") == "password ***"
    assert registry.mask("postgresql://other:pw@host/db") == "postgresql://other:pw@host/db"


def test_a_url_libpq_refuses_is_masked_between_the_scheme_and_the_last_at(registry):
    url = "postgresql://qa:Wx%zzTq@Pr7mKv@127.0.0.1:5999/db"
    registry.register(url)
    echoed = 'invalid dsn: invalid percent-encoded token: "Wx%zzTq"'
    assert registry.mask(echoed) == 'invalid dsn: invalid percent-encoded token: "***"'
    assert registry.mask(url) == "postgresql://***@127.0.0.1:5999/db"
    misread = "postgresql://qa:Wx@qq%zzTqPr7mKv@127.0.0.1:5999/db"  # libpq ends the user info at the first @
    registry.register(misread)
    assert registry.mask('token: "qq%zzTqPr7mKv@127.0.0.1"') == 'token: "***@127.0.0.1"'


def test_short_values_are_masked_whole_and_words_are_not_secrets(registry):
    registry.register_environment({"SOME_KEY": "true", "PGPASSWORD": "pw9", "PATH": "/usr/bin", "X_TOKEN": "1"})
    assert registry.mask("pw9 is true for /usr/bin and 1") == "*** is true for /usr/bin and 1"


def test_the_environment_registers_secret_names_and_url_passwords(registry):
    registry.register_environment({"CI_JOB_TOKEN": "GhTkMzQwRtY", "HTTPS_PROXY": "http://me:PrXyPw99@proxy:3128",
                                   "HOME": "/root/somewhere"})
    assert registry.mask("GhTkMzQwRtY http://me:PrXyPw99@proxy:3128 /root/somewhere") == (
        "*** http://me:***@proxy:3128 /root/somewhere")


def test_the_backend_environment_prints_only_the_plans_assignments(registry):
    token = canary()
    env = BackendEnvironment({"CI_JOB_TOKEN": token, "PYTHONPATH": ".", "USE_POSTGRES_TRACES": "true",
                              "DATABASE_URL": "postgresql://qa:Pw%40dZk9x@h:5/db"})
    shown = repr(env)
    assert shown == ("<PYTHONPATH=. USE_POSTGRES_TRACES=true DATABASE_URL='postgresql://qa:***@h:5/db' "
                     "and 1 inherited variable, not shown>"), shown
    assert str(env) == shown and "CI_JOB_TOKEN" not in shown
    assert env.variables["CI_JOB_TOKEN"] == token  # the backend still inherits it


def test_the_scan_finds_a_fragment_in_a_compressed_string(tmp_path):
    import base64
    import zlib

    secret = canary()
    hidden = base64.b64encode(zlib.compress(f"long text … {secret[3:10]} …".encode())).decode()
    (tmp_path / "log.html").write_text(f'window.output["strings"] = window.output["strings"].concat(["*plain", "{hidden}"]);')
    with pytest.raises(AssertionError, match="log.html"):
        assert_no_leak(tmp_path, [secret])


# --- whole runs --------------------------------------------------------------------------------------------------
def canary_password() -> str:
    """A database password with the characters a URL reserves, each of which a careless parser splits on."""
    return f"{canary(8)}@%/{canary(8)}:#?&=+{canary(8)}"


def canary_role(database_url: str, password: str) -> str:
    """A login role with `password` on the test's migrated database; returns its user name."""
    user = f"canary_{canary(8).lower()}"
    with contextlib.closing(psycopg2.connect(database_url)) as conn:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql.SQL("CREATE ROLE {} LOGIN SUPERUSER PASSWORD {}").format(sql.Identifier(user),
                                                                                      sql.Literal(password)))
    return user


def url_for(database_url: str, user: str, password: str) -> str:
    where = database_url.rsplit("@", 1)[1]
    return f"postgresql://{user}:{password}@{where}"


@pytest.mark.suite_run
@pytest.mark.parametrize("given", ["environment", "command line"])
def test_a_passing_run_at_trace_leaks_nothing(tmp_path, base, database_url, given):  # noqa: F811
    planted = environment_canaries()
    password = canary_password()
    url = url_for(database_url, canary_role(database_url, password), quote(password, safe=""))
    where = {"env": {"DATABASE_URL": url}} if given == "environment" else {"variables": {"DATABASE_URL": url}}
    run = run_suite(tmp_path, env={**planted, **where.get("env", {})}, options=TRACE,
                    variables={**base["variables"], **where.get("variables", {})})
    assert run.rc == 0, [f"{t.name}: {t.message}" for t in run.tests if t.status != "PASS"]
    assert "level=\"TRACE\"" in (run.outdir / "output.xml").read_text()
    assert_no_leak(run.outdir, [*planted.values(), password], console=run.stdout + run.stderr)


@pytest.mark.suite_run
def test_a_url_the_backends_driver_refuses_leaks_nothing(tmp_path, base, database_url):  # noqa: F811
    """An unencoded `@` and `%` in the password, given in a variable file: the suite reads the URL as a URL parser
    does (the password ends at the last `@`), libpq (the backend's driver) ends the user info at the first `@` and
    refuses the `%zz` of what it takes for the host, echoing the password's tail: `"<tail>@127.0.0.1"`."""
    planted = environment_canaries()
    password = f"{canary(8)}@{canary(8)}%zz{canary(8)}"  # libpq: password up to the @, then a host with %zz in it
    url = url_for(database_url, canary_role(database_url, password), password)
    variable_file = tmp_path / "canary_variables.py"
    variable_file.write_text(f"DATABASE_URL = {url!r}\n")
    run = run_suite(tmp_path, env=planted, variables=base["variables"],
                    options=(*TRACE, "--variablefile", str(variable_file)))
    assert run.rc != 0, "a URL the backend's driver refuses cannot pass"
    failed = [t for t in run.tests if t.status == "FAIL"]
    # Refused in §0 before any backend process (the suite's own rule on a second '@'), or masked where echoed.
    messages = " ".join(t.message for t in failed)
    assert failed and ("'@' before the host" in messages or "***" in messages), [t.message for t in failed]
    assert_no_leak(run.outdir, [*planted.values(), password], console=run.stdout + run.stderr)
