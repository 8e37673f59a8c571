"""Plan §5 observed at the source: a pytest plugin of the suite's own, loaded into the backend's pytest with
`-p runproof_pytest_observer` (probe/ on PYTHONPATH). Standard library and pytest only; it imports nothing of the
backend, and coverage.py only when asked to measure.

pytest's closing line is the backend's report of itself, and the backend owns pytest's configuration (conftest.py,
plugins, collection rules). This plugin records, for the suite to judge (libraries/runproof/keywords/coordinator_tests.py):
- every collected item, every deselected one, collection errors and collection warnings (a class pytest refused);
- for every item and phase, the *raw* result of the phase — did the function raise, and what — taken in a
  `pytest_runtest_makereport` hookwrapper before any other implementation can act, and the report that came out;
- the outcome as finally logged (`pytest_runtest_logreport`, after every other implementation);
- the implementations of those two hooks that are neither pytest's nor this plugin's, so that a rewritten outcome
  names its author;
- with `--runproof-cover FILE`, the lines of FILE that ran (coverage.py, started before any conftest is imported,
  as pytest-cov does), and FILE's statements.
It writes one JSON document to `--runproof-observations PATH` when pytest unconfigures.

Why the wrapper is registered in `pytest_configure`: pluggy calls `tryfirst` hookwrappers outermost, and among
those the one registered last. Initial conftests and their plugins are registered before `pytest_configure`, so an
object registered there wraps every one of them — a conftest cannot act on a report (or on the call) before it.
Whether that held is checked, not assumed: `outermost` lists what, if anything, still wraps it.
"""

from __future__ import annotations

import json
import os
import sys
import time

import pytest

PLUGIN_NAME = "runproof_pytest_observer"
WATCHED_HOOKS = ("pytest_runtest_makereport", "pytest_runtest_logreport")

_coverage = None  # the coverage.Coverage measuring --runproof-cover, started before the conftests are imported
_coverage_error = None


def pytest_addoption(parser):
    group = parser.getgroup("runproof", "runproof's observer (the suite's own plugin)")
    group.addoption("--runproof-observations", default=None, metavar="PATH",
                    help="write what was observed to PATH as JSON")
    group.addoption("--runproof-cover", action="append", default=[], metavar="FILE",
                    help="measure which lines of FILE ran (coverage.py); may be repeated")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    """Start coverage before the initial conftests (and through them the backend) are imported."""
    global _coverage, _coverage_error
    files = [os.path.abspath(f) for f in early_config.known_args_namespace.runproof_cover]
    if not files or _coverage is not None:
        return
    try:
        import coverage
    except ImportError as exc:
        _coverage_error = f"{type(exc).__name__}: {exc}"
        return
    # config_file=False: the backend's .coveragerc / pyproject settings (omit, exclude_lines) must not decide what
    # the suite measures; clear_exclude: a `# pragma: no cover` cannot hide a line from the figure.
    _coverage = coverage.Coverage(data_file=None, include=files, config_file=False)
    _coverage.clear_exclude()
    _coverage.start()


def pytest_configure(config):
    if config.getoption("runproof_observations"):
        config.pluginmanager.register(Observer(config), PLUGIN_NAME + "-observer")


def _where(function) -> str:
    code = getattr(function, "__code__", None)
    if code is None:
        return getattr(function, "__qualname__", repr(function))
    return f"{code.co_filename}:{code.co_firstlineno} {function.__qualname__}"


def _is_pytests_own(impl, ours) -> bool:
    module = getattr(impl.plugin, "__name__", "") or type(impl.plugin).__module__
    return impl.plugin is ours or module.split(".")[0] in ("_pytest", "pytest", PLUGIN_NAME)


def _raised(excinfo):
    """What a phase raised: None, or the exception's type (pytest.skip raises Skipped, pytest.xfail XFailed)."""
    if excinfo is None:
        return None
    return type(excinfo.value).__name__


