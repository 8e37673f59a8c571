"""The rules: every fact the run leaves (a row's column, a coordinator field, a CLI line) and the rule it is held to,
the HASH_CHAIN recomputed, and the judgement of the backend's coordinator tests (AC5)."""
