"""`make bench`: time to evidence — the suite against the bare plan, in one invocation on one machine.

Four variants, interleaved round by round against the same reference backend, throwaway PostgreSQL and agent:
(a) the bare plan (bare_plan.sh), (b) `robot --exclude beyond-plan suites/`, (c) `robot suites/` (with its neighbour
runs), (d) `robot --exclude coordinator-mutations suites/` (the full suite without the five extra pytest runs of
beyond-plan §5) — each under three cost profiles of the reference backend: `fast` (milliseconds), `real`
(REFERENCE_PROFILE=real: each backend process spends, as CPU work, what the real backend's costs offline, contract
§12) and `real-online` (the same with the CLI's http_call answered locally, contract §13: a run about 2 s, the bare
plan about 5.7 s).
For every run it measures the wall time and the CPU seconds of the process and all its children. It reports the
medians, the ratios to the bare plan, the suite's CPU floor on this machine (its CPU seconds ÷ cores: no schedule
can beat it) and its critical path (the steps that must follow each other: the neighbour run before the proof run,
the proof run, the coordinator's answer after it), read from the suite's own timeline in evidence.json.
A benchmark, not a timed test: every figure is a ratio against a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from runproof.target.backend_env import backend_environment  # noqa: E402
from runproof.keywords.coordinator_tests import CoordinatorTests  # noqa: E402
from runproof.target.http_call_answer import HttpCallAnswer  # noqa: E402
from runproof.robot_hooks.robot_command import robot_command, robot_environment  # noqa: E402
from runproof.target.throwaway_postgres import ThrowawayPostgres, migrate  # noqa: E402

TENANT_ID = "6f0c3b8e-4a1d-4e0b-9f3a-2c7d5e8a1b40"
RUN_TIMEOUT = 600
PROFILES = ("fast", "real", "real-online")
REAL_PROFILES = ("real", "real-online")
CORES = os.cpu_count() or 1


def counting_interpreter(folder: Path) -> tuple[Path, Path]:
    """A python that appends a line to a log for every launch, then becomes the real interpreter."""
    log = folder / "launches.log"
    shim = folder / "python"
    shim.write_text(f'#!/bin/sh\necho "$$" >> "{log}"\nexec "{sys.executable}" "$@"\n')
    shim.chmod(0o755)
    return shim, log


def variants(outdir: Path) -> dict[str, list[str]]:
    quiet = ("--console", "none", "--log", "NONE", "--report", "NONE", "--xunit", "NONE")
    return {
        "bare plan": ["bash", str(ROOT / "bench" / "bare_plan.sh")],
        "plan-only suite": robot_command(outdir, None, *quiet, "--exclude", "beyond-plan"),
        "full suite": robot_command(outdir, None, *quiet),
        # The full suite without its own tag's five extra pytest runs (beyond plan §5, on by default).
        "full excl. muts": robot_command(outdir, None, *quiet, "--exclude", "coordinator-mutations"),
    }


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def critical_path(evidence: dict) -> float | None:
    """Seconds of the chain that must follow itself: [earlier neighbour →] proof run → the coordinator's answer."""
    steps = {entry["name"]: entry for entry in evidence.get("timeline") or [] if "ended" in entry}
    if "customer-cli-run" not in steps:
        return None
    chain = sum(steps[name]["seconds"] for name in ("create-agent", "neighbour-earlier", "customer-cli-run") if name in steps)
    probe = steps.get("coordinator-probe")
    return round(chain + (max(0.0, probe["ended"] - steps["customer-cli-run"]["ended"]) if probe else 0.0), 3)


def measure(command: list[str], env: dict[str, str], log: Path, outdir: Path) -> dict:
    log.write_text("")
    (outdir / "evidence.json").unlink(missing_ok=True)
    cpu, started = children_cpu(), time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT)
    wall, cpu = time.perf_counter() - started, children_cpu() - cpu
    if result.returncode != 0:
        raise SystemExit(f"{command[-1]} failed (exit {result.returncode}): {(result.stderr or result.stdout)[-800:]}")
    evidence = json.loads((outdir / "evidence.json").read_text()) if (outdir / "evidence.json").exists() else {}
    return {"wall": round(wall, 3), "cpu": round(cpu, 3), "backend_interpreters": len(log.read_text().split()),
            "critical_path": critical_path(evidence) if command[0] != "bash" else None}


