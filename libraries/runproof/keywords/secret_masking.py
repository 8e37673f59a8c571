"""No secret reaches an artefact: the run's secrets are registered before the first keyword, and a listener masks
every message Robot writes.

Libraries mask the text they produce (masking.py says the rule). This listener is the net under them, for the text
Robot produces itself: the `${var} = …` line of every assignment, every argument and return value at TRACE, Process's
configuration at DEBUG, a failure message of a BuiltIn keyword, suite metadata. Listener v3 may change a message
before it is written (`log_message`) and a result's message, documentation and metadata before output.xml, the
console and the xUnit file see them (`end_keyword`, `end_test`, `end_suite`) — what a library listener cannot reach
is the data as written in the .robot files (`<arg>` holds `${DATABASE_URL}`, not its value).

Imported by variables.resource, which every suite imports: a library listener hears only the suites that import it.
"""

from __future__ import annotations

import os
import re

from robot.api.deco import library
from robot.api.types import Secret
from robot.libraries.BuiltIn import BuiltIn

from runproof.evidence.masking import looks_secret, mask, register, register_environment
from runproof import DOC_FORMAT, VERSION

# Process logs `Process configuration:` with an `env:` line at DEBUG; its values are Secrets already
# (backend_process.py), and its names are the CI job's business, not the log's.
PROCESS_ENV_LINE = re.compile(r"^(env:\s*)\{.*\}$", re.M | re.S)


@library(scope="GLOBAL", listener="SELF", version=VERSION, doc_format=DOC_FORMAT)
class SecretMasking:
    """Registers the run's secrets when the first suite imports it, and masks every message Robot writes.

    Registered: the values of environment variables whose names say they are secrets (PASSWORD, SECRET, TOKEN,
    KEY, CREDENTIAL — PGPASSWORD among them), the password of every URL with user info in the environment, every
    variable given as a `Secret` or named like a secret, and DATABASE_URL however it was given (environment, `-v`,
    `-V` variable file). A DATABASE_URL given as a plain string (`-v DATABASE_URL:…`) is made a `Secret` here,
    before any keyword receives it, so that no argument log shows it.
    """

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self) -> None:
        register_environment(os.environ)
        try:
            variables = BuiltIn().get_variables(no_decoration=True)
        except Exception:  # noqa: BLE001 — imported outside a run (libdoc): nothing to register
            return
        for name, value in variables.items():
            if isinstance(value, Secret) or looks_secret(name) or name == "DATABASE_URL":
                register(value)
        url = variables.get("DATABASE_URL")
        if isinstance(url, str):
            BuiltIn().set_global_variable("${DATABASE_URL}", Secret(url))

    # --- listener ---------------------------------------------------------------------------------------------
    def log_message(self, message) -> None:
        text = message.message
        if text.startswith("Process configuration:"):
            text = PROCESS_ENV_LINE.sub(r"\g<1>(not logged: the command above shows the plan's assignments)", text)
        message.message = mask(text)

    def end_keyword(self, data, result) -> None:
        result.message = mask(result.message)

    def end_test(self, data, result) -> None:
        result.message = mask(result.message)
        result.doc = mask(result.doc)

    def end_suite(self, data, result) -> None:
        result.message = mask(result.message)
        result.doc = mask(result.doc)
        for name, value in list(result.metadata.items()):
            result.metadata[name] = mask(value)
