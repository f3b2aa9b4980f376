"""The replay Hub's HTTP server: a threaded stdlib server on loopback, controllable at runtime.

Two listeners: the Hub API, and a second origin standing in for the CDN that LFS files are redirected to
(a different port, addressed by the other loopback name, so clients treat it as a foreign host).

In-process control: ``hub.as_of``, ``hub.faults``, ``hub.moving``, ``hub.request_log``, ``hub.cdn_log``,
``hub.fault_log``, ``hub.stats()``. Out-of-process control (a server started by ``radar replay-hub``):
``POST /_replay/as-of`` ``{"date": "YYYY-MM-DD" | null}``, ``POST /_replay/faults`` (a FaultPlan as a
dict, ``{}`` to clear), ``POST /_replay/moving`` (a MovingHub as a dict, ``{}`` to stop and undo),
``GET /_replay/stats``. Admin requests are neither logged nor faulted.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections import Counter
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

from pipeline.provenance import REPLAY_HEADER, announcement
from pipeline.replay_hub import api, faults
from pipeline.replay_hub.api import Request, Response, Storage, json_response
from pipeline.replay_hub.data import ReplayData
from pipeline.replay_hub.faults import FaultPlan
from pipeline.replay_hub.moving import MovingHub

log = logging.getLogger(__name__)

ANNOUNCEMENT = announcement(synthetic=("downloads", "downloadsAllTime", "likes", "trendingScore"),
                            by_rule=("tags", "pipeline_tag", "library_name", "lastModified"))
"""Sent as ``REPLAY_HEADER`` with every answer (the real Hub never sends it): this is the replay Hub, its
counters are synthetic and some fields are assigned by rule (data/demo/hub/README.md)."""


class ReplayHub:
    """A local stand-in of the Hugging Face Hub API serving ``data`` as of a chosen date."""

    def __init__(self, data: ReplayData, host: str = "127.0.0.1", port: int = 0, as_of: date | None = None,
                 page_size: int = 1000, cdn: bool = True, xet: bool = True, cdn_host: str | None = None) -> None:
        """``cdn``: redirect LFS files (302) to the second listener, as the Hub does (``False``: answer them
        on ``/resolve/``). ``xet``: announce Xet storage for LFS files, as the Hub does today; clients must
        then run with Xet disabled (docs/replay-hub.md). ``cdn_host``: the name the CDN is addressed by
        (default: ``localhost`` for an IP host and ``127.0.0.1`` otherwise, so it is another host)."""
        if not 1 <= page_size <= api.MAX_PAGE:
            raise ValueError(f"page_size must be within 1..{api.MAX_PAGE}, got {page_size}")
        self.data = data
        self.host, self.port, self.page_size = host, port, page_size
        self.cdn, self.xet = cdn, xet
        self.cdn_host = cdn_host or ("127.0.0.1" if host == "localhost" else "localhost")
        self._initial = (as_of, page_size)
        self.as_of = as_of
        self.faults: FaultPlan | None = None
        self.moving: MovingHub | None = None
        self.request_log: list[tuple[str, str]] = []
        self.cdn_log: list[tuple[str, str, bool]] = []
        """CDN requests: (method, path, whether an ``Authorization`` header came along)."""
        self.fault_log: list[dict[str, Any]] = []
        self._server: ThreadingHTTPServer | None = None
        self._cdn_server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []

    @property
    def as_of(self) -> date | None:
        """The date the Hub is replayed at (``None``: the latest recorded date, all file versions)."""
        return self._as_of

    @as_of.setter
    def as_of(self, value: date | None) -> None:
        if value is not None and (not isinstance(value, date) or hasattr(value, "hour")):
            raise TypeError(f"as_of must be a datetime.date or None, got {value!r}")
        self._as_of = value

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the replay Hub is not started")
        return f"http://{self.host}:{self._server.server_address[1]}"

    @property
    def cdn_url(self) -> str | None:
        """The CDN's origin (``None`` when LFS files are answered on ``/resolve/`` or the Hub is stopped)."""
        if self._cdn_server is None:
            return None
        return f"http://{self.cdn_host}:{self._cdn_server.server_address[1]}"

    @property
    def storage(self) -> Storage:
        return Storage(cdn_url=self.cdn_url, xet=self.xet)

    def start(self) -> str:
        """Serve in background threads; returns the base URL to use as ``HF_ENDPOINT``."""
        if self._server is None:
            self._server = self._listen(self.port, "hub")
            if self.cdn:
                self._cdn_server = self._listen(0, "cdn")
        return self.url

    def _listen(self, port: int, role: str) -> _Server:
        server = _Server((self.host, port), _Handler)
        server.hub, server.role = self, role
        thread = threading.Thread(target=server.serve_forever, name=f"replay-{role}", daemon=True)
        thread.start()
        self._threads.append(thread)
        return server

    def stop(self) -> None:
        """Stop serving and close open keep-alive connections, so pooled clients see the Hub gone."""
        for server in (self._server, self._cdn_server):
            if server is not None:
                server.shutdown()
                server.server_close()
                server.close_connections()
        for thread in self._threads:
            thread.join()
        self._server = self._cdn_server = None
        self._threads.clear()

    def reset(self) -> None:
        """Back to the initial date and page size, no faults, a still Hub, empty logs (tests sharing one
        server)."""
        self.as_of, self.page_size = self._initial
        self.faults = None
        self.stop_moving()
        self.request_log.clear()
        self.cdn_log.clear()
        self.fault_log.clear()

    def stop_moving(self) -> None:
        """End the moving mode and put the data back as it was before it started."""
        if self.moving is not None:
            self.moving.undo(self.data)
            self.moving = None

    def stats(self) -> dict[str, Any]:
        """Requests served and faults injected (by kind), the date being replayed, how much the Hub moved."""
        served = self.data.snapshot_date(self.as_of)
        return {
            "requests": len(self.request_log),
            "cdn_requests": len(self.cdn_log),
            "faults": dict(Counter(entry["kind"] for entry in self.fault_log)),
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "snapshot_date": served.isoformat() if served else None,
            "moving": self.moving.to_dict() if self.moving else None,
        }

    def __enter__(self) -> ReplayHub:
        self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def _answer(self, method: str, target: str, headers: Any, host_header: str | None,
                role: str = "hub") -> Response:
        """Log, inject the planned faults, move the Hub before a listing page, and answer one request."""
        path, _, query = target.partition("?")
        if role == "cdn":
            self.cdn_log.append((method, path, bool(headers.get("Authorization"))))
        else:
            self.request_log.append((method, path))
        plan = self.faults
        before = plan.pick(method, target, faults.BEFORE_KINDS) if plan else None
        if before is not None:
            self._log_fault(before.kind, method, target, f"status {before.status}" if before.kind == "status"
                            else f"{before.seconds} s")
            if before.kind == "status":
                return faults.status_response(before)
            time.sleep(before.seconds)
        base_url = f"http://{host_header}" if host_header else self.url
        request = Request(method, path, parse_qsl(query, keep_blank_values=True), headers, base_url)
        moving = self.moving
        if role == "cdn":
            response = api.cdn(self.data, request)
        else:
            if moving is not None and method == "GET" and path.rstrip("/") == "/api/models":
                moving.advance(self.data, self.as_of)
            response = api.handle(self.data, self.as_of, self.page_size, request, self.storage)
        if plan is not None:
            after = plan.pick(method, target, faults.AFTER_KINDS,
                              lambda rule: faults.applicable(rule, response, method))
            if after is not None:
                self._log_fault(after.kind, method, target, faults.inject(after, response, plan))
        return response

    def _log_fault(self, kind: str, method: str, target: str, detail: str) -> None:
        self.fault_log.append({"kind": kind, "method": method, "target": target, "detail": detail})

    def _admin(self, method: str, path: str, body: bytes) -> Response:
        """``/_replay/*``: switch the date or the fault plan, read the stats (for out-of-process control)."""
        try:
            if method == "GET" and path == "/_replay/stats":
                return json_response(self.stats())
            payload = json.loads(body or b"{}")
            if method == "POST" and path == "/_replay/as-of":
                if not isinstance(payload, dict) or "date" not in payload:
                    raise ValueError('expected {"date": "YYYY-MM-DD"} or {"date": null}')
                self.as_of = date.fromisoformat(payload["date"]) if payload["date"] else None
                return json_response(self.stats())
            if method == "POST" and path == "/_replay/faults":
                self.faults = FaultPlan.from_dict(payload) if payload else None
                return json_response(self.faults.to_dict() if self.faults else {})
            if method == "POST" and path == "/_replay/moving":
                moving = MovingHub.from_dict(payload) if payload else None
                self.stop_moving()
                self.moving = moving
                return json_response(moving.to_dict() if moving else {})
        except (ValueError, TypeError) as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"error": f"unknown admin endpoint {method} {path}"}, 404)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    hub: ReplayHub
    role: str

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-answer is normal here (timeouts, faults): log, don't print."""
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    def close_connections(self) -> None:
        with self.connections_lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        super().setup()
        # Headers and body are written separately: without this, Nagle + delayed ACK add 40 ms a request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.connections.discard(self.connection)
        super().finish()

    def do_GET(self) -> None:
        self._dispatch()

    do_HEAD = do_POST = do_PUT = do_DELETE = do_GET

    def _dispatch(self) -> None:
        hub = self.server.hub
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            if self.path.startswith("/_replay/") and self.server.role == "hub":
                response = hub._admin(self.command, self.path.partition("?")[0], body)
            else:
                response = hub._answer(self.command, self.path, self.headers, self.headers.get("Host"),
                                       self.server.role)
        except Exception as exc:  # a bug must answer 500, not hang the client
            log.exception("replay Hub failed on %s %s", self.command, self.path)
            response = json_response({"error": f"replay Hub internal error: {exc}"}, 500)
        self._send(response)

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        headers = dict(response.headers)
        headers.setdefault("Content-Length", str(len(response.body)))
        headers.setdefault(REPLAY_HEADER, ANNOUNCEMENT)
        trace = self.headers.get("X-Amzn-Trace-Id")
        if trace:
            headers.setdefault("X-Request-Id", f"Root={trace}")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        try:
            if response.cut is None:
                self.wfile.write(response.body)
                return
            self.wfile.write(response.body[: response.cut])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - %s", self.address_string(), format % args)