def summary(runs: list[dict]) -> dict:
    median = lambda key: statistics.median(r[key] for r in runs)  # noqa: E731
    paths = [r["critical_path"] for r in runs if r["critical_path"] is not None]
    return {"wall_median": round(median("wall"), 3), "wall_min": min(r["wall"] for r in runs),
            "wall_max": max(r["wall"] for r in runs), "cpu_median": round(median("cpu"), 3),
            "cpu_floor": round(median("cpu") / CORES, 3), "critical_path": round(statistics.median(paths), 3) if paths else None,
            "backend_interpreters": runs[-1]["backend_interpreters"], "runs": runs}


def ac5_added_cost(backend: Path, rounds: int) -> dict:
    """What observing AC5 adds under the real profile: plan §5's literal pytest command against the one the suite
    runs (the observer plugin and coverage.py of the coordinator's modules), interleaved, wall and CPU seconds."""
    library = CoordinatorTests()
    base = backend_environment("postgresql://unused@127.0.0.1/unused", REFERENCE_PROFILE="real")  # needs no database
    literal = [sys.executable, "-m", "pytest", "tests/test_run_introspection_coordinators.py", "-q", "-p", "no:cacheprovider"]
    runs: dict[str, list[dict]] = {"literal": [], "observed": []}
    for _ in range(rounds):
        observed = [sys.executable, *library.coordinator_tests_arguments(str(backend), "tests/test_run_introspection_coordinators.py")]
        for name, command, env in (("literal", literal, base),
                                   ("observed", observed, {**base, "PYTHONPATH": f".:{library.observer_plugin_folder()}"})):
            cpu, started = children_cpu(), time.perf_counter()
            subprocess.run(command, cwd=backend, env=env, capture_output=True, check=True, timeout=RUN_TIMEOUT)
            runs[name].append({"wall": time.perf_counter() - started, "cpu": children_cpu() - cpu})
        shutil.rmtree(Path(observed[observed.index("--runproof-observations") + 1]).parent, ignore_errors=True)
    median = {name: {key: round(statistics.median(r[key] for r in rs), 3) for key in ("wall", "cpu")}
              for name, rs in runs.items()}
    added = {key: round(median["observed"][key] - median["literal"][key], 3) for key in ("wall", "cpu")}
    return {"medians": median, "added": added}


PICTURE_COST = """
import json
import sys
import time
started = time.perf_counter()
import drawsvg  # noqa: F401
from importlib.metadata import version
imported = time.perf_counter()
from runproof.evidence.timeline_picture import render_timeline
from pathlib import Path
render_timeline(json.loads(Path(sys.argv[1]).read_text())["run_timeline"], Path(sys.argv[2]))
print(json.dumps({"library": f"drawsvg {version('drawsvg')}",
                  "import_seconds": round(imported - started, 3), "render_seconds": round(time.perf_counter() - imported, 3)}))
"""


