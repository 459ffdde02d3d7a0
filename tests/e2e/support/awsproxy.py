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

and emulates, where an emulator falls short of AWS, by rule:

- `emulate_integration_target_storage()`: LocalStack 4.13.1 drops `integrationTarget` (REST API
  private integration through a VPC link v2: the load balancer's ARN) from `PutIntegration`;
  AWS stores it and returns it. With this rule the proxy remembers it from PutIntegration
  request bodies (and `/integrationTarget` patch operations of UpdateIntegration), keyed by
  (restApiId, resourceId, httpMethod), once the emulator answered 2xx, and adds it to the JSON
  answers that describe that integration and lack it: PutIntegration, UpdateIntegration,
  GetIntegration, GetMethod (`methodIntegration`), GetResource / GetResources with
  `embed=methods` (`resourceMethods.<M>.methodIntegration`). A PutIntegration without it
  forgets it (a put replaces the integration), as do DeleteIntegration, DeleteMethod,
  DeleteResource (that resource's methods) and DeleteRestApi. Entries of a deleted resource's
  descendants linger, but no answer can show them (ids are never reused). Rewritten answers are
  recorded with `emulated="integration-target"` (not `faulted`: the call did reach the emulator
  and succeeded); `integration_targets()` shows what is held.

`clear_faults()` removes the fault rules (`vpc_link_*`, `throttle`), not emulation rules; the
recorded calls stay.
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


def rpc_operation(method: str, path: str, headers, body: bytes) -> str | None:
    """The operation of an RPC-style call: the query protocol's `Action=` (elbv2, elb, ec2) or
    the JSON protocol's `X-Amz-Target` (acm). None for REST-JSON calls (API Gateway)."""
    target = headers.get("X-Amz-Target") if headers is not None else None
    if target:
        return target.rsplit(".", 1)[-1]
    if method.upper() == "POST" and urlsplit(path).path in ("", "/"):
        from urllib.parse import parse_qs
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        if action:
            return action[0]
    return None


def is_read(op: str) -> bool:
    """Whether an operation only reads (Describe*, Get*, List*)."""
    return op.startswith(("Describe", "Get", "List"))


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
    faulted: str | None = None  # which fault rule changed the answer, if any
    response: bytes = b""
    emulated: str | None = None  # which emulation rule completed the answer, if any


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
        # emulate_integration_target_storage(): (restApiId, resourceId, httpMethod) -> target;
        # None while the rule is off.
        self._integration_targets: dict[tuple[str, str, str], str] | None = None
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

    def emulate_integration_target_storage(self) -> None:
        """Store `integrationTarget` as AWS does, where LocalStack drops it (see the module
        docstring). Stays on for the proxy's life; `clear_faults()` leaves it on."""
        with self._lock:
            if self._integration_targets is None:
                self._integration_targets = {}

    def integration_targets(self) -> dict[tuple[str, str, str], str]:
        """What the integration-target rule holds: {(restApiId, resourceId, httpMethod): target}."""
        with self._lock:
            return dict(self._integration_targets or {})

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

    # -- the integration-target rule (called by the handler) --------------------
    def _integration_target_active(self) -> bool:
        with self._lock:
            return self._integration_targets is not None

    def _note_integration_target(self, op: str, path: str, body: bytes) -> None:
        """After a 2xx answer from the emulator: learn or forget targets (rule on only)."""
        segs = _rest_segments(path)
        with self._lock:
            store = self._integration_targets
            if store is None or len(segs) < 2 or segs[0] != "restapis":
                return
            api = segs[1]
            resource = segs[3] if len(segs) > 3 and segs[2] == "resources" else None
            verb = segs[5].upper() if len(segs) > 5 and segs[4] == "methods" else None
            key = (api, resource or "", verb or "")
            if op == "PutIntegration" and resource and verb:
                target = _json_object(body).get("integrationTarget")
                if isinstance(target, str) and target:
                    store[key] = target
                else:
                    store.pop(key, None)  # a put replaces the whole integration
            elif op == "UpdateIntegration" and resource and verb:
                for patch in _json_object(body).get("patchOperations") or []:
                    if not isinstance(patch, dict) or patch.get("path") != "/integrationTarget":
                        continue
                    if patch.get("op") in ("replace", "add") and patch.get("value"):
                        store[key] = str(patch["value"])
                    elif patch.get("op") in ("remove", "replace", "add"):
                        store.pop(key, None)
            elif op in ("DeleteIntegration", "DeleteMethod") and resource and verb:
                store.pop(key, None)
            elif op == "DeleteResource" and resource:
                for k in [k for k in store if k[:2] == (api, resource)]:
                    del store[k]
            elif op == "DeleteRestApi":
                for k in [k for k in store if k[0] == api]:
                    del store[k]

    def _add_integration_target(self, op: str, path: str, body: bytes) -> tuple[bytes, str | None]:
        """Adds the remembered target to an answer describing integrations that lacks it."""
        segs = _rest_segments(path)
        with self._lock:
            store = dict(self._integration_targets or {})
        if not store or len(segs) < 2 or segs[0] != "restapis":
            return body, None
        try:
            doc = json.loads(body)
        except ValueError:
            return body, None
        if not isinstance(doc, dict):
            return body, None
        api = segs[1]
        changed = False

        def fill(integration: object, resource: str, verb: str) -> None:
            nonlocal changed
            target = store.get((api, resource, verb.upper()))
            if target and isinstance(integration, dict) and not integration.get("integrationTarget"):
                integration["integrationTarget"] = target
                changed = True

        def fill_resource(res: object) -> None:
            if not isinstance(res, dict) or not isinstance(res.get("resourceMethods"), dict):
                return
            for verb, method in res["resourceMethods"].items():
                if isinstance(method, dict):
                    fill(method.get("methodIntegration"), str(res.get("id") or ""), verb)

        if op in ("PutIntegration", "UpdateIntegration", "GetIntegration") and len(segs) > 5:
            fill(doc, segs[3], segs[5])
        elif op == "GetMethod" and len(segs) > 5:
            fill(doc.get("methodIntegration"), segs[3], segs[5])
        elif op == "GetResource" and len(segs) > 3:
            doc.setdefault("id", segs[3])
            fill_resource(doc)
        elif op == "GetResources":
            # `item` is the list's name on the wire (`items` in the SDKs).
            for res in doc.get("item") or doc.get("items") or []:
                fill_resource(res)
        if not changed:
            return body, None
        return json.dumps(doc).encode(), "integration-target"


def _rest_segments(path: str) -> list[str]:
    """The unquoted path segments of an apigateway (v1) request, without the query."""
    return [unquote(s) for s in urlsplit(path).path.split("/") if s]


def _json_object(body: bytes) -> dict:
    try:
        doc = json.loads(body or b"{}")
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


_INTEGRATION_TARGET_OPS = {
    "PutIntegration", "UpdateIntegration", "GetIntegration", "GetMethod", "GetResource",
    "GetResources", "DeleteIntegration", "DeleteMethod", "DeleteResource", "DeleteRestApi",
}


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
            op = rpc_operation(self.command, self.path, self.headers, body) or \
                operation_name(self.command, self.path)
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
            faulted = emulated = None
            if op in ("GetVpcLink", "GetVpcLinks") and status == 200:
                data, faulted = proxy._rewrite_vpc_link(data, listing=op == "GetVpcLinks")
            if (op in _INTEGRATION_TARGET_OPS and 200 <= status < 300
                    and proxy._integration_target_active()):
                proxy._note_integration_target(op, self.path, body)
                data, emulated = proxy._add_integration_target(op, self.path, data)
            self._reply(status, headers, data)
            proxy.record(Call(proxy.name, op, self.command, self.path, status, faulted, data, emulated))

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return Handler
