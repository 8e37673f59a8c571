"""The CI jobs of docs/ci/ (GitHub Actions, GitLab CI, Jenkins) run the project's own commands — `make setup`, the
dry-run gate, `make run`, and after a failure `make rerun` / `make merge` — keep the results when the job fails and
point the test report at results/junit.xml; `make docs` writes a keyword reference page per library and resource."""

from __future__ import annotations

import re
import subprocess

import yaml

from conftest import ROOT

JOBS = ROOT / "docs" / "ci"
SEQUENCE = ["make setup", "make dryrun", "make run", "make rerun", "make merge"]
JUNIT = "results/junit.xml"


def make_targets() -> set[str]:
    phony = re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), re.M)
    return set(phony.group(1).split())


def make_commands(line: str) -> list[str]:
    """The `make TARGET` commands of one shell line; anything else in it fails the test."""
    words = line.replace(";", " ; ").split()
    commands, rest = [], list(words)
    while rest:
        word = rest.pop(0)
        if word in ("||", "&&", ";", "{", "}"):
            continue
        assert word == "make" and rest, f"not a make command: {line!r}"
        target = rest.pop(0)
        assert target in make_targets(), f"`make {target}` is not a target of the Makefile: {line!r}"
        commands.append(f"make {target}")
    return commands


def in_order(commands: list[str]) -> list[str]:
    return [command for command in commands if command in SEQUENCE]


def test_the_github_actions_job():
    job = yaml.safe_load((JOBS / "github-actions.yml").read_text())
    (name, spec), = job["jobs"].items()
    steps = spec["steps"]
    commands = [command for step in steps if "run" in step for command in make_commands(step["run"])]
    assert in_order(commands) == SEQUENCE
    by_command = {step["run"]: step for step in steps if "run" in step}
    assert by_command["make run"].get("continue-on-error") is True and by_command["make run"]["id"] == "run"
    assert by_command["make merge"]["if"] == "steps.run.outcome == 'failure'"
    assert "continue-on-error" not in by_command["make merge"], "the merge's exit code is the job's"
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    artifacts = uses["actions/upload-artifact"]
    assert artifacts["if"] == "always()" and artifacts["with"]["path"] == "results/"
    report = uses["mikepenz/action-junit-report"]
    assert report["if"] == "always()" and report["with"]["report_paths"] == JUNIT


def test_the_gitlab_ci_job():
    job = yaml.safe_load((JOBS / "gitlab-ci.yml").read_text())
    (name, spec), = job.items()
    commands = [command for line in spec["script"] for command in make_commands(line)]
    assert in_order(commands) == SEQUENCE
    assert spec["script"][-1] == "make run || { make rerun; make merge; }"
    assert spec["artifacts"]["when"] == "always" and spec["artifacts"]["paths"] == ["results/"]
    assert spec["artifacts"]["reports"]["junit"] == [JUNIT]


def test_the_jenkins_pipeline():
    text = (JOBS / "Jenkinsfile").read_text()
    lines = re.findall(r"\bsh '([^']*)'", text)
    commands = [command for line in lines for command in make_commands(line)]
    assert in_order(commands) == SEQUENCE
    post = text[text.index("post {"):]
    assert "always {" in post and f"junit testResults: '{JUNIT}'" in post and "archiveArtifacts artifacts: 'results/**'" in post


def test_ci_md_names_every_job_file_and_the_same_commands():
    text = (ROOT / "docs" / "ci.md").read_text()
    for name in ("github-actions.yml", "gitlab-ci.yml", "Jenkinsfile"):
        assert f"ci/{name}" in text
    blocks = re.findall(r"```(?:bash|sh)\n(.*?)```", text, re.S)
    lines = [line.split("#")[0].strip() for block in blocks for line in block.splitlines()]
    commands = [command for line in lines if line.startswith("make ") for command in make_commands(line)]
    assert in_order(commands) == SEQUENCE


def test_a_make_command_that_is_not_a_target_is_caught():
    import pytest

    with pytest.raises(AssertionError):
        make_commands("make tset")
    with pytest.raises(AssertionError):
        make_commands("robot suites/")


def test_make_docs_writes_a_page_per_keyword_library_and_resource_file(tmp_path):
    done = subprocess.run(["make", "-s", "docs", f"KEYWORD_DOCS={tmp_path}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr
    libraries = set()
    for source in [*(ROOT / "resources").glob("*.resource"), *(ROOT / "suites").glob("*.robot")]:
        libraries |= set(re.findall(r"^Library\s+runproof\.\S+\.(\w+)", source.read_text(), re.M))
    resources = {path.stem for path in (ROOT / "resources").glob("*.resource")}
    pages = {path.name for path in tmp_path.glob("*.html")}
    assert pages == {f"{name}.html" for name in libraries} | {f"{name}.resource.html" for name in resources}
    assert len(libraries) > 15 and len(resources) > 5
    evidence = (tmp_path / "Evidence.html").read_text()
    assert "Record Evidence" in evidence and "libdoc" in evidence
