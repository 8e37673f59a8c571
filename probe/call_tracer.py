"""Runs a module as `python -m` would, and records whether the named functions executed and through which calls.

Runs inside the backend's interpreter, passed on the command line in front of the product's own module:

    python probe/call_tracer.py --record FILE --watch MODULE:QUALNAME ... -m app.hoc.cus.integrations.cus_cli run ...

No file of the backend changes and no object of the backend is replaced; the tracer only observes, with
`sys.setprofile` (and `threading.setprofile`): the real backend runs Python 3.11, which has no `sys.monitoring`
(and no 3.12 was at hand to test a second implementation). A profile function costs one Python call per call event,
so it is switched off while a module is being imported — module bodies run at import time, not on the command's
path — by a wrapper around `builtins.__import__`. coverage.py's dynamic contexts were not used: they record lines per
context, not the chain of calls that reached a function.

The interpreter starts cold with its whole command line, as `python -m MODULE ARG ...` would: nothing is imported
before the module runs.

FILE gets JSON on each watched function's first call and when the module ends, however it ends (`exit` is null
while it runs, so a process killed at its timeout still leaves what it saw): `{"watched": {"MODULE:QUALNAME": {"calls": n, "chain":
["module:qualname", ...]}}, "exit": code}` — `chain` is the stack of the first call, outermost first, without the
tracer's own and runpy's frames.
"""

from __future__ import annotations

import argparse
import builtins
import json
import os
import runpy
import sys
import threading

HIDDEN_MODULES = {"runpy"}


def qualname(code) -> str:
    return getattr(code, "co_qualname", code.co_name)  # co_qualname: Python 3.11+


def main() -> None:
    # Split at -m by hand: everything after the module is the product's own command line, which argparse must not
    # read (it would take `--re` for `--record`).
    if "-m" not in sys.argv[1:-1]:
        sys.exit("usage: call_tracer.py --record FILE [--watch MODULE:QUALNAME ...] -m MODULE [ARG ...]")
    split = sys.argv.index("-m", 1)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", required=True)
    parser.add_argument("--watch", action="append", default=[], help="MODULE:QUALNAME, e.g. app.x.runner:RunRunner.run")
    args = parser.parse_args(sys.argv[1:split])
    args.module, rest = sys.argv[split + 1], sys.argv[split + 2:]
    sys.path[0] = os.getcwd()  # as `python -m` does: the working directory, not this file's folder, comes first

    watched = {name: {"calls": 0, "chain": []} for name in args.watch}
    by_name: dict[str, list[tuple[str, str, str]]] = {}
    for name in args.watch:
        module, _, function = name.partition(":")
        by_name.setdefault(function.rsplit(".", 1)[-1], []).append((module, function, name))

    def profile(frame, event, _arg):
        if event != "call":
            return
        candidates = by_name.get(frame.f_code.co_name)
        if not candidates:
            return
        module = frame.f_globals.get("__name__", "")
        module = args.module if module == "__main__" else module
        for wanted_module, function, name in candidates:
            if module == wanted_module and qualname(frame.f_code) == function:
                entry = watched[name]
                entry["calls"] += 1
                if entry["calls"] == 1:
                    entry["chain"] = stack_of(frame)
                    save(None)  # kept even if the process is killed later (a CLI that hangs)

    def save(exit_code) -> None:
        with open(args.record, "w") as record:
            json.dump({"module": args.module, "watched": watched, "exit": exit_code}, record, indent=2)

    def stack_of(frame) -> list[str]:
        chain = []
        while frame is not None:
            module = frame.f_globals.get("__name__", "")
            if frame.f_code.co_filename != __file__ and module not in HIDDEN_MODULES:
                shown = args.module if module == "__main__" else module  # the product's module, run as __main__
                chain.append(f"{shown}:{qualname(frame.f_code)}")
            frame = frame.f_back
        return chain[::-1]

    exit_code: object = 0
    sys.argv = [args.module, *rest]
    stop = start_profile(profile)
    try:
        runpy.run_module(args.module, run_name="__main__", alter_sys=True)
    except SystemExit as done:
        exit_code = done.code
    except BaseException:
        exit_code = 1  # an uncaught exception: Python prints it and exits 1, as after `python -m`
        raise
    finally:
        stop()
        save(exit_code if isinstance(exit_code, int) else (0 if exit_code is None else 1))
    sys.exit(exit_code)


def start_profile(profile):
    """sys.setprofile for every thread, off while a module is being imported. Returns the function that stops it."""
    real_import = builtins.__import__
    depth = threading.local()

    def importing(*args, **kwargs):
        level = getattr(depth, "n", 0)
        if level == 0:
            sys.setprofile(None)
        depth.n = level + 1
        try:
            return real_import(*args, **kwargs)
        finally:
            depth.n = level
            if level == 0:
                sys.setprofile(profile)

    builtins.__import__ = importing
    threading.setprofile(profile)
    sys.setprofile(profile)

    def stop() -> None:
        sys.setprofile(None)
        threading.setprofile(None)
        builtins.__import__ = real_import

    return stop


if __name__ == "__main__":
    main()
