"""A fault-injecting HTTP proxy for S3 tests (reusable: start it in front of any S3 endpoint).

Clients talk to the proxy as if it were the store; it forwards every request to ``upstream`` and, for a
seeded fraction of requests, injects one of these faults instead:

- ``slowdown``: answer ``503 SlowDown`` without forwarding (S3's throttling response);
- ``error500``: answer ``500 InternalError`` without forwarding;
- ``reset``: read the request, then reset the TCP connection without forwarding it;
- ``drop``: forward the request, then reset the connection instead of answering (the store did the work
  but the client never hears of it: retries must be idempotent);
- ``cut``: forward a GET, send the headers and the first half of the object body, then reset (a
  connection lost in the middle of a download; only for bodies of at least ``cut_min_bytes``).

Decisions are deterministic: a request's fate is a hash of the seed, its method, path, query, Range
header and how many times that same request was seen before, so retries draw again and two runs with the
same seed and the same requests see the same faults, whatever the thread interleaving.
"""

from __future__ import annotations

import hashlib
import re
import http.client
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

FAULT_KINDS = ("slowdown", "error500", "reset", "drop", "cut")
_UPLOAD_ID = re.compile(r"uploadId=[^&]*")

_ERROR_BODY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
    "<RequestId>FAULTPROXY</RequestId></Error>"
)


@dataclass
class FaultPlan:
    """Probability of each fault per request (their sum must be <= 1)."""

    slowdown: float = 0.0
    error500: float = 0.0
    reset: float = 0.0
    drop: float = 0.0
    cut: float = 0.0
    seed: int = 0
    cut_min_bytes: int = 64
    #: Only requests whose "METHOD path?query" matches this regex are faulted (None: all).
    match: str | None = None
    #: Only the first N attempts of each request are faulted (0: every attempt draws again).
    first_attempts: int = 0
    #: Seconds every forwarded request is held (to build up concurrency in tests).
    latency: float = 0.0
    #: Paths never faulted (moto's control API).
    exempt_prefixes: tuple[str, ...] = ("/moto-api",)

    def rates(self) -> list[tuple[str, float]]:
        return [(kind, getattr(self, kind)) for kind in FAULT_KINDS]


@dataclass
class ProxyLog:
    """What the proxy saw: every request and every injected fault."""

    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # (method, path, range)
    faults: Counter = field(default_factory=Counter)
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


class FaultProxy:
    """``with FaultProxy(upstream, FaultPlan(...)) as proxy: use proxy.endpoint``."""

    def __init__(self, upstream: str, plan: FaultPlan | None = None) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.plan = plan or FaultPlan()
        self.log = ProxyLog()
        self._seen: Counter = Counter()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "FaultProxy":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "FaultProxy":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_plan(self, plan: FaultPlan) -> None:
        with self.log.lock:
            self.plan = plan
            self._seen.clear()

    def decide(self, method: str, path: str, range_header: str | None) -> str | None:
        """The fault for this request (None: forward it untouched)."""
        with self.log.lock:
            plan = self.plan
            self.log.requests.append((method, path, range_header))
            if path.startswith(plan.exempt_prefixes):
                return None
            if plan.match is not None and not re.search(plan.match, f"{method} {path}"):
                return None
            # server-chosen ids (multipart upload ids) differ between runs; leave them out so the same
            # sequence of requests meets the same faults in every run
            signature = f"{method} {_UPLOAD_ID.sub('uploadId=*', path)} {range_header}"
            attempt = self._seen[signature]
            self._seen[signature] += 1
        if plan.first_attempts and attempt >= plan.first_attempts:
            return None
        digest = hashlib.sha256(f"{plan.seed}|{signature}|{attempt}".encode()).digest()
        draw = struct.unpack(">Q", digest[:8])[0] / 2**64
        for kind, rate in plan.rates():
            if draw < rate:
                return kind
            draw -= rate
        return None

    def record(self, kind: str) -> None:
        with self.log.lock:
            self.log.faults[kind] += 1

    def enter(self) -> None:
        with self.log.lock:
            self.log.in_flight += 1
            self.log.max_in_flight = max(self.log.max_in_flight, self.log.in_flight)

    def leave(self) -> None:
        with self.log.lock:
            self.log.in_flight -= 1

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(_ProxyHandler):
            owner = proxy

        return Handler


class _ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    owner: FaultProxy

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet
        pass

    def do_GET(self) -> None:
        self.owner.enter()
        try:
            self._proxy()
        finally:
            self.owner.leave()

    do_PUT = do_POST = do_DELETE = do_HEAD = do_GET

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reset(self) -> None:
        """Abort the TCP connection with RST (what a client sees as 'connection reset by peer')."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def _send_error_xml(self, status: int, code: str, message: str) -> None:
        body = _ERROR_BODY.format(code=code, message=message).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _proxy(self) -> None:
        body = self._read_body()
        path = self.path
        fault = self.owner.decide(self.command, path, self.headers.get("Range"))
        if fault == "slowdown":
            self.owner.record(fault)
            return self._send_error_xml(503, "SlowDown", "Please reduce your request rate.")
        if fault == "error500":
            self.owner.record(fault)
            return self._send_error_xml(500, "InternalError", "We encountered an internal error. Please try again.")
        if fault == "reset":
            self.owner.record(fault)
            return self._reset()
        if self.owner.plan.latency:
            time.sleep(self.owner.plan.latency)
        status, reason, headers, payload = self._forward(body)
        if fault == "drop":
            self.owner.record(fault)
            return self._reset()
        cut = fault == "cut" and self.command == "GET" and status in (200, 206)
        cut = cut and len(payload) >= self.owner.plan.cut_min_bytes
        self.send_response_only(status, reason)
        for name, value in headers:
            if name.lower() not in ("connection", "transfer-encoding", "keep-alive"):
                self.send_header(name, value)
        if not any(n.lower() == "content-length" for n, _ in headers):
            self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if cut:
            self.owner.record(fault)
            self.wfile.write(payload[: len(payload) // 2])
            return self._reset()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def _forward(self, body: bytes) -> tuple[int, str, list[tuple[str, str]], bytes]:
        conn = http.client.HTTPConnection(*self.owner.upstream, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "transfer-encoding")}
            if body or self.command in ("PUT", "POST"):
                headers["Content-Length"] = str(len(body))
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            payload = resp.read() if self.command != "HEAD" else b""
            return resp.status, resp.reason, resp.getheaders(), payload
        finally:
            conn.close()
