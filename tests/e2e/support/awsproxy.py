"""A recording, fault-injecting HTTP proxy in front of an AWS emulator.

Run in-process (threads); the CLI talks to it instead of the emulator, e.g.
`AWS_ENDPOINT_URL_APIGATEWAYV2=<proxy.url>` (HTTP APIs on moto) or
`AWS_ENDPOINT_URL_API_GATEWAY=<proxy.url>` (REST APIs on LocalStack). Every request is forwarded
unchanged (method, path, query, headers including Authorization and Host, body); neither emulator
checks signatures, so no re-signing is needed.

It records each call in order as an API operation name derived from method and path
(`DELETE /v2/apis/{id}` -> DeleteApi, `PUT /restapis/{id}/resources/{id}/methods/ANY/integration`
-> PutIntegration; see `operation_name`), and injects faults by rule:

- `vpc_link_pending(n)`: the first n GetVpcLink answers say PENDING, later ones are the real
  answer (GetVpcLinks items show the same status meanwhile, without counting as polls); `vpc_link_pending(None)`: PENDING forever; `vpc_link_failed(message)`: FAILED with
  that status message. v1 JSON fields `status`/`statusMessage`, v2 `VpcLinkStatus`/
  `VpcLinkStatusMessage` (on the wire `vpcLinkStatus`/`vpcLinkStatusMessage`).
- `throttle(op, n)`: the first n calls of operation `op` are answered 429
  TooManyRequestsException (REST-JSON body and `x-amzn-ErrorType` header, as API Gateway does),
  without reaching the emulator, so the SDK's retries are exercised.

`clear_faults()` removes all rules (the recorded calls stay).
"""

from __future__ import annotations

import http.client
import json
import re
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

# ---------------------------------------------------------------------------
# Operation names
# ---------------------------------------------------------------------------

# collection segment -> (singular, plural) operation nouns
_NOUNS = {
    # apigatewayv2
    "apis": ("Api", "Apis"),
    "integrations": ("Integration", "Integrations"),
    "routes": ("Route", "Routes"),
    "stages": ("Stage", "Stages"),
    "deployments": ("Deployment", "Deployments"),
    "vpclinks": ("VpcLink", "VpcLinks"),
    "domainnames": ("DomainName", "DomainNames"),
    "apimappings": ("ApiMapping", "ApiMappings"),
    "authorizers": ("Authorizer", "Authorizers"),
    "models": ("Model", "Models"),
    "integrationresponses": ("IntegrationResponse", "IntegrationResponses"),
    "routeresponses": ("RouteResponse", "RouteResponses"),
    # apigateway (v1)
    "restapis": ("RestApi", "RestApis"),
    "resources": ("Resource", "Resources"),
    "methods": ("Method", "Methods"),
    "basepathmappings": ("BasePathMapping", "BasePathMappings"),
    "apikeys": ("ApiKey", "ApiKeys"),
    "usageplans": ("UsagePlan", "UsagePlans"),
    "gatewayresponses": ("GatewayResponse", "GatewayResponses"),
    "requestvalidators": ("RequestValidator", "RequestValidators"),
}


def operation_name(method: str, path: str) -> str:
    """The API Gateway (v1 or v2) operation a REST-JSON request calls, e.g.
    `operation_name("DELETE", "/v2/apis/abc")` == "DeleteApi". Unknown shapes give "METHOD path"."""
    method = method.upper()
    raw = urlsplit(path).path
    segs = [unquote(s) for s in raw.split("/") if s]
    if segs and segs[0] == "v2":
        segs = segs[1:]
    if not segs:
        return f"{method} {raw}"
    # Tags: /tags/{arn} (the ARN may hold slashes).
    if segs[0] == "tags":
        return {"GET": "GetTags", "POST": "TagResource", "PUT": "TagResource",
                "DELETE": "UntagResource"}.get(method, f"{method} {raw}")
    noun = None  # (singular, plural)
    item = False  # path ends with an id of `noun`
    i = 0
    context = None
    while i < len(segs):
        seg = segs[i]
        if seg == "integration":  # v1: the one integration of a method
            noun, item, context = ("Integration", "Integration"), True, "integration"
            i += 1
            continue
        if seg == "responses":  # v1: method responses or integration responses
            pre = "Integration" if context == "integration" else "Method"
            noun, context = (f"{pre}Response", f"{pre}Responses"), "responses"
            item = i + 1 < len(segs)
            i += 2
            continue
        if seg not in _NOUNS:
            return f"{method} {raw}"
        noun, context = _NOUNS[seg], seg
        item = i + 1 < len(segs)
        i += 2
    singular, plural = noun
    if not item:
        return {"GET": f"Get{plural}", "POST": f"Create{singular}"}.get(method, f"{method} {raw}")
    if context == "resources" and method == "POST":
        return "CreateResource"  # v1: POST /restapis/{id}/resources/{parent_id}
    if context == "apis" and method == "PUT":
        return "ReimportApi"
    return {"GET": f"Get{singular}", "DELETE": f"Delete{singular}", "PATCH": f"Update{singular}",
            "PUT": f"Put{singular}"}.get(method, f"{method} {raw}")


# ---------------------------------------------------------------------------
# The proxy
# ---------------------------------------------------------------------------

@dataclass
class Call:
    proxy: str  # the proxy's name (which emulator)
    op: str
    method: str
    path: str  # with the query string
    status: int  # what the client got
    faulted: str | None = None  # which rule changed the answer, if any
    response: bytes = b""