def picture_cost(outdir: Path) -> dict | None:
    """The timeline picture's own cost, in a fresh interpreter (a cold import), on the last run's timeline: paid by
    the evidence writer once, after the last test."""
    evidence = outdir / "evidence.json"
    if not evidence.is_file() or not json.loads(evidence.read_text()).get("run_timeline"):
        return None
    result = subprocess.run([sys.executable, "-c", PICTURE_COST, str(evidence), str(outdir / "bench-timeline.svg")],
                            capture_output=True, text=True,
                            timeout=120)
    return json.loads(result.stdout) if result.returncode == 0 else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=ROOT / "results" / "bench.json")
    parser.add_argument("--ac5-only", action="store_true", help="measure only what observing AC5 adds")
    args = parser.parse_args()
    backend = ROOT / "reference" / "backend"
    ac5 = ac5_added_cost(backend, args.rounds)
    ac5_line = (f"AC5 observed (real profile): plan §5 literal {ac5['medians']['literal']['wall']:.2f} s wall / "
                f"{ac5['medians']['literal']['cpu']:.2f} s CPU, with observer and coverage "
                f"{ac5['medians']['observed']['wall']:.2f} s / {ac5['medians']['observed']['cpu']:.2f} s: "
                f"+{ac5['added']['wall']:.2f} s wall, +{ac5['added']['cpu']:.2f} s CPU")
    print(ac5_line)
    if args.ac5_only:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(json.dumps({"rounds": args.rounds, "ac5_added_cost": ac5}, indent=2) + "\n")
        return 0
    with ThrowawayPostgres(log_statements=True) as postgres, HttpCallAnswer() as http_call_answer, \
            tempfile.TemporaryDirectory(prefix="runproof-bench-") as scratch:
        folder = Path(scratch)
        shim, log = counting_interpreter(folder)
        url = postgres.create_database("bench")
        migrate(url, backend)
        agent = subprocess.run([sys.executable, "-m", "app.hoc.cus.integrations.cus_cli", "create-agent", "--name", "bench"],
                               cwd=backend, env=backend_environment(url), capture_output=True, text=True, check=True,
                               timeout=60).stdout.split(": ")[1].strip()
        outdir = folder / "results"
        commands = variants(outdir)
        runs: dict[str, dict[str, list[dict]]] = {p: {name: [] for name in commands} for p in PROFILES}
        for _ in range(args.rounds):
            for profile in PROFILES:
                env = robot_environment(
                    DATABASE_URL=url, STATEMENT_LOG=str(postgres.log_file), AGENT_ID=agent, TENANT_ID=TENANT_ID,
                    SUT_ROOT=str(ROOT / "reference"), PYTHON=str(shim), BACKEND_PYTHON=str(shim),
                    REFERENCE_HTTP_CALL_URL=http_call_answer.url, REFERENCE_PROFILE=profile if profile in REAL_PROFILES else None)
                for name, command in commands.items():
                    runs[profile][name].append(measure(command, env, log, outdir))
        picture = picture_cost(outdir)
    stats = {profile: {name: summary(r) for name, r in by_variant.items()} for profile, by_variant in runs.items()}
    machine = f"{platform.machine()}, {CORES} cores, Python {platform.python_version()}, {platform.platform()}"
    print(f"{args.rounds} rounds, interleaved; {machine}")
    print(f"{'profile':11} {'variant':16} {'wall':>6} {'min':>6} {'max':>6} {'CPU':>6} {'floor':>6} {'crit.':>6} {'ratio':>6}  interpreters")
    ratios = {}
    for profile, by_variant in stats.items():
        bare = by_variant["bare plan"]["wall_median"]
        for name, s in by_variant.items():
            ratio = s["wall_median"] / bare
            ratios[(profile, name)] = ratio
            path = f"{s['critical_path']:6.2f}" if s["critical_path"] is not None else "     -"
            print(f"{profile:11} {name:16} {s['wall_median']:6.2f} {s['wall_min']:6.2f} {s['wall_max']:6.2f} "
                  f"{s['cpu_median']:6.2f} {s['cpu_floor']:6.2f} {path} {ratio:5.2f}x  {s['backend_interpreters']}")
    if picture:
        print(f"timeline picture: {picture['library']}, import {picture['import_seconds']:.2f}s, "
              f"render {picture['render_seconds']:.2f}s (in the evidence writer, after the last test)")
    of_floor = {profile: stats[profile]["full suite"]["wall_median"] / stats[profile]["full suite"]["cpu_floor"]
                for profile in REAL_PROFILES}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "rounds": args.rounds, "machine": machine, "cores": CORES, "profiles": stats,
        "ratios": {f"{p}/{n}": round(r, 3) for (p, n), r in ratios.items()},
        "full_suite_of_its_floor": {p: round(f, 3) for p, f in of_floor.items()}, "ac5_added_cost": ac5, "timeline_picture": picture}, indent=2) + "\n")
    for profile in REAL_PROFILES:
        print(f"time-to-evidence: plan-only {ratios[(profile, 'plan-only suite')]:.2f}x, "
              f"full {ratios[(profile, 'full suite')]:.2f}x "
              f"(without the coordinator mutations {ratios[(profile, 'full excl. muts')]:.2f}x) of the bare plan ({profile}); "
              f"suite at {of_floor[profile]:.2f}x of its floor")
    print(ac5_line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
