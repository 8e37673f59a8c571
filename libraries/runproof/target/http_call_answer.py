"""A tiny HTTP server on 127.0.0.1 that answers the stub plan's http_call, so no run needs the internet.

It answers any path and counts the requests per path: each CLI process the suite starts is given a URL of its own
(`<url>/<process name>`), so a request is attributable to the run that made it. A path under `/unanswered/` is
never answered (the connection is closed before any response), and neither is a CONNECT (a proxy tunnel): that is
how the suite makes one run's http_call fail, on the reference through its URL and on a backend that calls the real
URL through HTTPS_PROXY."""

from __future__ import annotations

import http.server
import threading

ZEN = b"Keep it logically awesome."


UNANSWERED = "/unanswered/"


class _Zen(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 — the name http.server calls
        if self.path.startswith(UNANSWERED):
            self.close_connection = True
            return
        with self.server.lock:
            self.server.hits += 1
            self.server.paths[self.path] = self.server.paths.get(self.path, 0) + 1
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(ZEN)

    def do_CONNECT(self) -> None:  # noqa: N802 — a proxy tunnel: closed unanswered
        self.close_connection = True

    def log_message(self, *args: object) -> None:
        pass


class HttpCallAnswer:
    def __init__(self) -> None:
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Zen)
        self._server.hits = 0
        self._server.paths = {}
        self._server.lock = threading.Lock()
        # A short poll interval: shutdown() waits for the serving loop to notice it.
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/zen"

    @property
    def hits(self) -> int:
        return self._server.hits

    def url_for(self, name: str) -> str:
        """The URL that makes `name`'s requests countable on their own."""
        return f"{self.url}/{name}"

    def unanswered_url_for(self, name: str) -> str:
        """A URL on which `name`'s requests get no answer: the connection closes before any response."""
        return f"http://127.0.0.1:{self._server.server_port}{UNANSWERED}{name}"

    @property
    def unanswered_proxy(self) -> str:
        """An HTTPS_PROXY that answers no tunnel: a call through it fails without reaching anything."""
        return f"http://127.0.0.1:{self._server.server_port}"

    def hits_on(self, url: str) -> int:
        """How many requests reached this URL's path."""
        path = url.split(f"127.0.0.1:{self._server.server_port}", 1)[-1]
        with self._server.lock:
            return self._server.paths.get(path, 0)

    def start(self) -> "HttpCallAnswer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "HttpCallAnswer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