class Observer:
    def __init__(self, config):
        self.config = config
        self.path = config.getoption("runproof_observations")
        self.started = time.monotonic()
        self.items: dict[str, dict] = {}
        self.deselected: list[str] = []
        self.collect_errors: list[dict] = []
        self.warnings: list[dict] = []
        self.exit_status = None

    # --- collection ---------------------------------------------------------------------------------------------
    def pytest_collectreport(self, report):
        if report.failed:
            self.collect_errors.append({"nodeid": report.nodeid, "error": _first_line(report.longreprtext)})

    def pytest_warning_recorded(self, warning_message, when, nodeid, location):
        if when == "collect":
            self.warnings.append({"nodeid": nodeid, "category": warning_message.category.__name__,
                                  "message": _first_line(str(warning_message.message))})

    def pytest_deselected(self, items):
        self.deselected.extend(item.nodeid for item in items)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session):
        for item in session.items:
            self.items[item.nodeid] = {"nodeid": item.nodeid, "phases": {}}

    # --- running ------------------------------------------------------------------------------------------------
    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item, call):
        raised = _raised(call.excinfo)  # read before any other implementation runs
        outcome = yield
        report = outcome.get_result()
        entry = self.items.setdefault(item.nodeid, {"nodeid": item.nodeid, "phases": {}, "not_collected": True})
        entry["phases"][call.when] = {"raised": raised, "made": report.outcome,
                                      "wasxfail": hasattr(report, "wasxfail")}

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_logreport(self, report):
        yield  # after every other implementation: what pytest's reporters were told
        entry = self.items.setdefault(report.nodeid, {"nodeid": report.nodeid, "phases": {}, "not_collected": True})
        phase = entry["phases"].setdefault(report.when, {"raised": None, "made": None})
        phase["logged"] = report.outcome
        phase["wasxfail"] = hasattr(report, "wasxfail")

    def pytest_sessionfinish(self, session, exitstatus):
        self.exit_status = int(exitstatus)

    # --- the report ---------------------------------------------------------------------------------------------
    def others(self) -> dict:
        """Implementations of the watched hooks that are neither pytest's nor ours, and what wraps ours."""
        hooks = self.config.pluginmanager.hook
        found, outermost = {}, {}
        for name in WATCHED_HOOKS:
            impls = getattr(hooks, name).get_hookimpls()  # pluggy calls these last-first: the last is outermost
            found[name] = [_where(impl.function) for impl in impls if not _is_pytests_own(impl, self)]
            ours = [i for i, impl in enumerate(impls) if impl.plugin is self]
            outermost[name] = [_where(impl.function) for impl in impls[ours[0] + 1:]] if ours else ["(not registered)"]
        return {"implementations": found, "wrapping_ours": outermost}

    def pytest_unconfigure(self, config):
        document = {
            "observer": PLUGIN_NAME,
            "python": sys.version.split()[0],
            "pytest": pytest.__version__,
            "rootdir": str(config.rootpath),
            "naming": {name: list(config.getini(name)) for name in ("python_files", "python_classes",
                                                                    "python_functions")},
            "items": list(self.items.values()),
            "deselected": self.deselected,
            "collect_errors": self.collect_errors,
            "collect_warnings": self.warnings,
            "exit_status": self.exit_status,
            "hooks": self.others(),
            "coverage": _coverage_report(config.getoption("runproof_cover")),
            "seconds": round(time.monotonic() - self.started, 3),
        }
        with open(self.path, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=1)


def _coverage_report(files: list[str]) -> dict | None:
    """Per file: its statements and the lines that ran. None when nothing was to be measured."""
    if not files:
        return None
    if _coverage is None:
        return {"error": _coverage_error or "coverage was not started"}
    import coverage

    _coverage.stop()
    data = _coverage.get_data()
    loaded = {os.path.abspath(getattr(m, "__file__", "") or "") for m in list(sys.modules.values())}
    report = {"measured_by": f"coverage.py {coverage.__version__}", "files": {}}
    for name in files:
        path = os.path.abspath(name)
        entry = {"imported": path in loaded, "executed": sorted(data.lines(path) or [])}
        try:
            entry["statements"] = sorted(_coverage.analysis2(path)[1])
        except Exception as exc:  # noqa: BLE001 — a file coverage cannot parse is reported, not fatal
            entry["error"] = f"{type(exc).__name__}: {exc}"
        report["files"][name] = entry
    return report


def _first_line(text: str) -> str:
    lines = [line for line in str(text).splitlines() if line.strip()]
    return lines[-1].strip()[:300] if lines else ""
