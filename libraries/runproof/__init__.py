"""runproof: a Robot Framework suite that proves the Run Proof Test Plan v4 against a backend.

The package, by concern (each subpackage's docstring says more):

- `keywords/`: the keyword libraries the resource files import;
- `target/`: DATABASE_URL, the throwaway PostgreSQL, the backend's environment, the reaper;
- `facts/`: the suite's own model and the backend's call graph;
- `rules/`: every fact the run leaves and its rule, the HASH_CHAIN, the coordinator tests' judgement;
- `evidence/`: evidence.json / evidence.md, causes, the console verdict, the timeline, masking;
- `robot_hooks/`: variable files, the pre-rebot modifier, the one robot command line;
- `attestation/`: the signed in-toto attestation of every run and merge, and `runproof-verify` (docs/attestation.md).

Imports go one way: `robot_hooks` and `keywords` import the other subpackages, never the reverse; `attestation`'s
writer is imported by them, and only its `verify` command imports `keywords`' judgement.
Every keyword library declares the same version and documentation format (Markdown, rendered by libdoc with the
`markdown` package).
"""

from pathlib import Path

VERSION = "3.0"
DOC_FORMAT = "MARKDOWN"

# The checkout the package is installed from (editable): suites/, probe/ and robot.args sit beside libraries/.
CHECKOUT = Path(__file__).resolve().parents[2]
PROBE_DIR = CHECKOUT / "probe"
