"""The contract's HASH_CHAIN, recomputed in the suite's own process from Postgres step rows (contract §6), and shown:
each link's input and the digest after it, the suite's root beside the coordinator's (log.html and evidence.md)."""

from __future__ import annotations

from html import escape

from robot.api import logger
from robot.api.deco import keyword, library

from runproof import DOC_FORMAT, VERSION
from runproof.keywords.evidence import record_into_the_run_evidence
from runproof.rules.hash_chain import chain_links, root_hash


def chain_html(chain: dict) -> str:
    """The chain as an HTML table for log.html."""
    rows = "".join(f"<tr><td>{number}</td><td><code>{escape(link['input'])}</code></td>"
                   f"<td><code>{link['digest']}</code></td></tr>" for number, link in enumerate(chain["links"]))
    verdict = "match" if chain["match"] else "DIFFER"
    return (f"<table><tr><th>link</th><th>input</th><th>sha256 after it</th></tr>{rows}</table>"
            f"<p>suite's root <code>{chain['suite_root']}</code>, coordinator's root "
            f"<code>{escape(str(chain['coordinator_root']))}</code>: <b>{verdict}</b></p>")


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class HashChain:
    """The coordinator's HASH_CHAIN, recomputed by the suite."""

    @keyword
    def root_hash_from_step_rows(self, run_id: str, rows: list, coordinator_root: str | None = "") -> str | None:
        """The root hash of the run from its aos_trace_steps rows (dictionaries with step_index, skill_name, status).

        Given `coordinator_root` — the coordinator's root hash (None when it gave none): then the chain (each link's input and digest) and
        both roots are shown in the log as a table and recorded as the evidence's `hash_chain`.
        Returns the 64-hex sha256, or None for no steps.

        Example: `${recomputed}=    Root Hash From Step Rows    ${run}[id]    ${steps}    ${proof}[root_hash]`
        """
        steps = [(row["step_index"], row["skill_name"], row["status"]) for row in rows]
        recomputed = root_hash(run_id, steps)
        if coordinator_root != "" and recomputed is not None:  # given, even as None (no answer)
            chain = {"links": chain_links(run_id, steps), "suite_root": recomputed,
                     "coordinator_root": coordinator_root, "match": recomputed == coordinator_root}
            logger.info(chain_html(chain), html=True)
            record_into_the_run_evidence(hash_chain=chain)
        return recomputed

