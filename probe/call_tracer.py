"""Runs a module as `python -m` would, and records whether the named functions executed and through which calls.

Runs inside the backend's interpreter, passed on the command line in front of the product's own module:

    python probe/call_tracer.py --record FILE --watch MODULE:QUALNAME ... -m app.hoc.cus.integrations.cus_cli run ...

No file of the backend changes and no object of it is replaced: `sys.setprofile` (and `threading.setprofile`, for
threads) only observes. It is chosen over `sys.monitoring` because the backend's Python may be 3.11, and over
coverage.py's dynamic contexts because those record lines per context, not the chain of calls that reached a function.
The profile function does one set lookup per call event and walks the stack only on a watched function's first call,
so its cost stays small next to the backend's own (C-heavy) work.

FILE gets JSON when the module ends, however it ends: `{"watched": {"MODULE:QUALNAME": {"calls": n, "chain":
["module:qualname", ...]}}, "exit": code}` — `chain` is the stack of the first call, outermost first, without the
tracer's own and runpy's frames.
"""

from __future__ import annotations

import argparse
import json
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
        for wanted_module, function, name in candidates:
            if module == wanted_module and qualname(frame.f_code) == function:
                entry = watched[name]
                entry["calls"] += 1
                if entry["calls"] == 1:
                    entry["chain"] = stack_of(frame)

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
    threading.setprofile(profile)
    sys.setprofile(profile)
    try:
        runpy.run_module(args.module, run_name="__main__", alter_sys=True)
    except SystemExit as done:
        exit_code = done.code
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
        with open(args.record, "w") as record:
            json.dump({"module": args.module, "watched": watched, "exit": exit_code if isinstance(exit_code, int)
                       else (0 if exit_code is None else 1)}, record, indent=2)
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
