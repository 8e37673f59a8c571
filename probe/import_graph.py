"""Imports one module in the backend's interpreter and prints, as JSON, the graph of imports that happened: which
module imported which, and whether the forbidden modules were among them and through which chain.

    python probe/import_graph.py MODULE [FORBIDDEN ...]

Runs from backend/ with PYTHONPATH=. like every backend process. A finder at the front of sys.meta_path only
observes (it never finds anything itself): for each module being imported it notes the module whose code asked for
it, read from the stack. Prints `{"module", "imported": [...], "edges": {module: importer}, "forbidden":
{name: chain or null}, "error"}` on one line; exit 0 even when the import fails (the error is reported).
"""

from __future__ import annotations

import importlib
import json
import sys

IMPORT_MACHINERY = ("importlib", "_frozen_importlib", "_frozen_importlib_external")


class Observer:
    def __init__(self) -> None:
        self.edges: dict[str, str] = {}

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.edges:
            frame = sys._getframe(1)
            while frame is not None and (frame.f_globals.get("__name__", "").startswith(IMPORT_MACHINERY)
                                         or frame.f_code.co_filename == __file__):
                frame = frame.f_back
            self.edges[fullname] = frame.f_globals.get("__name__", "?") if frame is not None else "?"
        return None


def chain(edges: dict[str, str], module: str, root: str) -> list[str]:
    found = [module]
    while found[0] != root and found[0] in edges and edges[found[0]] not in found:
        found.insert(0, edges[found[0]])
    return found


def main() -> None:
    module, forbidden = sys.argv[1], sys.argv[2:]
    before = set(sys.modules)
    observer = Observer()
    sys.meta_path.insert(0, observer)
    error = None
    try:
        importlib.import_module(module)
    except BaseException as exc:  # noqa: BLE001 — a failing import is reported, not raised
        error = f"{type(exc).__name__}: {exc}"
    finally:
        sys.meta_path.remove(observer)
    imported = sorted(set(sys.modules) - before)
    edges = {name: importer if importer != "__main__" else module for name, importer in observer.edges.items()}
    print(json.dumps({
        "module": module, "imported": imported, "edges": edges, "error": error,
        "forbidden": {name: chain(edges, name, module) if name in sys.modules and name not in before else None
                      for name in forbidden},
    }))


if __name__ == "__main__":
    main()
