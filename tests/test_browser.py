"""Looked at in a real browser: log.html and report.html of a whole suite run, opened in headless Chromium (Debian's
`chromium`), show the pictures with content — the timeline drawn inside the AC2 test's log, the hash chain's table
inside the root hash test's log, the report's link to the timeline.

Too heavy for `make test` (a browser of ~300 MB, a suite run): `make browser` installs Chromium and runs this file
with RUNPROOF_BROWSER=1; without it every test here is skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from PIL import Image
from robot.api import ExecutionResult

from test_hostile import run_suite
from runproof.evidence.timeline_picture import COLOURS

pytestmark = [pytest.mark.suite_run, pytest.mark.skipif(os.environ.get("RUNPROOF_BROWSER") != "1",
                                                        reason="headless Chromium: run `make browser`")]
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run")
BAR_ALPHA = 0.85  # timeline_picture draws spans with this alpha on white


def chromium(*arguments: str) -> str:
    """Run headless Chromium with a fresh profile; returns its stdout (the DOM for --dump-dom)."""
    binary = shutil.which("chromium")
    assert binary, "chromium is not installed: `make browser` installs it (Debian package chromium)"
    with tempfile.TemporaryDirectory(prefix="runproof-chromium-") as profile:
        result = subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=5000",
                                 *arguments], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def screenshot(url: str, path: Path, height: int) -> Image.Image:
    chromium(f"--window-size=1200,{height}", f"--screenshot={path}", url)
    return Image.open(path).convert("RGB")


def pixels_like(image: Image.Image, colour: str, alpha: float = 1.0, tolerance: int = 4) -> int:
    """How many pixels show `colour` (drawn with `alpha` on white)."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    want = [round(alpha * c + (1 - alpha) * 255) for c in rgb]
    data = image.tobytes()
    return sum(1 for i in range(0, len(data), 3)
               if all(abs(data[i + k] - want[k]) <= tolerance for k in range(3)))


def keyword_logging(output: Path, text: str) -> str:
    """The id of the keyword whose log message contains `text` (log.html#<id> opens and expands it)."""

    def walk(item):
        for child in getattr(item, "body", []):
            if getattr(child, "type", None) == "MESSAGE":
                if text in child.message:
                    return child.parent.id
            else:
                found = walk(child)
                if found:
                    return found
        return None

    for test in ExecutionResult(str(output)).suite.all_tests:
        found = walk(test)
        if found:
            return found
    raise AssertionError(f"no keyword logged {text!r}")


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """One passing run of the suite, on its own PostgreSQL (which logs every statement)."""
    folder = Path(tempfile.mkdtemp(prefix="rp-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        run = run_suite(tmp_path_factory.mktemp("browser"), env={"TMPDIR": str(folder)})
        assert run.rc == 0, run.stderr[-2000:]
        yield run.outdir
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_timeline_picture_renders_with_every_lane(results, tmp_path):
    image = screenshot((results / "timeline.svg").as_uri(), tmp_path / "svg.png", 1200)
    assert pixels_like(image, COLOURS["backend processes"], BAR_ALPHA) > 2000, "no process bars"
    assert pixels_like(image, COLOURS["aos_traces"], BAR_ALPHA) > 200, "no trace span"
    for lane in ("runs row", "statement log", "aos_trace_steps", "coordinator"):
        assert pixels_like(image, COLOURS[lane], tolerance=10) > 20, f"no {lane} marker"


def test_log_html_shows_the_timeline_in_the_ac2_test(results, tmp_path):
    target = keyword_logging(results / "output.xml", 'alt="timeline of the run"')
    url = f"{(results / 'log.html').as_uri()}#{target}"
    assert '<img src="timeline.svg" alt="timeline of the run"' in chromium("--dump-dom", url)
    image = screenshot(url, tmp_path / "log.png", 6000)
    assert pixels_like(image, COLOURS["backend processes"], BAR_ALPHA) > 2000, "the picture did not render in log.html"


def test_log_html_shows_the_hash_chain_beside_both_roots(results):
    evidence = (results / "evidence.json").read_text()
    target = keyword_logging(results / "output.xml", "sha256 after it")
    dom = chromium("--dump-dom", f"{(results / 'log.html').as_uri()}#{target}")
    assert "<th>sha256 after it</th>" in dom and "0:http_call:success" in dom and "<b>match</b>" in dom
    root = next(line.split('"')[3] for line in evidence.splitlines() if '"root_hash"' in line)
    assert dom.count(f"<code>{root}</code>") >= 3  # the last link's digest, the suite's root, the coordinator's


def test_report_html_links_the_timeline(results):
    dom = chromium("--dump-dom", (results / "report.html").as_uri())
    assert '<a href="timeline.svg#">the run on one time axis (timeline.svg)</a>' in dom
    assert "PASS — " in dom
