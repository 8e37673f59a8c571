"""Every effect of the runs counted (issue 31): the rows of every table after the runs, against the snapshot taken
before them, each difference attributed by key to a run the suite made, or named as unaccounted for.

The rows come as JSON text (PostgreSQL's `row_to_json`), keyed by the table's primary key (the whole row where a
table has none). A run's rows are found by the keys contract §4 writes them under: `runs.id`, `aos_traces.run_id` and
`trace_id = 'trace_' || run_id`, `aos_trace_steps.trace_id`; a row of any other table belongs to a run when one of its
columns holds the run's id, its trace's id or the run's agent (contract §4: `memories`, `provenance`, … are written by
a run too).
"""

from __future__ import annotations

import json


def _keyed(texts: list[str], key: list[str]) -> dict[str, dict]:
    rows = [json.loads(text) for text in texts]
    if not key:
        return {json.dumps(row, sort_keys=True): row for row in rows}
    return {json.dumps([row.get(column) for column in key]): row for row in rows}


def _owner(table: str, row: dict, runs: dict[str, str], agent: str) -> str | None:
    """The label of the run this row belongs to, by the keys contract §4 writes it under; None for nobody's."""
    for label, run_id in runs.items():
        keys = {run_id, f"trace_{run_id}"}
        if table == "runs" and row.get("id") == run_id:
            return label
        if table != "runs" and any(str(value) in keys for value in row.values() if value is not None):
            return label
    if table not in ("runs", "aos_traces", "aos_trace_steps", "agents") and agent in map(str, row.values()):
        return "the suite's agent"
    return None


ADDED_BY_A_RUN = "added under the keys a run of the suite writes (contract §4)"


def account_for_effects(before: dict, after: dict, runs: dict[str, str], agent: str
                        ) -> tuple[list[str], list[str], list[dict]]:
    """One line per table with effects, one failure per effect nobody accounts for (table, key, columns), and every
    difference as evidence: `table`, `key`, `change` (added, changed, removed), `owner`, `rule`, `status`."""
    lines, wrong, effects = [], [], []
    for table in sorted(set(before["rows"]) | set(after["rows"])):
        key = after["keys"].get(table) or before["keys"].get(table) or []
        old = _keyed(before["rows"].get(table, []), key)
        new = _keyed(after["rows"].get(table, []), key)
        added = [k for k in new if k not in old]
        removed = [k for k in old if k not in new]
        changed = [k for k in new if k in old and new[k] != old[k]]
        if table == "agents":  # the suite's agent has its own rule, held unchanged there
            changed = [k for k in changed if new[k].get("id") != agent]
        owners: dict[str, int] = {}
        for k in added:
            owner = _owner(table, new[k], runs, agent)
            effects.append({"table": table, "key": k, "change": "added", "owner": owner, "rule": ADDED_BY_A_RUN,
                            "status": "FAIL" if owner is None else "PASS"})
            if owner is None:
                wrong.append(f"{table} row {k} was added by no run of the suite's")
            else:
                owners[owner] = owners.get(owner, 0) + 1
        for k in changed:
            columns = sorted(c for c in new[k] if new[k].get(c) != old[k].get(c))
            effects.append({"table": table, "key": k, "change": "changed", "columns": columns, "owner": None,
                            "rule": "a run changes no row it did not add", "status": "FAIL"})
            wrong.append(f"{table} row {k} was changed ({', '.join(columns)}): a run changes no row it did not add")
        for k in removed:
            effects.append({"table": table, "key": k, "change": "removed", "owner": None,
                            "rule": "a run removes no row", "status": "FAIL"})
            wrong.append(f"{table} row {k} was removed")
        if owners:
            lines.append(f"{table}: " + ", ".join(f"{n} row(s) of {owner}" for owner, n in owners.items()))
    return lines, wrong, effects
