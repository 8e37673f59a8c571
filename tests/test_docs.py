"""The documentation, kept true without running the suite: README.md short enough to read in ten minutes, its layout
equal to the tree, every path the README and docs/ name present, and docs/rules.md equal to the rules the code declares.

Paths are read from inline `code` spans and from Markdown links, outside fenced code blocks. A code span names a path
relative to the checkout (a path under `backend/` may be the plan's, relative to a backend root: it resolves in the
reference backend, or as a bare file name anywhere in the project); a link is relative to the file that holds it.
Skipped: URLs, `../shared/…` (beside the checkout, not in it), `results/…` and `.venv/…` (made by a run and by
`make setup`), a code span with a placeholder (`<…>`, `…`), variables (`$…`), absolute and home paths.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

README = ROOT / "README.md"
DOCS = ROOT / "docs"
README_WORD_LIMIT = 2500
PACKAGE = ROOT / "libraries" / "runproof"

# Named by the README and docs/ but brought by branches being merged (attestation, CI jobs, the sharded matrix).
# Empty this set once they are in: from then on each must exist like any other path.
PENDING: set[str] = set()

# Files every run writes into its output folder: named by the docs, never part of the checkout.
OUTPUTS = {"evidence.md"}
PLACEHOLDERS = ("…", "<")
EXTENSIONS = (".py", ".robot", ".resource", ".md", ".toml", ".args")
SKIPPED_FOLDERS = {".git", ".venv", "results", "__pycache__", ".pytest_cache", ".robocop_cache"}

FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE_SPAN = re.compile(r"`([^`]+)`")
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def documents() -> list[Path]:
    return [README, *sorted(DOCS.rglob("*.md"))]


def prose(path: Path) -> str:
    """The file without its fenced code blocks (commands and trees, whose words are not all paths)."""
    return FENCE.sub("", path.read_text())


def looks_like_a_repo_path(token: str) -> bool:
    # Made by a run, `make docs` or a merge, or a path in the user's own repository (a CI job's file): not ours.
    if not token or token.startswith(("/", "~", "-", "../shared/", "results/", ".venv/", "docs/keywords/", "merged/",
                                      "rerun/", ".github/")) or token == "results":
        return False
    if any(mark in token for mark in ("://", "$", "…", "<", ">", "%", "=", "{", "@", "|")):
        return False
    if not re.fullmatch(r"[\w.*/-]+", token) or not re.search(r"[a-z]", token):
        return False  # not a path's characters, or no lower-case letter (`K/N` in a line the matrix prints)
    if token.startswith(".") and "/" not in token:
        return False  # an extension (`.robot`), not a file
    return "/" in token or token.endswith(EXTENSIONS)


def named_paths(path: Path) -> list[tuple[str, Path]]:
    """(the path as written, where it resolves from) for every path the document names."""
    text = prose(path)
    found = []
    for span in CODE_SPAN.findall(text):
        if any(mark in span for mark in PLACEHOLDERS):
            continue  # a message or command with a part left out: its words are not paths
        for token in span.split():
            token = token.strip("\"'(),;:")
            if looks_like_a_repo_path(token) and token not in OUTPUTS:
                found.append((token, ROOT))
    for target in LINK.findall(text):
        target = target.split("#", 1)[0]
        if target and "://" not in target and not target.startswith("mailto:"):
            found.append((target, path.parent))
    return found


def pending(relative: str) -> bool:
    """Whether `relative` is, or lies inside, a path of PENDING."""
    path = relative.rstrip("/")
    return any(path == each.rstrip("/") or (each.endswith("/") and path.startswith(each)) for each in PENDING)


def file_names() -> set[str]:
    names = set()
    for folder, subfolders, files in os.walk(ROOT):
        subfolders[:] = [s for s in subfolders if s not in SKIPPED_FOLDERS]
        names.update(files)
    return names


def exists(written: str, base: Path, names: set[str]) -> bool:
    if "/" not in written.rstrip("/") and base == ROOT and not written.endswith("/"):
        return written in names  # a bare file name: a file of the project, wherever it is
    bases = [base] if base != ROOT else [ROOT, ROOT / "reference", ROOT / "reference" / "backend"]
    for each in bases:
        if "*" in written:
            if list(each.glob(written)):
                return True
        elif (each / written).exists():
            return True
    return False


def layout_entries() -> list[str]:
    """The paths the README's Layout section lists, one per line: an indented name belongs to the folder above it."""
    text = README.read_text()
    section = re.search(r"^## Layout\n(.*?)(?=^## )", text, re.S | re.M)
    assert section, "README.md has no '## Layout' section"
    block = re.search(r"^```\n(.*?)^```", section.group(1), re.S | re.M)
    assert block, "README.md's Layout section has no tree (a fenced block)"
    entries, parent = [], ""
    for line in block.group(1).splitlines():
        if not line.strip():
            continue
        name = line.split()[0]
        if line.startswith(" "):
            assert parent, f"an indented entry with no folder above it: {line!r}"
            entries.append(parent + name)
        else:
            entries.append(name)
            parent = name if name.endswith("/") else ""
    return entries


