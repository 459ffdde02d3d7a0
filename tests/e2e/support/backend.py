"""A stand-in for the Cortex API behind the load balancer.

A threaded HTTP server on 127.0.0.1 (a free port, or the one given) that answers every method
with 200 and a JSON echo of the request, and records each request (method, path, query, headers,
body) for assertions. Requests reach it through LocalStack's REST invoke proxying, once the load
balancer's DNS name is mapped to 127.0.0.1 in the emulator's hosts file (see hosts.py).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str  # without the query string
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    raw_path: str = ""  # as sent, with the query string

    def json(self):
        return json.loads(self.body.decode()) if self.body else None


@dataclass
class Backend:
    host: str
    port: int
    requests: list[Request] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def record(self, req: Request) -> None:
        with self._lock:
            self.requests.append(req)

    def received(self, method: str | None = None, path: str | None = None) -> list[Request]:
        with self._lock:
            return [r for r in self.requests
                    if (method is None or r.method == method) and (path is None or r.path == path)]

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None


def _handler_for(backend: Backend):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "cortex-stand-in/1"

        def log_message(self, fmt, *args):  # quiet: pytest shows failures, not access logs
            pass

        def _body(self) -> bytes:
            if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
                out = b""
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                    if size == 0:
                        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                            pass
                        return out
                    out += self.rfile.read(size)
                    self.rfile.readline()
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def _handle(self) -> None:
            body = self._body()
            parts = urlsplit(self.path)
            req = Request(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                raw_path=self.path,
            )
            backend.record(req)
            echo = {
                "method": req.method,
                "path": req.path,
                "query": req.query,
                "headers": req.headers,
                "body": body.decode("utf-8", "replace"),
            }
            data = json.dumps(echo).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle

    return Handler


def start_backend(port: int = 0, host: str = "127.0.0.1") -> Backend:
    """Starts the stand-in on host:port (port 0: a free one) in a daemon thread."""
    backend = Backend(host=host, port=0)
    server = ThreadingHTTPServer((host, port), _handler_for(backend))
    server.daemon_threads = True
    backend.port = server.server_address[1]
    backend._server = server
    backend._thread = threading.Thread(target=server.serve_forever, name=f"backend:{backend.port}",
                                       daemon=True)
    backend._thread.start()
    return backend
