"""Plan §1's "int_cli.py contains no customer run creation", by behaviour: beside the plan's grep, the suite runs
int_cli's sub-commands as the product exposes them and reads what they left in the database, and imports int_cli in
the backend's interpreter to see whether the customer CLI's module comes with it (probe/import_graph.py).
"""

from __future__ import annotations

import json
import re

from robot.api import logger
from robot.api.deco import keyword, library

from runproof import DOC_FORMAT, VERSION

# argparse's usage line names the sub-commands as {a,b,c}.
CHOICES = re.compile(r"\{([A-Za-z0-9_,-]+)\}")


@library(scope="GLOBAL", version=VERSION, doc_format=DOC_FORMAT)
class IntCliBehaviour:
    """Judges what running and importing the internal CLI did."""

    @keyword("Internal CLI Sub-Commands")
    def internal_cli_sub_commands(self, help_text: str) -> list[str]:
        """The sub-commands int_cli's help lists (argparse's `{demo,list-skills}`), in order.

        Example: `${commands}=    Internal CLI Sub-Commands    ${help.stdout}`
        """
        match = CHOICES.search(help_text or "")
        return match.group(1).split(",") if match else []

    @keyword
    def internal_cli_should_have_created_nothing(self, before: dict, after: dict, exits: dict, import_graph: str,
                                                 customer_module: str) -> str:
        """No run, trace or agent row appeared while int_cli's commands ran, and importing int_cli did not import
        the customer CLI's module. Every finding is named, with where to look.

        Given `before`/`after` — the row counts around the commands; `exits` — each command's exit code;
        `import_graph` — the JSON printed by probe/import_graph.py; `customer_module` — the customer CLI's module.
        Returns what was compared.

        Example: `${detail}=    Internal CLI Should Have Created Nothing    ${before}    ${after}    ${exits}    ${out}    ${CUS_CLI_MODULE}`
        """
        findings = [f"{table} {before[table]} → {after[table]}" for table in before if after.get(table) != before[table]]
        problems = [f"rows appeared while its commands ({', '.join(f'{c}: exit {rc}' for c, rc in exits.items())}) "
                    f"ran: {', '.join(findings)}"] if findings else []
        try:
            graph = json.loads(import_graph.strip().splitlines()[-1])
        except (ValueError, IndexError):
            raise AssertionError(f"the import graph probe printed no JSON: {import_graph[:200]!r}") from None
        chain = (graph.get("forbidden") or {}).get(customer_module)
        if chain:
            problems.append(f"importing it imports the customer CLI ({' → '.join(chain)})")
        if problems:
            raise AssertionError(f"int_cli creates customer runs: {'; '.join(problems)}")
        error = f" (the import itself failed: {graph['error']})" if graph.get("error") else ""
        detail = (f"int_cli ran {', '.join(f'{c} (exit {rc})' for c, rc in exits.items())} and left "
                  f"{', '.join(f'{t} {n}' for t, n in after.items())} unchanged; importing it loaded "
                  f"{len(graph.get('imported', []))} modules, not {customer_module}{error}")
        logger.info(detail)
        return detail
