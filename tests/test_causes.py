"""Cause attribution, the hash chain's links, the timeline picture and evidence.md's order — on the suite's real
dependency graph and synthetic outcomes (fast; the whole-suite runs are in test_proof_at_a_glance.py)."""

from __future__ import annotations

import hashlib
import re

import pytest
from markdown_it import MarkdownIt

from runproof.evidence.causes import RULES, attribute, cause_line, dependencies_of_suite
from conftest import ROOT
from runproof.evidence.report import render_markdown
from runproof.rules.hash_chain import chain_links, root_hash
from runproof.keywords.run_facts import CLI_RUN, FACTS, SNIPPET
from runproof.keywords.run_timeline import log_line_time, timeline_events
from runproof.facts import suite_model
from runproof.evidence.timeline_picture import render_timeline

SUITE = suite_model.full_suite(str(ROOT / "suites"))
DEPENDENCIES = dependencies_of_suite(SUITE, FACTS)
ORDER = suite_model.tests_and_suites(SUITE)[0]


def outcomes(failed: dict[str, str], skipped: tuple[str, ...] = ()) -> dict[str, tuple[str, str]]:
    result = {name: ("PASS", "ok") for name in ORDER}
    result.update({name: ("FAIL", message) for name, message in failed.items()})
    result.update({name: ("SKIP", "not reached: …") for name in skipped})
    return result


def test_every_rule_names_tests_that_exist():
    for test, upstream in RULES.items():
        assert test in ORDER, test
        assert set(upstream) <= set(ORDER), upstream


def test_dependencies_are_read_from_the_suite_facts_and_depends_on():
    assert CLI_RUN in DEPENDENCIES["Run Has Plan"]  # Run Fact run
    assert SNIPPET in DEPENDENCIES["RunProofCoordinator Returns HASH_CHAIN And VERIFIED"]  # Run Fact proof
    assert "Local DB Is Reachable" in DEPENDENCIES["Local DB Is Migrated To Head"]  # Depends On Test
    assert "The Target Is Configured" in DEPENDENCIES[CLI_RUN]  # Depends On Suite §0
    assert "The Target Is Configured" in DEPENDENCIES["Customer CLI Requires --tenant-id"]  # a suite's Test Setup


def test_a_run_filed_under_another_tenant_is_one_cause_with_its_consequences_under_it():
    """The mutant run_tenant_taken_from_agent: eight failures, one defect."""
    failed = {CLI_RUN: "1 rule(s) broken: runs.tenant_id: expected the tenant passed ('T'), observed 'x'",
              "RunProofCoordinator Returns HASH_CHAIN And VERIFIED": "coordinator.integrity_model: …",
              "Coordinator Verified A Chain Of At Least One Step": "coordinator.chain_length: …",
              "Coordinator Read The Same Steps As Postgres": "coordinator.step_count: …",
              "The Trace Row Holds Every Rule": "aos_traces.tenant_id: …",
              "The Coordinator's Answer Holds Every Rule": "coordinator.root_hash: …",
              "Neighbour Runs Are Intact Under Their Own Tenant": "… filed under another tenant"}
    causes = attribute(outcomes(failed), ORDER, DEPENDENCIES)
    assert [c["test"] for c in causes] == [CLI_RUN]
    assert sorted(causes[0]["failures"]) == sorted(set(failed) - {CLI_RUN})
    assert cause_line(causes[0]).startswith("1 rule(s) broken: runs.tenant_id: expected the tenant passed ('T'), "
                                            f"observed 'x' [{CLI_RUN}]; 6 failures follow: ")


def test_a_trace_under_another_tenant_explains_the_coordinators_empty_answer():
    """The mutant trace_under_wrong_tenant: the run is right, its trace is not; the neighbour's is a second finding."""
    failed = {name: "x" for name in (
        "The Trace Row Holds Every Rule", "RunProofCoordinator Returns HASH_CHAIN And VERIFIED",
        "Coordinator Verified A Chain Of At Least One Step", "Coordinator Read The Same Steps As Postgres",
        "The Coordinator's Answer Holds Every Rule", "Neighbour Runs Are Intact Under Their Own Tenant")}
    causes = attribute(outcomes(failed), ORDER, DEPENDENCIES)
    assert [c["test"] for c in causes] == ["Neighbour Runs Are Intact Under Their Own Tenant",
                                           "The Trace Row Holds Every Rule"]
    assert len(causes[1]["failures"]) == 4  # the coordinator's four checks follow from the trace's tenant


def test_a_halted_run_is_one_cause_and_what_it_left_unreached_is_counted_under_it():
    skipped = tuple(name for name in ORDER if CLI_RUN in _ancestors(name))
    causes = attribute(outcomes({CLI_RUN: "the customer CLI did not return within 5s; run r is 'halted'"}, skipped),
                       ORDER, DEPENDENCIES)
    assert len(causes) == 1 and causes[0]["failures"] == [] and len(causes[0]["not_reached"]) == len(skipped) > 10
    assert cause_line(causes[0]).endswith(f"; no other failure follows; {len(skipped)} tests not reached")


