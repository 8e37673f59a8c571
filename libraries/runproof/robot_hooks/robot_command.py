"""The one way this project starts the suite as a process: the matrix, the hostile tests, the interruption tests
and the benchmark all build their command line here, with the same argument file as `make run`."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from runproof import CHECKOUT as ROOT
ARGUMENT_FILE = ROOT / "robot.args"


def robot_command(outdir: Path | str, variables: Mapping[str, str] | None = None, *options: str,
                  suites: Path | str = ROOT / "suites", python: str = sys.executable) -> list[str]:
    """`python -m robot --argumentfile robot.args --outputdir OUTDIR -v NAME:value ... OPTIONS SUITES`."""
    command = [python, "-m", "robot", "--argumentfile", str(ARGUMENT_FILE), "--outputdir", str(outdir)]
    for name, value in (variables or {}).items():
        command += ["-v", f"{name}:{value}"]
    return [*command, *options, str(suites)]


def robot_environment(base: Mapping[str, str] | None = None, **overrides: str | None) -> dict[str, str]:
    """The environment for a suite process: ROBOT_OPTIONS removed (the command line says it all); None removes."""
    env = {k: v for k, v in (os.environ if base is None else base).items() if k != "ROBOT_OPTIONS"}
    for name, value in overrides.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env
