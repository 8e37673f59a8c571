"""`make bench`: time to evidence, the suite against the bare plan, in one invocation on one machine.

Three variants, interleaved round by round against the same reference backend, throwaway PostgreSQL and agent:
(a) the bare plan (bare_plan.sh), (b) `robot --exclude beyond-plan suites/`, (c) `robot suites/`.
It reports min/median/max wall time of each, the ratios b/a and c/a of the medians, and how many backend
interpreter processes each starts (counted by a shim interpreter that logs every launch). Not a timed test:
the numbers are ratios against the baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "libraries"))

from local_http_target import LocalHttpTarget  # noqa: E402
from throwaway_postgres import ThrowawayPostgres, migrate  # noqa: E402

TENANT_ID = "6f0c3b8e-4a1d-4e0b-9f3a-2c7d5e8a1b40"
RUN_TIMEOUT = 300


def counting_interpreter(folder: Path) -> tuple[Path, Path]:
    """A python that appends a line to a log for every launch, then becomes the real interpreter."""
    log = folder / "launches.log"
    shim = folder / "python"
    shim.write_text(f'#!/bin/sh\necho "$$" >> "{log}"\nexec "{sys.executable}" "$@"\n')
    shim.chmod(0o755)
    return shim, log


def variants(outdir: Path) -> dict[str, list[str]]:
    robot = [sys.executable, "-m", "robot", "--outputdir", str(outdir), "--console", "none"]
    return {
        "bare plan": ["bash", str(ROOT / "bench" / "bare_plan.sh")],
        "plan-only suite": [*robot, "--exclude", "beyond-plan", str(ROOT / "suites")],
        "full suite": [*robot, str(ROOT / "suites")],
    }


def timed(command: list[str], env: dict[str, str], log: Path) -> tuple[float, int]:
    log.write_text("")
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{command[-1]} failed (exit {result.returncode}): {(result.stderr or result.stdout)[-500:]}")
    return seconds, len(log.read_text().split())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--output", type=Path, default=ROOT / "results" / "bench.json")
    args = parser.parse_args()
    with ThrowawayPostgres() as postgres, LocalHttpTarget() as http_target, \
            tempfile.TemporaryDirectory(prefix="runproof-bench-") as scratch:
        folder = Path(scratch)
        shim, log = counting_interpreter(folder)
        backend = ROOT / "reference" / "backend"
        url = postgres.create_database("bench")
        migrate(url, backend)
        base_env = {k: v for k, v in os.environ.items() if k not in ("ROBOT_OPTIONS", "USE_POSTGRES_TRACES")}
        agent = subprocess.run([sys.executable, "-m", "app.hoc.cus.integrations.cus_cli", "create-agent", "--name", "bench"],
                               cwd=backend, env={**base_env, "PYTHONPATH": ".", "DATABASE_URL": url},
                               capture_output=True, text=True, check=True, timeout=60).stdout.split(": ")[1].strip()
        env = {**base_env, "DATABASE_URL": url, "AGENT_ID": agent, "TENANT_ID": TENANT_ID,
               "SUT_ROOT": str(ROOT / "reference"), "PYTHON": str(shim), "BACKEND_PYTHON": str(shim),
               "REFERENCE_HTTP_CALL_URL": http_target.url, "SQLITE_TRACE_FILE": str(folder / "traces.db")}
        commands = variants(folder / "results")
        times: dict[str, list[float]] = {name: [] for name in commands}
        launches: dict[str, int] = {}
        for _ in range(args.rounds):
            for name, command in commands.items():
                seconds, launches[name] = timed(command, env, log)
                times[name].append(seconds)
    stats = {name: {"min": min(t), "median": statistics.median(t), "max": max(t), "runs": t,
                    "backend_interpreters": launches[name]} for name, t in times.items()}
    base = stats["bare plan"]["median"]
    plan_only = stats["plan-only suite"]["median"] / base
    full = stats["full suite"]["median"] / base
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}"
    print(f"{'variant':18} {'min':>7} {'median':>7} {'max':>7}  backend interpreters   ({args.rounds} rounds, {machine})")
    for name, s in stats.items():
        print(f"{name:18} {s['min']:7.2f} {s['median']:7.2f} {s['max']:7.2f}  {s['backend_interpreters']}")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"rounds": args.rounds, "machine": machine, "variants": stats,
                                       "ratio_plan_only": round(plan_only, 3), "ratio_full": round(full, 3)}, indent=2))
    print(f"time-to-evidence: plan-only {plan_only:.2f}x, full {full:.2f}x of the bare plan")
    return 0


if __name__ == "__main__":
    sys.exit(main())
