"""evidence.md: the plan's §2 record and §7 Output Template, the acceptance table, and every test — for stakeholders.

One vocabulary: PASS / FAIL / NOT REACHED (NOT RUN for a criterion the run did not select). A value that was never
reached says NOT REACHED; `null` is a value that was reached and is empty. Values are code spans, and an empty or
unusual value can never produce an empty or broken code span.
"""

from __future__ import annotations

from runproof.criteria import CRITERIA

# The plan's §7 Output Template: evidence.json keys with the template's labels.
TEMPLATE = [
    ("run_id", "Run ID"),
    ("tenant_id", "Tenant ID"),
    ("run_status", "Run status"),
    ("plan_json_stored", "Plan JSON stored"),
    ("trace_rows", "Trace rows"),
    ("trace_step_count", "Trace step_count"),
    ("integrity_model", "Integrity model"),
    ("verification_status", "Verification status"),
    ("chain_length", "chain_length"),
    ("root_hash", "root_hash"),
    ("pytest", "Pytest"),
]
# The plan's §2 "Record": Run ID, Tenant ID, Status, Error (if any).
RECORD = [("run_id", "Run ID"), ("tenant_id", "Tenant ID"), ("run_status", "Status"), ("run_error", "Error (if any)")]
TEMPLATE_KEYS = [key for key, _ in TEMPLATE] + ["origin_system_id", "run_error", "pytest_summary", "pytest_counts",
                                                "pytest_tests", "coordinator_coverage"]

# The values that prove each criterion.
PROOF = {
    "AC1": ("run_id", "tenant_id", "origin_system_id", "run_status"),
    "AC2": ("plan_json_stored", "plan_before_execution"),
    "AC3": ("trace_rows", "trace_step_count"),
    "AC4": ("integrity_model", "verification_status", "chain_length", "root_hash"),
    "AC5": ("pytest_summary", "coordinator_coverage"),
}


def every_rule(recorded: dict) -> dict:
    """Every rule of libraries/runproof/rules/table.py with its outcome: as a test recorded it, or NOT REACHED; plus the recorded ones
    the table does not declare (a column of the target without a rule)."""
    from runproof.rules.table import TABLES, declared

    rules = {f"{table}.{column}": {"rule": text, "status": "NOT REACHED", "observed": None, "message": "",
                                   "proved_by": None} for table in TABLES for column, text in declared(table).items()}
    rules.update(recorded)
    return rules


def code(value) -> str:
    """A value as an inline code span that CommonMark renders as exactly that value (never empty, never unclosed)."""
    if isinstance(value, bool):
        value = str(value).lower()
    text = " ".join(str(value).split())
    if text == "":
        return "(empty)"
    fence = "`"
    while fence in text:
        fence += "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def plain(value):
    """A recorded value in one word or line: `plan_before_execution` by how it was established, the coordinator's
    coverage by its figure, a dict as k=v."""
    if isinstance(value, dict):
        for key in ("how", "figure"):
            if key in value:
                return value[key]
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return value


def shown(doc: dict, key: str) -> str:
    """NOT REACHED for a value never recorded, `null` for a value recorded as empty, else the value as code."""
    if key in doc.get("unreached_fields", []) or key not in doc:
        return "NOT REACHED"
    return "`null`" if doc[key] is None else code(plain(doc[key]))


def cell(text) -> str:
    return " ".join(str(text).split()).replace("|", "\\|") or "(none)"


def verdict_line(ac: str, doc: dict) -> str:
    """`AC4: PASS — integrity_model=HASH_CHAIN, …` (the values that proved it), or the first failing test."""
    result = doc.get("acceptance", {}).get(ac, "NOT RUN")
    if result == "PASS":
        return f"{ac}: PASS — {', '.join(f'{key}={plain(doc.get(key))}' for key in PROOF[ac])}"
    failing = [t for t in doc.get("criteria_tests", {}).get(ac, []) if t["status"] != "PASS"]
    if result == "NOT RUN":
        return f"{ac}: NOT RUN — no test of this criterion was selected"
    if failing:
        message = next((t["message"] for t in doc.get("tests", []) if t["name"] == failing[0]["name"]), "")
        return f"{ac}: {result} — {failing[0]['name']}: {message or 'never ran'}"
    return f"{ac}: {result}"


def coordinator_tests_section(doc: dict) -> list[str]:
    """Plan §5 as observed inside pytest: each item with its outcome, and the coordinator's coverage."""
    tests, cover = doc.get("pytest_tests"), doc.get("coordinator_coverage")
    if not tests and not cover:
        return []
    lines = ["", "## Coordinator tests, observed", ""]
    for test in tests or []:
        raised = f" (its call raised {test['call_raised']})" if test.get("call_raised") else ""
        lines.append(f"- {code(test['test'])}: {cell(test['outcome'])}{raised}")
    if cover and "modules" in cover:
        lines += ["", f"Coverage ({cell(cover.get('measured_by'))}), statements that ran under the tests:", ""]
        lines += [f"- {code(name)}: {cell(m['lines'])}" for name, m in cover["modules"].items()]
        lines += [f"- {code(name)}: {cell(f['lines'])}" for name, f in cover["functions"].items()]
    elif cover:
        lines += ["", f"Coverage: {cell(cover.get('error'))}"]
    return lines


