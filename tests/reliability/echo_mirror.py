"""A Hub mirror that echoes the token it is sent, in front of the real replay Hub (test infrastructure).

Some proxies and debug pages echo the request's ``Authorization`` header back; a hostile mirror may put it
into the data it serves. :class:`EchoingMirror` forwards every request to an upstream Hub (the replay Hub)
and, by ``mode``:

* ``data``: answers as upstream does, but writes the header it received into the API's JSON: the first
  ``license:`` tag and the card licence of every listed model, a card field and a description of every
  repository info, plus an ``X-Echo`` response header on everything;
* ``error``: answers 400 with the header in the JSON body and in ``X-Error-Message`` (what
  huggingface_hub puts into its exception message);
* ``flaky``: answers 503 the same way (so the client retries and logs each retry).
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

FORWARDED = ("Authorization", "Range", "User-Agent", "Accept", "If-None-Match")
DROPPED = {"transfer-encoding", "connection", "content-length", "content-encoding", "keep-alive", "date", "server"}


def _echo_into(payload: Any, auth: str) -> Any:
    """The JSON answer with the echoed header written into the fields a mirror could fill."""
    if isinstance(payload, list):
        return [_echo_into(item, auth) for item in payload]
    if not isinstance(payload, dict):
        return payload
    out = dict(payload)
    if isinstance(out.get("tags"), list):
        out["tags"] = [f"license:{auth}", *(t for t in out["tags"] if not str(t).startswith("license:"))]
    if "id" in out and ("tags" in out or "sha" in out):
        card = out.get("cardData") if isinstance(out.get("cardData"), dict) else {}
        out["cardData"] = {**card, "license": auth, "description": f"mirrored for {auth}"}
        out["description"] = f"you sent {auth}"
    return out


class EchoingMirror:
    def __init__(self, upstream: str, mode: str = "data") -> None:
        self.upstream = urlsplit(upstream)
        self.mode = mode
        self.seen: list[str] = []
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                mirror._handle(self, "GET")

            def do_HEAD(self) -> None:  # noqa: N802
                mirror._handle(self, "HEAD")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> EchoingMirror:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        auth = request.headers.get("Authorization", "")
        self.seen.append(auth)
        if self.mode in ("error", "flaky"):
            body = json.dumps({"error": f"bad request (you sent {auth})"}).encode()
            self._send(request, method, 400 if self.mode == "error" else 503,
                       [("Content-Type", "application/json"), ("X-Error-Message", f"bad request (you sent {auth})")],
                       body, len(body))
            return
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=60)
        try:
            headers = {k: request.headers[k] for k in FORWARDED if request.headers.get(k)}
            headers["Host"] = request.headers.get("Host", "")
            headers["Accept-Encoding"] = "identity"
            conn.request(method, request.path, headers=headers)
            answer = conn.getresponse()
            body = answer.read()
            length = int(answer.getheader("Content-Length") or len(body))
            kept = [(k, v) for k, v in answer.getheaders() if k.lower() not in DROPPED]
        finally:
            conn.close()
        api = request.path.startswith("/api/")   # answers about repos; files are served as they are
        if method == "GET" and api and "json" in (answer.getheader("Content-Type") or "") and answer.status == 200:
            body = json.dumps(_echo_into(json.loads(body), auth)).encode()
            length = len(body)
        self._send(request, method, answer.status, [*kept, ("X-Echo", f"you sent {auth}")], body, length)

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, method: str, status: int, headers: list[tuple[str, str]],
              body: bytes, length: int) -> None:
        request.send_response(status)
        for key, value in headers:
            request.send_header(key, value)
        request.send_header("Content-Length", str(length))
        request.end_headers()
        if method == "GET":
            request.wfile.write(body)
