"""The plan's section 7 Output Template and the acceptance table, rendered as Markdown for stakeholders."""

from __future__ import annotations

from criteria import CRITERIA

# evidence.json keys in the order of the plan's Output Template, with the template's labels.
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
TEMPLATE_KEYS = [key for key, _ in TEMPLATE] + ["origin_system_id", "run_error", "pytest_summary"]

# The Output Template values that prove each criterion.
PROOF = {
    "AC1": ("run_id", "tenant_id", "origin_system_id", "run_status"),
    "AC2": ("plan_json_stored",),
    "AC3": ("trace_rows", "trace_step_count"),
    "AC4": ("integrity_model", "verification_status", "chain_length", "root_hash"),
    "AC5": ("pytest_summary",),
}


def shown(value) -> str:
    if value is None:
        return "null (not reached)"
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_markdown(doc: dict) -> str:
    lines = ["# Run Proof Test Plan v4 — evidence", "",
             f"**Result:** {doc['result']}  ", f"**Generated:** {doc['generated_at']}  "]
    if doc.get("stop_reason"):
        lines.append(f"**Stopped at:** {cell(doc['stop_reason'])}  ")
    for name, value in doc.get("target", {}).items():
        lines.append(f"**{name}:** `{value}`  ")
    lines += ["", "## 7. Output Template", ""]
    lines += [f"**{label}:** `{shown(doc.get(key))}`  " for key, label in TEMPLATE]
    lines += ["", "## 6. Acceptance Criteria", "", "| # | Criterion | Result | Proved by |", "|---|---|---|---|"]
    for ac, text in CRITERIA.items():
        result = doc["acceptance"].get(ac, "NOT REACHED")
        proof = ", ".join(f"{key}={shown(doc.get(key))}" for key in PROOF[ac])
        if result != "PASS":
            failing = [t for t in doc["criteria_tests"].get(ac, []) if t["status"] != "PASS"]
            proof = f"{failing[0]['name']}: {failing[0]['message']}" if failing else "no test ran"
        lines.append(f"| {ac} | {text} | {result} | {cell(proof)} |")
    lines += ["", "## Plan deviations", ""]
    lines += [f"- {cell(d)}" for d in doc["deviations"]] or ["- none"]
    if doc.get("beyond_plan"):
        lines += ["", "## Beyond the plan", "", "| Check | Result | Evidence |", "|---|---|---|"]
        lines += [f"| {cell(name)} | {c['status']} | {cell(c['detail'])} |" for name, c in doc["beyond_plan"].items()]
    lines += ["", "## Every test", "", "| Test | Status | Message |", "|---|---|---|"]
    lines += [f"| {cell(t['name'])} | {t['status']} | {cell(t['message'])} |" for t in doc["tests"]]
    return "\n".join(lines) + "\n"