def _tests_of(ac: str, doc: dict) -> str:
    """Which tests decided a criterion — names only; their values are in §7 and their messages under Every test."""
    tests = doc.get("criteria_tests", {}).get(ac, [])
    if not tests:
        return "no test selected"
    passed = [t["name"] for t in tests if t["status"] == "PASS"]
    failed = [t["name"] for t in tests if t["status"] == "FAIL"]
    unreached = [t["name"] for t in tests if t["status"] not in ("PASS", "FAIL")]
    parts = [f"{len(passed)} of {len(tests)} passed"]
    parts += [f"failed: {', '.join(failed)}"] if failed else []
    parts += [f"not reached: {', '.join(unreached)}"] if unreached else []
    return "; ".join(parts)


def _pictures(doc: dict) -> list[str]:
    lines = ["", "## Pictures", ""]
    picture = doc.get("timeline_picture")
    if picture:
        lines += [f"**Timeline:** [{picture}]({picture}) — the run on one time axis  ", "",
                  f"![The run on one time axis]({picture})", ""]
    else:
        lines += ["**Timeline:** none — the customer CLI never started, so there is no run to draw  ", ""]
    chain = doc.get("hash_chain")
    if chain:
        lines += ["**Hash chain** (recomputed by the suite from aos_trace_steps; sha256 of the run id, then each "
                  "`index:skill:status` with the store's status coercion):", "",
                  "| Link | Input | sha256 after it |", "|---|---|---|"]
        lines += [f"| {number} | {code(link['input'])} | {code(link['digest'])} |"
                  for number, link in enumerate(chain.get("links", []))]
        lines += ["", f"**Suite's root:** {code(chain.get('suite_root'))}  ",
                  f"**Coordinator's root:** {code(chain.get('coordinator_root'))}  ",
                  f"**Roots match:** {'yes' if chain.get('match') else 'NO'}  "]
    else:
        lines.append("**Hash chain:** not recomputed — its beyond-plan check did not run or had no step rows  ")
    return lines


def rules_section(doc: dict) -> list[str]:
    """Every rule of libraries/runproof/rules/table.py with its outcome, in one table (issue 23)."""
    rules = doc.get("rules") or {}
    counts = {s: sum(r["status"] == s for r in rules.values()) for s in ("PASS", "FAIL", "NOT CHECKED", "NOT REACHED")}
    lines = ["", "## Rules", "", "Every fact the run left, with its rule (libraries/runproof/rules/table.py):", "",
             ", ".join(f"{n} {s}" for s, n in counts.items()) + " (libraries/runproof/rules/table.py)", "",
             "| Fact | Rule | Result | Observed / why |", "|---|---|---|---|"]
    for name, r in rules.items():
        detail = r["message"] or ("" if r["observed"] is None else code(r["observed"]))
        lines.append(f"| {cell(name)} | {cell(r['rule'])} | {r['status']} | {cell(detail)} |")
    return lines