def test_independent_failures_are_independent_causes_in_the_order_they_ran():
    failed = {"Coordinator Tests Pass": "5 failed", "Skill Registry Includes http_call": "no http_call"}
    causes = attribute(outcomes(failed), ORDER, DEPENDENCIES)
    assert [c["test"] for c in causes] == ["Skill Registry Includes http_call", "Coordinator Tests Pass"]


def test_one_static_fact_read_twice_is_one_cause():
    message = "--origin-system-id has no default: cus_cli.py:181 `run.add_argument('--origin-system-id')`"
    failed = {"Customer CLI Has An Optional --origin-system-id With A Default": message,
              "The Origin Passed Differs From The CLI's Default": message}
    assert len(attribute(outcomes(failed), ORDER, DEPENDENCIES)) == 1


def test_a_passing_run_has_no_cause():
    assert attribute(outcomes({}), ORDER, DEPENDENCIES) == []


def _ancestors(name: str, seen=None) -> set[str]:
    seen = set() if seen is None else seen
    for upstream in DEPENDENCIES.get(name, ()):
        if upstream not in seen:
            seen.add(upstream)
            _ancestors(upstream, seen)
    return seen


def test_each_link_of_the_chain_is_the_running_digest_and_the_last_is_the_root():
    steps = [(1, "json_transform", "succeeded"), (0, "http_call", "failure")]
    links = chain_links("run-1", steps)
    assert [link["input"] for link in links] == ["run-1", "0:http_call:failure", "1:json_transform:success"]
    assert links[0]["digest"] == hashlib.sha256(b"run-1").hexdigest()
    assert links[-1]["digest"] == root_hash("run-1", steps)
    assert chain_links("run-1", []) == []


@pytest.mark.parametrize("line, utc", [
    ("2026-11-29 13:36:22.103 UTC [42] LOG:  statement: COMMIT", "2026-11-29T13:36:22.103000+00:00"),
    ("2026-11-29 14:36:22.103 +01 [42] LOG:  statement: COMMIT", "2026-11-29T13:36:22.103000+00:00"),
    ("2026-11-29 13:36:22 CET [42] LOG:  statement: COMMIT", None),  # an abbreviation is not guessed
])
def test_statement_log_times_are_read_as_utc(line, utc):
    assert log_line_time(line) == utc


def test_the_timeline_picture_draws_every_event_as_text(tmp_path):
    processes = [{"name": "customer-cli-run", "started_utc": "2026-11-29T13:00:00+00:00",
                  "ended_utc": "2026-11-29T13:00:02+00:00"},
                 {"name": "coordinator-probe", "started_utc": "2026-11-29T13:00:00+00:00",
                  "ended_utc": "2026-11-29T13:00:03+00:00"}]
    order = {"plan": "2026-11-29T13:00:01.100000+00:00", "commit": "2026-11-29T13:00:01.110000+00:00",
             "trace": "2026-11-29T13:00:01.200000+00:00"}
    events = timeline_events(processes, {"created_at": "2026-11-29T13:00:01+00:00"}, [], [
        {"step_index": 0, "skill_name": "http_call", "status": "succeeded", "timestamp": "2026-11-29T13:00:01.5+00:00"}],
        order)
    svg = render_timeline({"run_id": "r-1", "events": events}, tmp_path / "timeline.svg").read_text()
    for label in ("customer-cli-run", "the coordinator's answer", "runs.created_at", "plan committed",
                  "first trace write", "0:http_call:succeeded", "Run r-1"):
        assert label in svg, label


def test_evidence_md_opens_with_the_result_and_one_line_per_cause_and_says_each_value_once():
    doc = {"result": "FAIL", "result_line": "FAIL — 2 failed", "cause_lines": ["A broke [A]; 1 failure follows: B"],
           "causes": [{"test": "A", "message": "A broke", "failures": ["B"], "not_reached": []}],
           "acceptance": {}, "run_id": "r-1", "tenant_id": "t", "run_status": "succeeded", "run_error": None,
           "tests": [{"name": "A", "status": "FAIL", "message": "A broke"},
                     {"name": "B", "status": "FAIL", "message": "B saw 0"}],
           "timeline_picture": "timeline.svg", "unreached_fields": []}
    markdown = render_markdown(doc)
    lines = markdown.splitlines()
    assert lines[2:4] == ["**Result:** FAIL — 2 failed  ", "**Cause:** A broke [A]; 1 failure follows: B  "]
    assert markdown.count("r-1") == 1 and markdown.count("A broke") == 1
    assert "Proved by" not in markdown
    headers = re.findall(r"^## (.*)$", markdown, re.M)
    assert headers[:5] == ["2. Customer CLI Run — Record", "7. Output Template", "Rules", "Pictures",
                           "6. Acceptance Criteria"]
    html = MarkdownIt("commonmark").render(markdown)
    assert '<img src="timeline.svg"' in html and '<a href="timeline.svg">' in html
