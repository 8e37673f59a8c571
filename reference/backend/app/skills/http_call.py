"""http_call: a real HTTP request. A failed call returns status 'error' without raising (contract §3)."""

import os
import urllib.request

TIMEOUT_SECONDS = float(os.environ.get("HTTP_CALL_TIMEOUT", "10"))


class HttpCallSkill:
    name = "http_call"
    version = "1.0.0"

    async def execute(self, params: dict) -> dict:
        request = urllib.request.Request(params["url"], method=params.get("method", "GET"))
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                return {"status": "ok", "code": response.status, "body": response.read(500).decode(errors="replace")}
        except Exception as exc:  # noqa: BLE001 — the real skill reports every failure as a result
            return {"status": "error", "error": f"{type(exc).__name__}: {exc}"}
