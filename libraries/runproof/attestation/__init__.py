"""attestation: evidence a stakeholder can check later (issue 34).

Every run (and every `rebot` merge with the `merged_verdict` modifier) leaves in its output folder an in-toto Statement
v1 — its subjects the sha256 of output.xml, evidence.json, evidence.md, the xunit file, report.html, log.html and the
timeline picture; its predicate the in-toto Test Result predicate extended with what the plan proves (`runproof`) —
wrapped in a DSSE envelope, signed with Ed25519 when a key is given (`statement`, `signing`, `writer`). The
`runproof-verify` command (`verify`) checks an output folder against it: the digests, the signature, the evidence
against output.xml, and the run's rows in the database.

When it is written (docs/decisions/attestation-timing.md): output.xml, log.html and report.html exist only once Robot
closes, after every library listener has been closed, so the evidence library registers a `writer.Attester` with
Robot's logger at the end of the top suite; Robot tells it each result file it writes and closes it last.

Imports: `statement`, `signing` and `writer` import only `evidence/`, `rules/` and `criteria` (the evidence library
imports them); `verify` imports the evidence's judgement from `keywords/` as `robot_hooks` does, never the reverse.
"""

ENVELOPE = "attestation.dsse.json"      # the DSSE envelope: the Statement as its payload, its signatures
STATEMENT = "attestation.statement.json"  # the same Statement in plain JSON, for reading
PREDICATE = "attestation.predicate.json"  # the predicate alone: what a CI job's own signing attests (docs/attestation.md)
OUTPUTS = (ENVELOPE, STATEMENT, PREDICATE)

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PREDICATE_TYPE = "https://in-toto.io/attestation/test-result/v0.1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"

# The subjects by kind, as Robot names its result files, and their default names in the output folder (a plain
# `robot suites/` writes no xunit file; `--output rerun.xml` names another one: Robot tells the writer the real paths).
DEFAULT_FILES = {"output": "output.xml", "evidence.json": "evidence.json", "evidence.md": "evidence.md",
                 "xunit": "xunit.xml", "junit": "junit.xml", "report": "report.html", "log": "log.html",
                 "timeline": "timeline.svg"}

KEY_VARIABLE = "SIGNING_KEY"             # the Robot variable (a Secret): a PEM value or the path of a PEM file
KEY_ENVIRONMENT = "RUNPROOF_SIGNING_KEY"   # its default, and rebot's and runproof-verify's source of a key