def test_the_readme_is_read_in_ten_minutes():
    words = len(README.read_text().split())
    assert words <= README_WORD_LIMIT, f"README.md has {words} words, more than {README_WORD_LIMIT}: move detail to docs/"


def test_the_readme_gives_the_two_commands():
    text = README.read_text()
    assert "make run" in text and "make test" in text


def test_the_layout_comes_near_the_top():
    headings = re.findall(r"^## (.+)$", README.read_text(), re.M)
    assert "Layout" in headings[:3], f"the Layout section should be among the first three: {headings}"


def test_everything_the_layout_lists_exists():
    missing = [entry for entry in layout_entries() if not (ROOT / entry).exists() and not pending(entry)]
    assert not missing, f"README.md's layout lists what the tree does not have: {missing}"


def test_the_layout_lists_every_top_level_entry_and_every_subpackage():
    listed = layout_entries()
    tops = {entry.split("/", 1)[0] for entry in listed}
    try:
        tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked top level is unknown")
    top_level = {line.split("/", 1)[0] for line in tracked.splitlines() if line and not line.startswith(".")}
    assert not top_level - tops, f"README.md's layout misses top-level entries: {sorted(top_level - tops)}"
    subpackages = {f"libraries/runproof/{p.parent.name}/" for p in PACKAGE.glob("*/__init__.py")}
    assert not subpackages - set(listed), f"README.md's layout misses subpackages: {sorted(subpackages - set(listed))}"


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_path_a_document_names_exists(document):
    names = file_names()
    missing = []
    for written, base in named_paths(document):
        relative = os.path.relpath(os.path.normpath(base / written), ROOT) + ("/" if written.endswith("/") else "")
        if pending(relative) or pending(written):
            continue
        if not exists(written, base, names):
            missing.append(written)
    assert not missing, f"{document.relative_to(ROOT)} names paths that do not exist: {sorted(set(missing))}"


def test_every_guide_is_linked_from_the_readme():
    linked = {os.path.normpath(target.split("#", 1)[0]) for target in LINK.findall(README.read_text())}
    guides = {str(p.relative_to(ROOT)) for p in DOCS.glob("*.md")}
    assert not guides - linked, f"guides in docs/ the README does not link: {sorted(guides - linked)}"


def test_the_rules_page_is_the_rules_the_code_declares():
    from runproof.rules.table import markdown_page

    assert (DOCS / "rules.md").read_text() == markdown_page(), (
        "docs/rules.md differs from the rules in libraries/runproof/rules/table.py: "
        "python -m runproof.rules.table > docs/rules.md")


def test_the_path_check_catches_a_missing_path(tmp_path):
    """The check itself bites: a made-up path in a code span and in a link is reported, a URL and an output are not."""
    page = tmp_path / "page.md"
    page.write_text("See `libraries/runproof/nowhere.py`, [x](missing.md), `results/evidence.md`, "
                    "`evidence.md`, [y](https://example.org/a.md) and `suites/`.\n")
    names = file_names()
    missing = [w for w, base in named_paths(page) if not exists(w, base, names)]
    assert missing == ["libraries/runproof/nowhere.py", "missing.md"]


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped (not `_` or `-`), spaces as `-`."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


@pytest.mark.parametrize("document", documents(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_anchor_a_link_names_is_a_heading(document):
    broken = []
    for target in LINK.findall(prose(document)):
        if "#" not in target or "://" in target:
            continue
        file, anchor = target.split("#", 1)
        linked = (document.parent / file) if file else document
        if not linked.is_file():
            continue  # a missing file is the path test's to report (or pending)
        anchors = {slug(h) for h in re.findall(r"^#+ (.+)$", prose(linked), re.M)}
        if anchor not in anchors:
            broken.append(target)
    assert not broken, f"{document.relative_to(ROOT)} links to headings that do not exist: {broken}"