class Journal:
    """An ordered record of calls, shared by proxies in front of different emulators (e.g. REST API
    calls to LocalStack and VPC link v2 calls to moto in one sequence)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls: list[Call] = []

    def append(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()


_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer",
        "upgrade", "content-length"}


class AwsProxy:
    def __init__(self, upstream: str, name: str = "aws", journal: Journal | None = None) -> None:
        parts = urlsplit(upstream)
        assert parts.scheme == "http" and parts.hostname, f"upstream must be http://host:port: {upstream}"
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.name = name
        self.calls: list[Call] = []
        self.journal = journal
        self._lock = threading.Lock()
        self._vpc_link_rule: tuple[str, object] | None = None  # ("pending", n|None) | ("failed", msg)
        self._vpc_link_polls = 0
        self._throttle: dict[str, int] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"awsproxy:{name}",
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    # -- rules ----------------------------------------------------------------
    def vpc_link_pending(self, polls: int | None) -> None:
        """The first `polls` GetVpcLink answers say PENDING (None: all of them)."""
        with self._lock:
            self._vpc_link_rule = ("pending", polls)
            self._vpc_link_polls = 0

    def vpc_link_failed(self, message: str) -> None:
        with self._lock:
            self._vpc_link_rule = ("failed", message)
            self._vpc_link_polls = 0

    def throttle(self, op: str, times: int) -> None:
        """Answer the next `times` calls of `op` with 429 TooManyRequestsException."""
        with self._lock:
            self._throttle[op] = times

    def clear_faults(self) -> None:
        with self._lock:
            self._vpc_link_rule = None
            self._throttle.clear()

    # -- the record -----------------------------------------------------------
    def ops(self, include_faulted: bool = True) -> list[str]:
        with self._lock:
            return [c.op for c in self.calls if include_faulted or not c.faulted]

    def count(self, op: str) -> int:
        return self.ops().count(op)

    def snapshot(self) -> list[Call]:
        with self._lock:
            return list(self.calls)

    def reset_calls(self) -> None:
        with self._lock:
            self.calls.clear()

    def record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)
        if self.journal is not None:
            self.journal.append(call)

    # -- fault decisions (called by the handler) -------------------------------
    def _take_throttle(self, op: str) -> bool:
        with self._lock:
            left = self._throttle.get(op, 0)
            if left > 0:
                self._throttle[op] = left - 1
                return True
            return False

    def _rewrite_vpc_link(self, body: bytes, *, listing: bool = False) -> tuple[bytes, str | None]:
        """GetVpcLink (a poll: counts against `pending(n)`) or GetVpcLinks (every item shows the
        status a poll would see now, as in AWS, where the list and the link agree)."""
        with self._lock:
            rule = self._vpc_link_rule
            if rule is None:
                return body, None
            kind, arg = rule
            if kind == "pending":
                if arg is not None and self._vpc_link_polls >= arg:
                    return body, None
                if not listing:
                    self._vpc_link_polls += 1
                status, message = "PENDING", "VPC link is provisioning"
            else:
                status, message = "FAILED", str(arg)
        try:
            doc = json.loads(body)
        except ValueError:
            return body, None
        # List answers: v1 `item` (its wire name), v2 `items`.
        items = (doc.get("item") or doc.get("items") or doc.get("Items") or []) if listing else [doc]
        for item in items:
            if not isinstance(item, dict):
                continue
            if "vpcLinkId" in item or "vpcLinkStatus" in item:  # v2 on the wire (camelCase)
                item["vpcLinkStatus"], item["vpcLinkStatusMessage"] = status, message
            elif "VpcLinkId" in item or "VpcLinkStatus" in item:  # v2 as the SDK names it
                item["VpcLinkStatus"], item["VpcLinkStatusMessage"] = status, message
            else:  # v1
                item["status"], item["statusMessage"] = status, message
        if not items:
            return body, None
        return json.dumps(doc).encode(), f"vpc-link-{status.lower()}"


def _handler_for(proxy: AwsProxy):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def _read_body(self) -> bytes:
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
            n = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(n) if n else b""

        def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for k, v in headers:
                if k.lower() not in _HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _handle(self) -> None:
            body = self._read_body()
            op = operation_name(self.command, self.path)
            if proxy._take_throttle(op):
                err = json.dumps({"message": "Too Many Requests"}).encode()
                self._reply(429, [("Content-Type", "application/json"),
                                  ("x-amzn-ErrorType", "TooManyRequestsException"),
                                  ("x-amzn-RequestId", "00000000-0000-0000-0000-000000000429")], err)
                proxy.record(Call(proxy.name, op, self.command, self.path, 429, "throttle", err))
                return
            conn = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=120)
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for k, v in self.headers.items():
                    if k.lower() in ("connection", "keep-alive", "proxy-connection", "transfer-encoding"):
                        continue
                    if k.lower() == "content-length":
                        continue
                    conn.putheader(k, v)
                if body or self.command in ("POST", "PUT", "PATCH"):
                    conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body if body else None)
                resp = conn.getresponse()
                data = resp.read()
                status, headers = resp.status, resp.getheaders()
            except OSError as e:
                msg = f"awsproxy: upstream {proxy.upstream_host}:{proxy.upstream_port} failed: {e}".encode()
                self._reply(502, [("Content-Type", "text/plain")], msg)
                proxy.record(Call(proxy.name, op, self.command, self.path, 502, "upstream-error", msg))
                return
            finally:
                conn.close()
            faulted = None
            if op in ("GetVpcLink", "GetVpcLinks") and status == 200:
                data, faulted = proxy._rewrite_vpc_link(data, listing=op == "GetVpcLinks")
            self._reply(status, headers, data)
            proxy.record(Call(proxy.name, op, self.command, self.path, status, faulted, data))

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return Handler
