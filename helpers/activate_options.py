"""The line `make setup` appends to .venv/bin/activate: ROBOT_OPTIONS naming robot.args, quoted twice over.

Robot Framework splits ROBOT_OPTIONS as a shell would, without backslash escapes (robot.utils.argumentparser's
cmdline2list: shlex, posix, quotes only), so a checkout path with spaces must be quoted inside the value; and the
value itself must be one shell word in activate. A path holding both quote characters cannot be written; it is named.
"""

from __future__ import annotations

import shlex
import sys


def activate_line(argument_file: str) -> str:
    if "'" in argument_file and '"' in argument_file:
        raise SystemExit(f"cannot name {argument_file} in ROBOT_OPTIONS: it holds both ' and \" — use `make run`")
    quote = '"' if "'" in argument_file else "'"
    return f"export ROBOT_OPTIONS={shlex.quote(f'--argumentfile {quote}{argument_file}{quote}')}"


if __name__ == "__main__":
    print(activate_line(sys.argv[1]))