def render_markdown(doc: dict) -> str:
    """evidence.md, each value once: the result and its causes, §2 Record, §7 Output Template, the rules, the
    pictures, then the detail."""
    causes = doc.get("causes", [])
    cause_of = {}
    for number, cause in enumerate(causes, 1):
        for name in [cause.get("test"), *cause.get("failures", []), *cause.get("not_reached", [])]:
            cause_of.setdefault(name, number)
    lines = ["# Run Proof Test Plan v4 — evidence", "", f"**Result:** {cell(doc['result_line'])}  "]
    lines += [f"**Cause:** {cell(line)}  " for line in doc.get("cause_lines", [])]
    lines += [f"**Downgraded:** {cell(each['name'])}: {cell(each['finding'])}  " for each in doc.get("downgraded", [])]
    if doc["result"] == "INCOMPLETE":
        lines.append(f"**Stopped:** {cell(doc.get('stop_reason'))}  ")
    if not doc.get("plan_complete", True):
        lines.append("**Selection:** only part of the plan was selected — criteria without selected tests are NOT RUN  ")
    if doc.get("prerequisites_added"):
        lines.append(f"**Prerequisites added:** {len(doc['prerequisites_added'])} tests the selection needs "
                     "(they ran and count; criteria are judged on the selected tests)  ")
    lines += [f"**Started:** {code(doc.get('started_at', ''))}  ", f"**Generated:** {code(doc.get('generated_at', ''))}  "]
    lines += ["", "## 2. Customer CLI Run — Record", ""]
    lines += [f"**{label}:** {shown(doc, key)}  " for key, label in RECORD]
    if doc.get("proof_run"):
        lines.append(f"**Proof run:** {cell(doc['proof_run'])}  ")
    recorded = {key for key, _ in RECORD}
    lines += ["", "## 7. Output Template", ""]
    lines += [f"**{label}:** {'(§2 above)' if key in recorded else shown(doc, key)}  " for key, label in TEMPLATE]
    lines += rules_section(doc)
    lines += _pictures(doc)
    lines += ["", "## 6. Acceptance Criteria", "", "| # | Criterion | Result | Tests |", "|---|---|---|---|"]
    for ac, text in CRITERIA.items():
        lines.append(f"| {ac} | {cell(text)} | {doc['acceptance'].get(ac, 'NOT RUN')} | {cell(_tests_of(ac, doc))} |")
    lines += ["", "## Target", ""]
    lines += [f"**{name}:** {code(value)}  " for name, value in doc.get("target", {}).items()] or ["none recorded"]
    lines += ["", "## Plan deviations", ""]
    lines += [f"- {cell(d)}" for d in doc.get("deviations", [])] or ["- none"]
    if doc.get("plan_before_execution"):
        order = doc["plan_before_execution"]
        lines += ["", "## Plan stored before execution: how it was observed", "",
                  f"**How:** {code(order.get('how'))}  ", f"**Evidence:** {cell(order.get('detail'))}  "]
        if order.get("watched"):
            lines += ["", "Watched while the CLI ran (database time, state):", ""]
            lines += [f"- {cell(line)}" for line in order["watched"]]
    lines += coordinator_tests_section(doc)
    if doc.get("prerequisites_added"):
        lines += ["", "## Added to the selection as prerequisites", ""]
        lines += [f"- {cell(each['name'])}: {cell(each['reason'])}" for each in doc["prerequisites_added"]]
    if doc.get("cli_claims"):
        lines += ["", "## What the CLI claimed (checked against the database)", ""]
        lines += [f"- {cell(k)}: {code(v) if v is not None else '`null`'}" for k, v in doc["cli_claims"].items()]
    if doc.get("neighbours") or doc.get("history"):
        lines += ["", "## The lived-in target", ""]
        if doc.get("history"):
            lines.append(f"- before the proof run: {cell(', '.join(f'{k} {v}' for k, v in doc['history'].items()))}")
        for neighbour in doc.get("neighbours") or []:
            lines.append(f"- neighbour {code(neighbour.get('run_id'))} of tenant {code(neighbour.get('tenant_id'))}: "
                         f"{cell(neighbour.get('when'))}")
    if doc.get("provenance"):
        lines += ["", "## Provenance", ""]
        lines += [f"- {cell(k)}: {code(v) if v not in (None, '') else '`null`'}" for k, v in doc["provenance"].items()]
    unexplained = {text: [n for n in names if n not in cause_of] for text, names in doc.get("not_reached", {}).items()}
    unexplained = {text: names for text, names in unexplained.items() if names}
    if unexplained:
        lines += ["", "## Not reached, and why", ""]
        for text, names in unexplained.items():
            lines.append(f"- {cell(text)} — {len(names)} test{'s' if len(names) != 1 else ''}: {cell(', '.join(names))}")
    lines += ["", "## Every test", "", "| Test | Result | Detail |", "|---|---|---|"]
    for test in doc.get("tests", []):
        number = cause_of.get(test["name"])
        if number and causes[number - 1].get("test") == test["name"]:
            detail = f"cause {number} (above)"
        elif number and test["status"] == "NOT REACHED":
            detail = f"not reached — follows cause {number}"
        elif number:
            detail = f"{test['message']} — follows cause {number}"
        elif test["status"] == "NOT REACHED":
            detail = "see “Not reached, and why”"
        elif test["status"] == "DOWNGRADED":
            detail = f"downgraded by the run's --skiponfailure/--skip: {test['message']}"
        else:
            detail = test["message"]
        lines.append(f"| {cell(test['name'])} | {test['status']} | {cell(detail)} |")
    return "\n".join(lines) + "\n"


def step_summary(doc: dict) -> str:
    """What a CI job summary shows (GitHub's `$GITHUB_STEP_SUMMARY`): the verdict, its causes, the downgraded findings
    and the acceptance table — evidence.md's head, in the same words."""
    lines = ["## Run Proof Test Plan v4", "", f"**Result:** {cell(doc['result_line'])}  "]
    lines += [f"**Cause:** {cell(line)}  " for line in doc.get("cause_lines", [])]
    lines += [f"**Downgraded:** {cell(each['name'])}: {cell(each['finding'])}  " for each in doc.get("downgraded", [])]
    lines += ["", "| # | Criterion | Result | Tests |", "|---|---|---|---|"]
    for ac, text in CRITERIA.items():
        lines.append(f"| {ac} | {cell(text)} | {doc['acceptance'].get(ac, 'NOT RUN')} | {cell(_tests_of(ac, doc))} |")
    return "\n".join(lines) + "\n\n"
