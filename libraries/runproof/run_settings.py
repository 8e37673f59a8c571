"""What the run was started with, read from Robot's own parsed settings — never from `sys.argv`.

A listener is not told the run's options, and the process's command line is not the run's: `robot.run_cli()` from a
wrapper, `robotcode robot …` and two runs in one process all have another argv. Robot keeps what it parsed:

- `${OPTIONS}` (public): `skip`, `skip_on_failure`, `include`, `exclude` as tag patterns;
- the `Randomized` metadata Robot's randomizer puts on the top suite before it runs (`--randomize` anything but none);
- the settings object of the run in progress (`EXECUTION_CONTEXTS.top.output._settings`, a `RobotSettings`): the
  only place that keeps `--rerunfailed` / `--rerunfailedsuites` once Robot has turned them into test names.

Together they decide what a run may not be started with: a test a criterion needs (AC1–AC5, precondition, static,
policy) may not end SKIP, and the plan's steps run in the plan's order.
"""

from __future__ import annotations

import re

from robot.model import TagPatterns

from runproof.criteria import CRITERIA
from runproof.facts.suite_model import message_line

# Tags of the tests the plan's criteria need: none of them may end SKIP (beyond-plan tests may, by the user's choice).
NEEDED_TAGS = (*CRITERIA, "precondition", "static", "policy")
# Robot's messages for a test skipped by `--skip` and by `--skiponfailure` (robot/running/status.py, suiterunner.py).
SKIPPED_BY_OPTION = re.compile(r"^(?:Failed )?[Tt]est skipped using .+ tag(?: pattern)?s?\.")
ORIGINAL_FAILURE = "Original failure:"


def robot_settings():
    """The `RobotSettings` of the run in progress, or None outside a run."""
    from robot.running.context import EXECUTION_CONTEXTS

    top = EXECUTION_CONTEXTS.top
    return getattr(getattr(top, "output", None), "_settings", None) if top else None


def is_rerun() -> bool:
    """Whether this run was started with --rerunfailed or --rerunfailedsuites, however robot was started."""
    settings = robot_settings()
    if settings is None:
        return False
    try:
        return bool(settings["ReRunFailed"] or settings["ReRunFailedSuites"])
    except (KeyError, TypeError):
        return False


def withdraw_skip_on_failure() -> None:
    """A refused run fails every test with the refusal (its suite setup fails): take `--skiponfailure` out of the
    run's settings, or Robot would turn those failures into skips. The suite's own listeners cannot: a child suite
    whose parent's setup failed imports no library, so no library listener hears its tests."""
    settings = robot_settings()
    if settings is not None and "SkipOnFailure" in getattr(settings, "_opts", {}):
        settings._opts["SkipOnFailure"] = []


def skip_options() -> dict[str, list[str]]:
    """`--skip` and `--skiponfailure` patterns of the run in progress (empty outside a run)."""
    from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError

    try:
        options = BuiltIn().get_variable_value("${OPTIONS}") or {}
    except RobotNotRunningError:
        return {"--skip": [], "--skiponfailure": []}
    return {"--skip": list(options.get("skip") or []), "--skiponfailure": list(options.get("skip_on_failure") or [])}


def needed(tags) -> bool:
    """Whether a test with these tags is one a criterion needs."""
    return any(tag in NEEDED_TAGS for tag in tags)


def aimed_at_needed(pattern: str, tests) -> list:
    """The tests a criterion needs that `pattern` selects by their criterion tags: `beyond-plan` is not aimed at the
    AC2 test that is also beyond-plan (that one is turned back into a failure if it fails), `AC*` or `*` is."""
    patterns = TagPatterns([pattern])
    return [test for test in tests if needed(test.tags)
            and patterns.match([tag for tag in test.tags if tag in NEEDED_TAGS])]


def refusal(data) -> str | None:
    """Why the run `data` (the top running suite, at its start) may not run, in one line, or None."""
    randomized = data.metadata.get("Randomized")
    if randomized:
        return (f"--randomize is refused: the plan's steps run in the plan's order, each reading what an earlier one "
                f"established (Robot randomized {randomized.lower()}) — run without --randomize")
    tests = list(data.all_tests)
    for option, patterns in skip_options().items():
        for pattern in patterns:
            if hit := aimed_at_needed(pattern, tests):
                return (f"{option} {pattern} is refused: a test a criterion needs may not end SKIP ({len(hit)} such "
                        f"test{'s' if len(hit) != 1 else ''}, first '{hit[0].name}') — only beyond-plan findings may "
                        f"be downgraded (--skiponfailure beyond-plan), and only as named findings")
    return None


def skipped_by_option(status: str, message: str) -> bool:
    return status == "SKIP" and bool(SKIPPED_BY_OPTION.match(message or ""))


def original_failure(message: str) -> str:
    """The failure a `--skiponfailure` skip replaced (its first line), or Robot's skip message for `--skip`."""
    if ORIGINAL_FAILURE in message:
        return message_line(message.split(ORIGINAL_FAILURE, 1)[1])
    return message.strip().splitlines()[0] if message.strip() else ""
