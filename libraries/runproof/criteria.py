"""The plan's §6 acceptance criteria, word for word, and the other tags' meaning — read from robot.args.

robot.args is their one home: its `--tagdoc` lines document the tags in report.html, and this module (a variable
file too: `${AC1}` … `${AC5}` in the tests' [Metadata]) reads the same lines with Robot's own argument-file parser,
so a plain `robot suites/` that never reads robot.args still quotes the same words.
"""

from __future__ import annotations

from robot.utils.argumentparser import ArgFileParser

from runproof import CHECKOUT

ARGUMENT_FILE = CHECKOUT / "robot.args"


def _tag_docs() -> dict[str, str]:
    arguments = ArgFileParser(["--argumentfile"]).process(["--argumentfile", str(ARGUMENT_FILE)])
    values = [value for option, value in zip(arguments, arguments[1:]) if option == "--tagdoc"]
    return dict(value.split(":", 1) for value in values)


TAG_DOCS = _tag_docs()
CRITERIA = {tag: TAG_DOCS[tag] for tag in ("AC1", "AC2", "AC3", "AC4", "AC5")}
OTHER_TAGS = {tag: doc for tag, doc in TAG_DOCS.items() if tag not in CRITERIA}


def get_variables() -> dict[str, str]:
    """`${AC1}` … `${AC5}` for the tests' [Metadata]."""
    return dict(CRITERIA)
