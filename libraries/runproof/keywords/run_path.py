"""Plan §1's "plan generation via generate_plan_for_run" and "execution via RunRunner", observed in a real run.

One of the suite's own CLI runs — the earlier neighbour, so that the proof run stays exactly as the plan writes it —
runs under `probe/call_tracer.py`, a bootstrap given on the command line in front of the product's module: no file of
the backend changes. The tracer records whether each watched function executed and the chain of calls that reached
it; the tests beyond the plan read that record. The syntax tree (§1) can only support this; the trace decides.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from robot.api import logger
from robot.api.deco import keyword, library

from runproof import DOC_FORMAT, PROBE_DIR, VERSION
from runproof.target.reaper import Reaper

TRACER = PROBE_DIR / "call_tracer.py"
# The functions plan §0 names, where it says they live.
WATCHED = {
    "generate_plan_for_run": "app.hoc.cus.policies.L5_engines.plan_generation:generate_plan_for_run",
    "RunRunner": "app.hoc.int.worker.runner:RunRunner.run",
}


def short(frame: str) -> str:
    """`app.hoc.int.worker.runner:RunRunner.run` → `runner:RunRunner.run`."""
    module, _, function = frame.partition(":")
    return f"{module.rsplit('.', 1)[-1]}:{function}"


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class RunPath:
    """Runs a CLI run under the call tracer and judges the path it took."""

    def __init__(self) -> None:
        self._folder = ""

    @keyword
    def call_tracer_arguments(self) -> list[str]:
        """The arguments that put the call tracer in front of `-m <module> …` on a backend command line: a cold
        interpreter that runs the module as `python -m` would, observing which watched functions execute.

        Returns e.g. `[…/probe/call_tracer.py, --record, /tmp/…/path.json, --watch, …]`; the caller appends `-m`.

        Example: `${tracer}=    Call Tracer Arguments`
        """
        self._folder = Reaper.shared().temporary_folder("runproof-path-")  # removed also when never read
        arguments = [str(TRACER), "--record", str(Path(self._folder) / "path.json")]
        for target in WATCHED.values():
            arguments += ["--watch", target]
        return arguments

    @keyword
    def the_observed_run_path(self) -> dict:
        """What the tracer recorded of the traced run: `watched` (per function: `calls`, `chain`) and `exit`, or
        `error` when it recorded nothing (the process died before the end, or was never traced). The record's
        folder is removed.

        Example: `${path}=    The Observed Run Path`
        """
        if not self._folder:
            return {"error": "no run was traced"}
        record = Path(self._folder) / "path.json"
        try:
            path = json.loads(record.read_text())
        except (OSError, ValueError) as exc:
            path = {"error": f"the call tracer left no record ({type(exc).__name__})"}
        shutil.rmtree(self._folder, ignore_errors=True)
        self._folder = ""
        logger.info(f"observed run path: {json.dumps(path, indent=2)}")
        return path

    @keyword
    def call_should_have_executed_on_the_run_path(self, path: dict, name: str, run: str = "the traced run") -> str:
        """`name` (`generate_plan_for_run` or `RunRunner`) executed in the traced run of `cus_cli run`.

        Given `path` — from `The Observed Run Path`; `run` — which run was traced, for the messages.
        Returns the observed chain, e.g. `cus_cli:main → cus_cli:_dispatch → … → plan_generation:generate_plan_for_run
        (1 call)`.

        Example: `${chain}=    Call Should Have Executed On The Run Path    ${path}    generate_plan_for_run`
        """
        target = WATCHED[name]
        if "error" in path:
            raise AssertionError(f"the path of {run} was not observed: {path['error']}")
        seen = path.get("watched", {}).get(target, {})
        if not seen.get("calls"):
            ended = "it did not finish" if path.get("exit") is None else f"exit {path.get('exit')}"
            raise AssertionError(f"{target.replace(':', '.')} never executed in {run} of `{path.get('module')} run` "
                                 f"({ended}), traced by probe/call_tracer.py: the run took another path")
        chain = " → ".join(short(frame) for frame in seen["chain"])
        logger.info(f"{name}: {chain}")
        return f"{chain} ({seen['calls']} call{'s' if seen['calls'] != 1 else ''})"
