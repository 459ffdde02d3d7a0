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
- `vpc_link_pending_for(seconds)`: each VPC link is PENDING until `seconds` after the proxy
  first saw it (its CreateVpcLink answer, which then says PENDING too, as AWS's does; or its
  first appearance in a GetVpcLink(s) answer), then the real answer: a link provisioning for a
  fixed time, as on AWS (the benchmark holds links 60 s).
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

- `emulate_embedded_connection_ids()`: LocalStack 4.13.1 leaves `connectionId` out of the
  integrations it embeds (GetResources / GetResource with `embed=methods`, GetMethod's
  `methodIntegration`); AWS includes it, so a client there needs no GetIntegration per private
  integration. With this rule the proxy remembers `connectionId` from 2xx PutIntegration request
  bodies (and `/connectionId` patches of UpdateIntegration), keyed like the integration-target
  rule, forgets it with the integration, method, resource or API, and adds it to embedded
  integrations of `connectionType` VPC_LINK that lack it (`emulated="embedded-connection-id"`).
  The benchmark uses it, so REST reads are counted as AWS would answer them.

and, always (AWS keeps what an imported document says):

- imported integrations: LocalStack 4.13.1's `PutRestApi` (an OpenAPI document; cortex-net's REST
  provider puts its API's content so) makes every `http_proxy` integration of the document
  `connectionType` INTERNET and drops `connectionId` and `integrationTarget` from
  `x-amazon-apigateway-integration`; AWS keeps them. After a 2xx PutRestApi the proxy reads the
  API's resources from the emulator (signed like the client's call) and completes each private
  integration (`connectionType` VPC_LINK) of the document there as AWS keeps it: a PutIntegration
  upstream with the document's fields, side by side, before the client gets its answer (not
  recorded, not gated). Every reader of the emulator, direct or through a proxy, then sees the
  link. The emulator drops `integrationTarget` from those puts too: each completion is handed to
  this proxy's integration-target and embedded-connection-id rules as if the client had sent it
  (they learn what they are on for), after they forgot what they held for the API (the document
  replaced its content).

AWS rules (on by default, `AwsProxy(..., aws_rules=False)` to forward what AWS would refuse):
AWS refuses calls the emulators accept. Before forwarding such a call the proxy reads the
emulator's current state (a GET with the client's own Authorization header: moto takes the
region from it, LocalStack the account; neither checks signatures) and answers like AWS, without
forwarding, when AWS would refuse; check and forward are serialised by a lock per API (per VPC
link for link deletions and integrations naming a link), process-wide:

- apigatewayv2: `CreateRoute`/`UpdateRoute` with a route key the API already has, `CreateStage`
  with an existing name: 409 ConflictException; `DeleteIntegration` while a route targets
  `integrations/{id}`, `DeleteVpcLink` while an integration of any API of the region (and, with
  `v1_upstream`, of any REST API of that endpoint) has it as `connectionId`: 400
  BadRequestException.
- apigateway (REST; LocalStack 4.13.1 already refuses a duplicate stage name and deleting a
  deployment a stage points at): `CreateResource` with a `pathPart` its parent already has: 409
  ConflictException; `DeleteVpcLink` (v1) while an integration uses it: 400 BadRequestException;
  `CreateVpcLink` (v1) with tags: LocalStack drops them, AWS keeps them, so after a 2xx answer the
  proxy sends `TagResource` upstream itself and adds the tags to the answer.

- API protection (issue 10), in `support/protection_rules.py`: a usage plan naming a stage that
  does not exist (400), deleting a usage plan that still lists a stage (400), turning on REST
  stage logging without the account's CloudWatch role (400), a route naming an authorizer the
  API does not have (400), deleting an authorizer a route uses (409); and, always, a deleted REST stage
  leaves the usage plans that listed it, an imported `awsSigv4` security scheme makes its
  methods AWS_IAM, and the apigatewayv2 operations moto lacks (GetAuthorizers, UpdateStage,
  DeleteRouteSettings, DeleteAccessLogSettings) are answered by the proxy from moto's state.
- Tags on an HTTP API's custom domain name, in `support/domain_tags.py`: moto answers 404 to
  `TagResource`/`UntagResource`/`GetTags` on a domain name's ARN (AWS tags it, as `cortex-net
  adopt` does); the proxy answers them, keeps the changes and merges them into
  `GetDomainName`/`GetDomainNames` (`emulated="moto:<operation>"`, `"moto:domain-tags"`).
- A REST method setting removed whole (`UpdateStage` `remove /~1iris/ANY`), in
  `support/stage_rules.py`: LocalStack refuses the path, AWS removes the entry; the proxy
  makes the stage again without it (`emulated="stage-method-setting-removed"`).

Refused calls are recorded with `faulted="aws-rule:<rule>"` (and collected process-wide:
`refusals()`); the completed CreateVpcLink answer with `emulated="aws-rule:vpc-link-tags"`.

Fault mode, `faults(rate, seed, kinds=, after_share=, ops=)`: seeded, reproducible 429/500/503/
connection resets, before or after the effect (see the method); `fault_counts()`.
`after_write(n, callback)`: a crash point after the n-th successful write.

`clear_faults()` removes the fault rules (`vpc_link_*`, `throttle`, fault mode, `after_write`),
not emulation or AWS rules; the recorded calls stay.

Every recorded call carries `started` (when the request arrived) and `ended` (when its answer
went out), wall-clock seconds: which calls waited on each other.

`gate` (opt-in, `AwsProxy(..., gate=...)`; none by default, and then nothing below happens): an
object whose `admit(request)` is asked first for every request and returns an admission with
`latency` (seconds: no answer goes out before the request is that old), `upstream_headers`
(added to the forwarded request and to the rules' reads) and `refusal` (None, or `(status,
headers, body)` answered without forwarding, recorded with `faulted=label`).
`support/quota.py`'s `QuotaGate` (API Gateway's control-plane quotas, a latency per call) is
the one the benchmark uses.

Standalone: `python awsproxy.py --upstream http://127.0.0.1:5000 [--name moto] [--fault-rate R
--seed S --after-share A] [--record FILE.jsonl]` prints `URL http://127.0.0.1:PORT` first and
runs until SIGTERM (see `main`).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import random
import signal
import socket
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Iterable
from urllib.parse import parse_qs, quote, unquote, urlsplit

try:  # imported as `support.awsproxy` (the suite, the benchmark) or run as a script (standalone)
    from support import domain_tags, protection_rules, stage_rules
except ImportError:  # pragma: no cover - standalone: this file's directory is on sys.path
    import domain_tags  # type: ignore[no-redef]
    import protection_rules  # type: ignore[no-redef]
    import stage_rules  # type: ignore[no-redef]

# The kinds of fault `AwsProxy.faults()` draws from.
FAULT_KINDS = ("429", "500", "503", "reset")

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
    "routesettings": ("RouteSettings", "RouteSettings"),
    "accesslogsettings": ("AccessLogSettings", "AccessLogSettings"),
    # apigateway (v1)
    "restapis": ("RestApi", "RestApis"),
    "resources": ("Resource", "Resources"),
    "methods": ("Method", "Methods"),
    "basepathmappings": ("BasePathMapping", "BasePathMappings"),
    "apikeys": ("ApiKey", "ApiKeys"),
    "usageplans": ("UsagePlan", "UsagePlans"),
    "keys": ("UsagePlanKey", "UsagePlanKeys"),  # /usageplans/{id}/keys[/{keyId}]
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
    if segs == ["account"]:  # v1: the account's settings (the CloudWatch role)
        return {"GET": "GetAccount", "PATCH": "UpdateAccount"}.get(method, f"{method} {raw}")
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
        if context == "accesslogsettings" and method == "DELETE":
            return "DeleteAccessLogSettings"  # v2: /apis/{id}/stages/{name}/accesslogsettings
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
    service: str | None = None  # the SigV4 signing name: apigateway, elasticloadbalancing, ec2, ...
    region: str | None = None  # the SigV4 region
    started: float | None = None  # time.time() when the request arrived
    ended: float | None = None  # time.time() when the answer went out (set by `record`)


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
    """See the module docstring. `aws_rules`: enforce AWS's conflict and reference rules that the
    emulators lack (on by default). `v1_upstream`: an apigateway (REST, v1) endpoint whose
    integrations also count as users of a VPC link v2 on DeleteVpcLink (v2), as in AWS, where a
    REST API's private integration can use a v2 link (default none; unreachable: not checked).
    `on_record`: called with each recorded `Call` (the standalone mode writes JSON lines)."""

    def __init__(self, upstream: str, name: str = "aws", journal: Journal | None = None, *,
                 aws_rules: bool = True, v1_upstream: str | None = None,
                 on_record: Callable[[Call], None] | None = None, port: int = 0,
                 gate: object | None = None) -> None:
        parts = urlsplit(upstream)
        assert parts.scheme == "http" and parts.hostname, f"upstream must be http://host:port: {upstream}"
        self.upstream_host = parts.hostname
        self.upstream_port = parts.port or 80
        self.name = name
        self.calls: list[Call] = []
        self.journal = journal
        self.aws_rules = aws_rules
        self.v1_upstream = None
        if v1_upstream:
            v1 = urlsplit(v1_upstream)
            assert v1.scheme == "http" and v1.hostname, f"v1_upstream must be http://host:port: {v1_upstream}"
            self.v1_upstream = (v1.hostname, v1.port or 80)
        self.on_record = on_record
        self.gate = gate  # see the module docstring; None: no latency, no admission control
        self._lock = threading.Lock()
        # faults(): the seeded fault mode (None: off), its counters; after_write(): (n, callback).
        self._fault_mode: _FaultMode | None = None
        self._fault_counts: dict[str, int] = {}
        self._after_write: tuple[int, Callable[[], object]] | None = None
        self._writes = 0
        self._vpc_link_rule: tuple[str, object] | None = None  # ("pending", n|None) | ("failed", msg)
        self._vpc_link_polls = 0
        self._vpc_link_seen: dict[str, float] = {}  # link id -> monotonic time first seen (pending_for)
        self._throttle: dict[str, int] = {}
        # emulate_integration_target_storage(): (restApiId, resourceId, httpMethod) -> target;
        # None while the rule is off.
        self._integration_targets: dict[tuple[str, str, str], str] | None = None
        # emulate_embedded_connection_ids(): (restApiId, resourceId, httpMethod) -> connectionId.
        self._connection_ids: dict[tuple[str, str, str], str] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name=f"awsproxy:{name}", daemon=True)
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

    def vpc_link_pending_for(self, seconds: float) -> None:
        """Each VPC link is PENDING until `seconds` after the proxy first saw it (see the module
        docstring)."""
        with self._lock:
            self._vpc_link_rule = ("pending_for", float(seconds))
            self._vpc_link_seen = {}

    def vpc_link_failed(self, message: str) -> None:
        with self._lock:
            self._vpc_link_rule = ("failed", message)
            self._vpc_link_polls = 0

    def throttle(self, op: str, times: int) -> None:
        """Answer the next `times` calls of `op` with 429 TooManyRequestsException."""
        with self._lock:
            self._throttle[op] = times

    def emulate_integration_target_storage(self, shared: bool = False) -> None:
        """Store `integrationTarget` as AWS does, where LocalStack drops it (see the module
        docstring). Stays on for the proxy's life; `clear_faults()` leaves it on. Every proxy
        with the rule on also writes what it learns into one store of the process; `shared=True`
        makes that store this proxy's own, so that it answers with targets that were put through
        any proxy (the session proxy, for the suite's fault-free `plan` after a test's `up`)."""
        with self._lock:
            if shared:
                self._integration_targets = _SHARED_INTEGRATION_TARGETS
            elif self._integration_targets is None:
                self._integration_targets = {}

    def emulate_embedded_connection_ids(self) -> None:
        """Embedded integrations carry `connectionId`, as AWS's do (see the module docstring)."""
        with self._lock:
            if self._connection_ids is None:
                self._connection_ids = {}

    def _note_connection_id(self, op: str, path: str, body: bytes) -> None:
        """After a 2xx answer: learn or forget the `connectionId` of an integration."""
        segs = _rest_segments(path)
        if len(segs) < 2 or segs[0] != "restapis":
            return
        api = segs[1]
        resource = segs[3] if len(segs) > 3 and segs[2] == "resources" else ""
        verb = segs[5].upper() if len(segs) > 5 and segs[4] == "methods" else ""
        with self._lock:
            store = self._connection_ids
            if store is None:
                return
            key = (api, resource, verb)
            if op == "PutIntegration" and resource and verb:
                conn = _json_object(body).get("connectionId")
                if isinstance(conn, str) and conn:
                    store[key] = conn
                else:
                    store.pop(key, None)
            elif op == "UpdateIntegration" and resource and verb:
                for patch in _json_object(body).get("patchOperations") or []:
                    if isinstance(patch, dict) and patch.get("path") == "/connectionId":
                        if patch.get("op") in ("replace", "add") and patch.get("value"):
                            store[key] = str(patch["value"])
                        else:
                            store.pop(key, None)
            elif op in ("DeleteIntegration", "DeleteMethod") and resource and verb:
                store.pop(key, None)
            elif op == "DeleteResource" and resource:
                for k in [k for k in store if k[:2] == (api, resource)]:
                    del store[k]
            elif op == "DeleteRestApi":
                for k in [k for k in store if k[0] == api]:
                    del store[k]

    def _add_connection_ids(self, op: str, path: str, body: bytes) -> tuple[bytes, str | None]:
        """Adds remembered `connectionId`s to embedded VPC_LINK integrations that lack them."""
        segs = _rest_segments(path)
        with self._lock:
            store = dict(self._connection_ids or {})
        if not store or len(segs) < 2 or segs[0] != "restapis":
            return body, None
        doc = _json_object(body)
        if not doc:
            return body, None
        api, changed = segs[1], False

        def fill(integration: object, resource: str, verb: str) -> None:
            nonlocal changed
            conn = store.get((api, resource, verb.upper()))
            if (conn and isinstance(integration, dict) and integration.get("connectionType") == "VPC_LINK"
                    and not integration.get("connectionId")):
                integration["connectionId"] = conn
                changed = True

        def fill_resource(res: object, resource_id: str = "") -> None:
            if isinstance(res, dict) and isinstance(res.get("resourceMethods"), dict):
                for verb, method in res["resourceMethods"].items():
                    if isinstance(method, dict):
                        fill(method.get("methodIntegration"), str(res.get("id") or resource_id), verb)

        if op == "GetMethod" and len(segs) > 5:
            fill(doc.get("methodIntegration"), segs[3], segs[5])
        elif op == "GetResource" and len(segs) > 3:
            fill_resource(doc, segs[3])
        elif op == "GetResources":
            for res in doc.get("item") or doc.get("items") or []:
                fill_resource(res)
        if not changed:
            return body, None
        return json.dumps(doc).encode(), "embedded-connection-id"

    def integration_targets(self) -> dict[tuple[str, str, str], str]:
        """What the integration-target rule holds: {(restApiId, resourceId, httpMethod): target}."""
        with _SHARED_LOCK, self._lock:
            return dict(self._integration_targets or {})

    def clear_faults(self) -> None:
        """Removes the fault rules: `vpc_link_*`, `throttle`, the fault mode of `faults()` (its
        counters stay readable) and `after_write`. Emulation and AWS rules stay on."""
        with self._lock:
            self._vpc_link_rule = None
            self._throttle.clear()
            self._fault_mode = None
            self._after_write = None

    def faults(self, rate: float, seed: int, *, kinds: Iterable[str] = FAULT_KINDS,
               after_share: float = 0.5, ops: Callable[[str], bool] | None = None) -> None:
        """Fault mode: each eligible call is faulted with probability `rate`, decided by
        `random.Random(seed)` in the order calls arrive (three draws per eligible call, so a
        sequential client sees the same faults on every run with the same seed). The kind is
        drawn uniformly from `kinds` ("429", "500", "503", "reset"); a 429 is always answered
        before the effect (not forwarded), the others before it with probability
        `1 - after_share`, else after it (forwarded: the emulator does the work, the client gets
        the error or the reset instead of the answer). Eligible: API Gateway (v1, v2) and ELB
        (elbv2, classic) operations, or with `ops`, every named operation for which `ops(op)` is
        true (never the emulators' admin paths). Faulted calls are recorded with
        `faulted="fault:<kind>:<before|after>"`. Calling it again restarts the sequence and the
        counters; `clear_faults()` turns it off."""
        kinds = tuple(kinds)
        unknown = [k for k in kinds if k not in FAULT_KINDS]
        assert kinds and not unknown, f"fault kinds must be among {FAULT_KINDS}: {unknown or kinds}"
        assert 0.0 <= rate <= 1.0 and 0.0 <= after_share <= 1.0, (rate, after_share)
        with self._lock:
            self._fault_mode = _FaultMode(rate, random.Random(seed), kinds, after_share, ops)
            self._fault_counts = {}

    def fault_counts(self) -> dict[str, int]:
        """Counters of the fault mode since `faults()`: "eligible" (calls that drew), "faulted",
        and one per "<kind>:<before|after>" that happened."""
        with self._lock:
            return dict(self._fault_counts)

    def after_write(self, n: int, callback: Callable[[], object]) -> None:
        """Calls `callback()` once, after the n-th successful write (any named operation but
        Get*/Describe*/List*, answered 2xx by the emulator) counted from now, once it has been
        forwarded and before its answer is sent to the client (e.g. to SIGKILL the CLI there:
        a crash after the n-th write). Writes are counted per proxy (`writes()`)."""
        assert n >= 1, n
        with self._lock:
            self._writes = 0
            self._after_write = (n, callback)

    def writes(self) -> int:
        """Successful writes forwarded since the last `after_write()` (or since the start)."""
        with self._lock:
            return self._writes

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
        if call.ended is None:
            call.ended = time.time()
        with self._lock:
            self.calls.append(call)
        if self.journal is not None:
            self.journal.append(call)
        if self.on_record is not None:
            self.on_record(call)
        with _LISTENERS_LOCK:
            listeners = list(_LISTENERS)
        for listener in listeners:
            listener(call)

    # -- fault mode and write counting (called by the handler) -------------------
    def _draw_fault(self, req: "_Request") -> tuple[str, str] | None:
        """(kind, "before"|"after") when fault mode faults this call, else None."""
        with self._lock:
            mode = self._fault_mode
            if mode is None or not req.known or req.admin:
                return None
            if mode.ops is not None:
                if not mode.ops(req.op):
                    return None
            elif req.service not in ("apigateway", "elasticloadbalancing"):
                return None
            hit, pick, when = mode.rng.random(), mode.rng.randrange(len(mode.kinds)), mode.rng.random()
            counts = self._fault_counts
            counts["eligible"] = counts.get("eligible", 0) + 1
            if hit >= mode.rate:
                return None
            kind = mode.kinds[pick]
            timing = "before" if kind == "429" or when >= mode.after_share else "after"
            counts["faulted"] = counts.get("faulted", 0) + 1
            counts[f"{kind}:{timing}"] = counts.get(f"{kind}:{timing}", 0) + 1
            return kind, timing

    def _count_write(self, req: "_Request", status: int) -> Callable[[], object] | None:
        """Counts a forwarded write the emulator accepted; the after_write callback when due."""
        if not req.known or req.admin or is_read(req.op) or not 200 <= status < 300:
            return None
        with self._lock:
            self._writes += 1
            rule = self._after_write
            if rule is not None and self._writes == rule[0]:
                self._after_write = None
                return rule[1]
            return None

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
        if rule is not None and rule[0] == "pending_for":
            return self._rewrite_vpc_link_for(body, float(rule[1]), listing=listing)
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

    def _rewrite_vpc_link_for(self, body: bytes, seconds: float, *, listing: bool) -> tuple[bytes, str | None]:
        """`vpc_link_pending_for`: each link (v1 `id`, v2 `vpcLinkId`) PENDING until `seconds`
        after it was first seen; CreateVpcLink answers (one link) count as a first sighting."""
        try:
            doc = json.loads(body)
        except ValueError:
            return body, None
        if not isinstance(doc, dict):
            return body, None
        items = (doc.get("item") or doc.get("items") or doc.get("Items") or []) if listing else [doc]
        now = time.monotonic()
        changed = False
        for item in items:
            if not isinstance(item, dict):
                continue
            link = item.get("vpcLinkId") or item.get("VpcLinkId") or item.get("id")
            if not isinstance(link, str):
                continue
            with self._lock:
                first = self._vpc_link_seen.setdefault(link, now)
            if now - first >= seconds:
                continue
            message = "VPC link is provisioning"
            if "vpcLinkId" in item or "vpcLinkStatus" in item:
                item["vpcLinkStatus"], item["vpcLinkStatusMessage"] = "PENDING", message
            elif "VpcLinkId" in item or "VpcLinkStatus" in item:
                item["VpcLinkStatus"], item["VpcLinkStatusMessage"] = "PENDING", message
            else:
                item["status"], item["statusMessage"] = "PENDING", message
            changed = True
        if not changed:
            return body, None
        return json.dumps(doc).encode(), "vpc-link-pending"

    def _vpc_link_pending_for_active(self) -> bool:
        with self._lock:
            return self._vpc_link_rule is not None and self._vpc_link_rule[0] == "pending_for"

    # -- the integration-target rule (called by the handler) --------------------
    def _integration_target_active(self) -> bool:
        with self._lock:
            return self._integration_targets is not None

    def _note_integration_target(self, op: str, path: str, body: bytes) -> None:
        """After a 2xx answer from the emulator: learn or forget targets (rule on only), in this
        proxy's store and in the process's shared one."""
        with self._lock:
            store = self._integration_targets
        if store is None:
            return
        for target_store in {id(store): store, id(_SHARED_INTEGRATION_TARGETS): _SHARED_INTEGRATION_TARGETS}.values():
            self._note_integration_target_in(target_store, op, path, body)

    def _note_integration_target_in(self, store: dict, op: str, path: str, body: bytes) -> None:
        segs = _rest_segments(path)
        with _SHARED_LOCK, self._lock:
            if len(segs) < 2 or segs[0] != "restapis":
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
        with _SHARED_LOCK, self._lock:
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


# ---------------------------------------------------------------------------
# Requests, error answers, fault mode
# ---------------------------------------------------------------------------

# Paths of the emulators themselves (state resets, health, invoking REST APIs): never faulted,
# never counted as writes, no rules.
_ADMIN_PREFIXES = ("/moto-api", "/_localstack", "/_aws", "/_pods", "/health")


@dataclass
class _FaultMode:
    rate: float
    rng: random.Random
    kinds: tuple[str, ...]
    after_share: float
    ops: Callable[[str], bool] | None


class _Request:
    """One client request as the proxy sees it: operation, SigV4 scope, body."""

    def __init__(self, method: str, path: str, headers, body: bytes) -> None:
        self.method = method.upper()
        self.path = path
        self.headers = headers
        self.body = body
        rpc = rpc_operation(self.method, path, headers, body)
        self.op = rpc or operation_name(self.method, path)
        self.protocol = ("json" if headers.get("X-Amz-Target") else "query") if rpc else "rest-json"
        self.admin = urlsplit(path).path.startswith(_ADMIN_PREFIXES)
        self.known = " " not in self.op
        self.access_key, self.region, self.service = _credential_scope(headers.get("Authorization"))
        if self.service is None and self.protocol == "rest-json" and self.known:
            self.service = "apigateway"
        if self.service == "ec2" and self.protocol == "query":
            self.protocol = "ec2"
        self.segs = _rest_segments(path)
        # Set by the handler (and a gate): arrival times, the latency to keep, extra headers
        # for the emulator.
        self.started: float | None = None
        self.arrived: float | None = None
        self.latency = 0.0
        self.upstream_headers: list[tuple[str, str]] = []

    def json_body(self) -> dict:
        return _json_object(self.body)


def _pace(req: _Request) -> None:
    """Holds the answer until the request is `req.latency` seconds old (a gate's latency)."""
    if req.latency > 0 and req.arrived is not None:
        left = req.arrived + req.latency - time.monotonic()
        if left > 0:
            time.sleep(left)


def _credential_scope(authorization: str | None) -> tuple[str | None, str | None, str | None]:
    """(access key, region, service) from `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/
    region/service/aws4_request, ...`; Nones when absent."""
    if not authorization or "Credential=" not in authorization:
        return None, None, None
    cred = authorization.split("Credential=", 1)[1].split(",", 1)[0].strip()
    parts = cred.split("/")
    if len(parts) < 5:
        return None, None, None
    return parts[0], parts[2], parts[3]


def _request_id() -> str:
    return str(uuid.uuid4())


def rest_json_error(status: int, error_type: str, message: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """An API Gateway (REST-JSON) error: status, `x-amzn-ErrorType`, body {"message": ...}."""
    return status, [("Content-Type", "application/json"), ("x-amzn-ErrorType", error_type),
                    ("x-amzn-RequestId", _request_id())], json.dumps({"message": message}).encode()


def _fault_answer(req: _Request, kind: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """The error AWS answers for a throttled (429) or failed (500, 503) call, in the protocol of
    the service called."""
    rid = _request_id()
    if req.protocol in ("query", "ec2"):
        if req.protocol == "ec2":  # EC2: <Response><Errors>..., throttling is a 503
            status, code, message = {"429": (503, "RequestLimitExceeded", "Request limit exceeded."),
                                     "500": (500, "InternalError", "An internal error has occurred"),
                                     "503": (503, "Unavailable", "The server is overloaded")}[kind]
            body = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code>"
                    f"<Message>{message}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>")
        else:  # elbv2, elb, sts: <ErrorResponse>, throttling is a 400 "Throttling"
            status, etype, code, message = {
                "429": (400, "Sender", "Throttling", "Rate exceeded"),
                "500": (500, "Receiver", "InternalFailure", "The request processing has failed because of an unknown error"),
                "503": (503, "Receiver", "ServiceUnavailable", "Service is unavailable"),
            }[kind]
            body = (f"<ErrorResponse><Error><Type>{etype}</Type><Code>{code}</Code><Message>{message}</Message>"
                    f"</Error><RequestId>{rid}</RequestId></ErrorResponse>")
        return status, [("Content-Type", "text/xml"), ("x-amzn-RequestId", rid)], body.encode()
    if req.protocol == "json":  # acm and other X-Amz-Target services
        status, code, message = {"429": (400, "ThrottlingException", "Rate exceeded"),
                                 "500": (500, "InternalFailure", "Internal failure"),
                                 "503": (503, "ServiceUnavailable", "Service unavailable")}[kind]
        return status, [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-RequestId", rid)], \
            json.dumps({"__type": code, "message": message}).encode()
    status, code, message = {"429": (429, "TooManyRequestsException", "Too Many Requests"),
                             "500": (500, "InternalFailure", "Internal server error"),
                             "503": (503, "ServiceUnavailableException", "Service Unavailable")}[kind]
    return rest_json_error(status, code, message)


# ---------------------------------------------------------------------------
# AWS rules the emulators lack
# ---------------------------------------------------------------------------

# Check-then-forward is serialised per key (upstream, and an API or a VPC link) across every
# proxy of this process in front of that upstream, so two concurrent calls cannot both pass a
# check.
_KEY_LOCKS: dict[tuple, threading.Lock] = {}
_KEY_LOCKS_GUARD = threading.Lock()


@contextlib.contextmanager
def _locked(keys: Iterable[tuple]):
    ordered = sorted(set(keys))
    with _KEY_LOCKS_GUARD:
        locks = [_KEY_LOCKS.setdefault(k, threading.Lock()) for k in ordered]
    for lock in locks:
        lock.acquire()
    try:
        yield
    finally:
        for lock in reversed(locks):
            lock.release()


# Every call an AWS rule refused, by any proxy of this process, in order (conftest shows a failing
# test the refusals made during it).
_REFUSALS: list[Call] = []
_REFUSALS_LOCK = threading.Lock()


def refusals(since: int = 0) -> list[Call]:
    """The calls AWS rules refused in this process (all proxies), from index `since` on."""
    with _REFUSALS_LOCK:
        return _REFUSALS[since:]


def refusal_count() -> int:
    with _REFUSALS_LOCK:
        return len(_REFUSALS)


class Refusal(Exception):
    """An AWS rule refuses the call: answered without forwarding it."""

    def __init__(self, rule: str, status: int, error_type: str, message: str) -> None:
        super().__init__(message)
        self.rule, self.status, self.error_type, self.message = rule, status, error_type, message


class _Upstream:
    """Reads of an emulator on behalf of a rule, signed like the client's call (the same
    Authorization header: moto takes the region from it, LocalStack the account; neither checks
    signatures)."""

    def __init__(self, host: str, port: int, req: _Request, timeout: float = 30) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.headers = [(k, v) for k, v in req.headers.items()
                        if k.lower() in ("authorization", "x-amz-date", "x-amz-security-token", "host")]
        self.headers += req.upstream_headers

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in self.headers:
                conn.putheader(k, v)
            conn.putheader("Accept", "application/json")
            if body is not None:
                conn.putheader("Content-Type", "application/json")
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            conn.close()

    def get(self, path: str) -> dict | None:
        """The JSON object at `path`, None when the emulator does not answer 2xx."""
        status, data = self.request("GET", path)
        return _json_object(data) if 200 <= status < 300 else None

    def items(self, path: str, *, v1: bool) -> list[dict]:
        """Every item of a paginated list (v2: `items`/`nextToken`; v1: `item`/`position`)."""
        out: list[dict] = []
        token = None
        sep = "&" if "?" in path else "?"
        for _ in range(1000):
            page_path = path
            if v1:
                page_path += f"{sep}limit=500" + (f"&position={quote(token, safe='')}" if token else "")
            elif token:
                page_path += f"{sep}nextToken={quote(token, safe='')}"
            doc = self.get(page_path)
            if doc is None:
                return out
            items = doc.get("item") or doc.get("items") or doc.get("Items") or []
            out += [i for i in items if isinstance(i, dict)]
            token = doc.get("position") if v1 else (doc.get("nextToken") or doc.get("NextToken"))
            if not token or not items:
                return out
        return out


def _rule_keys(req: _Request) -> list[tuple]:
    """The locks a call takes while its rule is checked and it is forwarded (empty: no rule)."""
    s, m, region, acct = req.segs, req.method, req.region or "", req.access_key or ""
    keys: list[tuple] = []
    if s[:1] == ["v2"]:
        s = s[1:]
        if len(s) >= 2 and s[0] == "apis" and len(s) >= 3 and s[2] in ("routes", "stages", "integrations",
                                                                       "authorizers"):
            if (m == "POST" and len(s) == 3) or (m in ("PATCH", "DELETE") and len(s) == 4):
                keys.append(("v2-api", region, s[1]))
            if s[2] == "integrations" and m in ("POST", "PATCH"):
                conn = req.json_body().get("connectionId")
                if isinstance(conn, str) and conn:
                    keys.append(("vpclink", region, conn))
        elif len(s) == 2 and s[0] == "vpclinks" and m == "DELETE":
            keys.append(("vpclink", region, s[1]))
        return keys
    if len(s) >= 4 and s[0] == "restapis" and s[2] == "resources" and m == "POST" and len(s) == 4:
        keys.append(("v1-api", acct, region, s[1]))  # CreateResource
    elif len(s) == 7 and s[0] == "restapis" and s[6] == "integration" and m in ("PUT", "PATCH"):
        body = req.json_body()
        conn = body.get("connectionId")
        if not conn:
            for patch in body.get("patchOperations") or []:
                if isinstance(patch, dict) and patch.get("path") == "/connectionId":
                    conn = patch.get("value")
        if isinstance(conn, str) and conn:
            keys.append(("vpclink", region, conn))
    elif len(s) == 2 and s[0] == "restapis" and m == "PUT":  # PutRestApi: the links it names
        keys += [("vpclink", region, link) for link in _document_links(req.body)]
    elif len(s) == 2 and s[0] == "vpclinks" and m == "DELETE":
        keys.append(("vpclink", region, s[1]))
    keys += protection_rules.rule_keys(req)  # usage plans and the stages they name
    return keys


def check_aws_rules(req: _Request, up: _Upstream, v1_up: _Upstream | None = None) -> None:
    """Raises `Refusal` when AWS would refuse this call and the emulator would not. Reads the
    emulator's current state; the caller holds `_rule_keys(req)`."""
    s, m = req.segs, req.method
    if s[:1] == ["v2"]:
        s = s[1:]
        if len(s) >= 3 and s[0] == "apis":
            api = s[1]
            if s[2] == "routes" and ((m == "POST" and len(s) == 3) or (m == "PATCH" and len(s) == 4)):
                key = req.json_body().get("routeKey")
                clash = [r for r in up.items(f"/v2/apis/{quote(api)}/routes", v1=False)
                         if r.get("routeKey") == key and (len(s) == 3 or r.get("routeId") != s[3])
                         ] if isinstance(key, str) else []
                if clash:
                    raise Refusal("route-key-conflict", 409, "ConflictException",
                                  f"Unable to create route {key}: a route with this route key already "
                                  f"exists in API {api} ({clash[0].get('routeId')})")
            elif s[2] == "stages" and m == "POST" and len(s) == 3:
                name = req.json_body().get("stageName")
                if not isinstance(name, str):
                    return
                if any(st.get("stageName") == name for st in up.items(f"/v2/apis/{quote(api)}/stages", v1=False)):
                    raise Refusal("stage-conflict", 409, "ConflictException",
                                  f"Stage {name} already exists")
            elif s[2] == "integrations" and m == "DELETE" and len(s) == 4:
                integ = s[3]
                users = [r.get("routeId") for r in up.items(f"/v2/apis/{quote(api)}/routes", v1=False)
                         if r.get("target") == f"integrations/{integ}"]
                if users:
                    raise Refusal("integration-in-use", 400, "BadRequestException",
                                  f"Cannot delete integration {integ}, because it is referenced in "
                                  f"route(s) {', '.join(map(str, users))}")
        elif len(s) == 2 and s[0] == "vpclinks" and m == "DELETE":
            link = s[1]
            users = [f"{a.get('apiId')}/integrations/{i.get('integrationId')}"
                     for a in up.items("/v2/apis", v1=False) if a.get("apiId")
                     for i in up.items(f"/v2/apis/{quote(a['apiId'])}/integrations", v1=False)
                     if i.get("connectionId") == link]
            if not users and v1_up is not None:
                try:
                    users = _v1_link_users(v1_up, link)
                except OSError:
                    users = []  # no REST endpoint reachable: nothing known to use the link
            if users:
                raise Refusal("vpc-link-in-use", 400, "BadRequestException",
                              f"Cannot delete vpc link {link}, because it is referenced in "
                              f"integration(s) {', '.join(users)}")
        # Routes and their authorizers (support/protection_rules.py).
        protection_rules.check_v2(req, up, Refusal)
        return
    if len(s) == 4 and s[0] == "restapis" and s[2] == "resources" and m == "POST":
        api, parent = s[1], s[3]
        part = req.json_body().get("pathPart")
        if not isinstance(part, str):
            return
        if any(r.get("parentId") == parent and r.get("pathPart") == part
               for r in up.items(f"/restapis/{quote(api)}/resources", v1=True)):
            raise Refusal("resource-conflict", 409, "ConflictException",
                          f"Another resource with the same parent already has this name: {part}")
    elif len(s) == 2 and s[0] == "vpclinks" and m == "DELETE":
        link = s[1]
        users = _v1_link_users(up, link)
        if users:
            raise Refusal("vpc-link-in-use", 400, "BadRequestException",
                          f"Cannot delete vpc link {link}, because it is referenced in "
                          f"[{', '.join(users)}] in format [Method:Resource]")
    # Usage plans, the account's CloudWatch role (support/protection_rules.py).
    protection_rules.check(req, up, Refusal)


def _v1_link_users(up: _Upstream, link: str) -> list[str]:
    """The REST API methods ("METHOD:apiId/resourceId") whose integration has `connectionId` link."""
    users = []
    for api in up.items("/restapis", v1=True):
        api_id = api.get("id")
        if not api_id:
            continue
        for res in up.items(f"/restapis/{quote(api_id)}/resources?embed=methods", v1=True):
            for verb, method in (res.get("resourceMethods") or {}).items():
                integ = (method or {}).get("methodIntegration") if isinstance(method, dict) else None
                if isinstance(integ, dict) and integ.get("type") in ("MOCK", "AWS", "AWS_PROXY"):
                    continue
                if not (isinstance(integ, dict) and "connectionId" in integ):
                    # LocalStack's embed omits connectionId: ask for the integration itself.
                    integ = up.get(f"/restapis/{quote(api_id)}/resources/{quote(str(res.get('id')))}"
                                   f"/methods/{quote(verb)}/integration")
                if isinstance(integ, dict) and integ.get("connectionId") == link:
                    users.append(f"{verb}:{api_id}/{res.get('id')}")
    return users


def complete_create_vpc_link_v1(req: _Request, up: _Upstream, data: bytes) -> tuple[bytes, str | None]:
    """After a 2xx CreateVpcLink (v1): AWS keeps the tags given at create, LocalStack drops them.
    Tags the link upstream (TagResource) and adds the tags to the answer, as AWS returns them."""
    tags = req.json_body().get("tags")
    doc = _json_object(data)
    link = doc.get("id")
    if not isinstance(tags, dict) or not tags or not isinstance(link, str):
        return data, None
    arn = f"arn:aws:apigateway:{req.region or 'us-east-1'}::/vpclinks/{link}"
    status, _ = up.request("PUT", f"/tags/{quote(arn, safe='')}", json.dumps({"tags": tags}).encode())
    if not 200 <= status < 300:
        return data, None
    if doc.get("tags") == tags:
        return data, None
    doc["tags"] = {**(doc.get("tags") or {}), **tags}
    return json.dumps(doc).encode(), "aws-rule:vpc-link-tags"


def _is_create_vpc_link_v1(req: _Request) -> bool:
    return req.method == "POST" and req.segs == ["vpclinks"]


# Functions every proxy of the process hands each recorded call to (`listening`).
_LISTENERS: list[Callable[[Call], object]] = []
_LISTENERS_LOCK = threading.Lock()


class listening:
    """`with listening() as calls:` collects every call any proxy of this process records
    meanwhile (conftest uses it to check each CLI run's calls against its IAM policy)."""

    def __enter__(self) -> list[Call]:
        self.calls: list[Call] = []
        with _LISTENERS_LOCK:
            _LISTENERS.append(self.calls.append)
        return self.calls

    def __exit__(self, *exc) -> None:
        with _LISTENERS_LOCK:
            _LISTENERS.remove(self.calls.append)


# What every proxy with the integration-target rule learnt, for proxies that share it.
_SHARED_INTEGRATION_TARGETS: dict[tuple[str, str, str], str] = {}
_SHARED_LOCK = threading.Lock()


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


# The imported-integration completion (see the module docstring).
_ANY_METHOD = "x-amazon-apigateway-any-method"
_INTEGRATION_FIELDS = ("type", "httpMethod", "uri", "connectionType", "connectionId", "integrationTarget",
                       "requestParameters", "requestTemplates", "passthroughBehavior", "timeoutInMillis",
                       "contentHandling", "cacheNamespace", "cacheKeyParameters")


def _document_integrations(body: bytes) -> dict[tuple[str, str], dict]:
    """{(path, METHOD): x-amazon-apigateway-integration} of the private integrations (VPC_LINK)
    of an OpenAPI document (JSON)."""
    out: dict[tuple[str, str], dict] = {}
    paths = _json_object(body).get("paths")
    for path, item in (paths.items() if isinstance(paths, dict) else ()):
        for verb, operation in (item.items() if isinstance(item, dict) else ()):
            integration = operation.get("x-amazon-apigateway-integration") if isinstance(operation, dict) else None
            if isinstance(integration, dict) and str(integration.get("connectionType", "")).upper() == "VPC_LINK":
                out[(str(path), "ANY" if verb == _ANY_METHOD else str(verb).upper())] = integration
    return out


def _document_links(body: bytes) -> set[str]:
    """The VPC links a document's integrations name."""
    return {str(i["connectionId"]) for i in _document_integrations(body).values() if i.get("connectionId")}


def _put_integration_body(integration: dict) -> bytes:
    """The PutIntegration request body that makes what a document's integration says (the wire
    spells `integrationHttpMethod` `httpMethod`, as the document does)."""
    body = {k: v for k, v in integration.items() if k in _INTEGRATION_FIELDS}
    for key in ("type", "passthroughBehavior", "connectionType"):
        if isinstance(body.get(key), str):
            body[key] = body[key].upper()
    return json.dumps(body).encode()


def complete_import(proxy: "AwsProxy", req: _Request, up: _Upstream) -> None:
    """After a 2xx PutRestApi: each private integration of the document put again upstream with
    what AWS keeps of it, and handed to the proxy's emulation rules as a client's PutIntegration."""
    if len(req.segs) != 2 or req.segs[0] != "restapis":
        return
    api = req.segs[1]
    # The document replaced the API's content: what the rules held for it is gone, as with the API.
    proxy._note_integration_target("DeleteRestApi", f"/restapis/{quote(api)}", b"")
    if proxy._connection_ids is not None:
        proxy._note_connection_id("DeleteRestApi", f"/restapis/{quote(api)}", b"")
    wanted = _document_integrations(req.body)
    if not wanted:
        return
    ids = {r.get("path"): r.get("id") for r in up.items(f"/restapis/{quote(api)}/resources", v1=True)}
    puts = [(f"/restapis/{quote(api)}/resources/{quote(ids[path])}/methods/{quote(verb)}/integration",
             _put_integration_body(integration))
            for (path, verb), integration in wanted.items() if isinstance(ids.get(path), str)]

    def put(item: tuple[str, bytes]) -> None:
        path, body = item
        status, _ = up.request("PUT", path, body)
        if 200 <= status < 300:
            proxy._note_integration_target("PutIntegration", path, body)
            if proxy._connection_ids is not None:
                proxy._note_connection_id("PutIntegration", path, body)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, puts))


def _handler_for(proxy: AwsProxy):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed ACK

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
            try:
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client is gone (e.g. killed)
                self.close_connection = True

        def _reset(self) -> None:
            """Closes the client connection without any answer; nothing is written after."""
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

        def _send(self, req: _Request, status: int, headers: list[tuple[str, str]], data: bytes,
                  faulted: str | None = None, emulated: str | None = None) -> None:
            _pace(req)
            # Recorded before the answer goes out: a client that has its answer finds its call.
            proxy.record(Call(proxy.name, req.op, req.method, req.path, status, faulted, data, emulated,
                              req.service, req.region, req.started))
            if status:
                self._reply(status, headers, data)

        def _fault(self, req: _Request, kind: str, timing: str) -> None:
            label = f"fault:{kind}:{timing}"
            if kind == "reset":
                self._send(req, 0, [], b"", label)
                self._reset()
            else:
                self._send(req, *_fault_answer(req, kind), label)

        def _forward(self, req: _Request) -> tuple[int, list[tuple[str, str]], bytes]:
            conn = http.client.HTTPConnection(proxy.upstream_host, proxy.upstream_port, timeout=120)
            try:
                conn.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
                for k, v in self.headers.items():
                    if k.lower() in ("connection", "keep-alive", "proxy-connection", "transfer-encoding"):
                        continue
                    if k.lower() == "content-length":
                        continue
                    conn.putheader(k, v)
                for k, v in req.upstream_headers:
                    conn.putheader(k, v)
                if req.body or self.command in ("POST", "PUT", "PATCH"):
                    conn.putheader("Content-Length", str(len(req.body)))
                conn.endheaders(req.body if req.body else None)
                resp = conn.getresponse()
                return resp.status, resp.getheaders(), resp.read()
            finally:
                conn.close()

        def _handle(self) -> None:
            started, arrived = time.time(), time.monotonic()
            req = _Request(self.command, self.path, self.headers, self._read_body())
            req.started, req.arrived = started, arrived
            op = req.op
            if proxy.gate is not None:
                admission = proxy.gate.admit(req)
                req.latency = admission.latency
                req.upstream_headers = list(admission.upstream_headers)
                if admission.refusal is not None:
                    self._send(req, *admission.refusal, admission.label)
                    return
            if proxy._take_throttle(op):
                err = json.dumps({"message": "Too Many Requests"}).encode()
                self._send(req, 429, [("Content-Type", "application/json"),
                                      ("x-amzn-ErrorType", "TooManyRequestsException"),
                                      ("x-amzn-RequestId", "00000000-0000-0000-0000-000000000429")],
                           err, "throttle")
                return
            fault = proxy._draw_fault(req)
            if fault is not None and fault[1] == "before":
                self._fault(req, *fault)
                return
            emulated = None
            rules = proxy.aws_rules and not req.admin and req.known
            up = _Upstream(proxy.upstream_host, proxy.upstream_port, req)
            try:
                # Keys name the upstream too: a proxy in front of another proxy must not wait
                # for the lock its own forwarded call will need downstream.
                upstream = (proxy.upstream_host, proxy.upstream_port)
                with _locked([(upstream, *k) for k in _rule_keys(req)] if rules else ()):
                    if rules:
                        v1_up = None
                        if proxy.v1_upstream is not None:
                            v1_up = _Upstream(*proxy.v1_upstream, req, timeout=10)
                        try:
                            check_aws_rules(req, up, v1_up)
                        except Refusal as refusal:
                            if fault is not None:  # after the "effect" (a refusal): the fault wins
                                self._fault(req, *fault)
                                return
                            status, headers, data = rest_json_error(refusal.status, refusal.error_type,
                                                                    refusal.message)
                            _pace(req)
                            call = Call(proxy.name, req.op, req.method, req.path, status,
                                        f"aws-rule:{refusal.rule}", data, None, req.service, req.region,
                                        req.started)
                            with _REFUSALS_LOCK:
                                _REFUSALS.append(call)
                            proxy.record(call)
                            self._reply(status, headers, data)
                            return
                    # Operations moto lacks are answered from its state (support/protection_rules.py).
                    # So are tags on an HTTP API's domain name (support/domain_tags.py).
                    own = None
                    if req.known and not req.admin:
                        own = (protection_rules.answer(req, up) or domain_tags.answer(req, up)
                               or stage_rules.answer(req, up))
                    if own is not None:
                        status, headers, data, emulated = own
                    else:
                        prepared = protection_rules.prepare(req, up) if req.known and not req.admin else []
                        status, headers, data = self._forward(req)
                        if req.known and not req.admin:
                            emulated = protection_rules.complete(req, up, status, data, prepared) or emulated
                            data, merged = domain_tags.complete(req, status, data)
                            emulated = emulated or merged
                    if rules and _is_create_vpc_link_v1(req) and 200 <= status < 300:
                        data, emulated = complete_create_vpc_link_v1(req, up, data)
            except OSError as e:
                msg = f"awsproxy: upstream {proxy.upstream_host}:{proxy.upstream_port} failed: {e}".encode()
                self._send(req, 502, [("Content-Type", "text/plain")], msg, "upstream-error")
                return
            callback = proxy._count_write(req, status)
            if callback is not None:
                callback()
            faulted = None
            if op in ("GetVpcLink", "GetVpcLinks") and status == 200:
                data, faulted = proxy._rewrite_vpc_link(data, listing=op == "GetVpcLinks")
            elif (op == "CreateVpcLink" and 200 <= status < 300
                  and proxy._vpc_link_pending_for_active()):
                data, faulted = proxy._rewrite_vpc_link(data)
            if (op in _INTEGRATION_TARGET_OPS and 200 <= status < 300
                    and proxy._integration_target_active()):
                proxy._note_integration_target(op, self.path, req.body)
                data, emulated = proxy._add_integration_target(op, self.path, data)
            if op == "PutRestApi" and 200 <= status < 300:
                try:
                    complete_import(proxy, req, up)
                except OSError:
                    pass  # the emulator did not answer: the import stays as it made it
            if op in _INTEGRATION_TARGET_OPS and 200 <= status < 300 and proxy._connection_ids is not None:
                proxy._note_connection_id(op, self.path, req.body)
                data, added = proxy._add_connection_ids(op, self.path, data)
                emulated = emulated or added
            if fault is not None:  # after the effect: the client gets the error instead
                self._fault(req, *fault)
                return
            self._send(req, status, headers, data, faulted, emulated)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _handle

    return Handler


# ---------------------------------------------------------------------------
# Standalone mode (the chaos driver of `cargo xtask chaos` runs one per emulator)
# ---------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="awsproxy.py",
        description="A recording, fault-injecting proxy in front of an AWS emulator, enforcing AWS "
                    "rules the emulators lack. Prints `URL http://127.0.0.1:PORT` first, then runs "
                    "until SIGTERM or SIGINT.")
    ap.add_argument("--upstream", required=True, help="the emulator, http://host:port")
    ap.add_argument("--name", default="aws", help="the proxy's name in records (default aws)")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    ap.add_argument("--fault-rate", type=float, default=0.0, help="share of calls faulted (default 0: off)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the fault sequence (default 0)")
    ap.add_argument("--after-share", type=float, default=0.5,
                    help="share of 500/503/reset faults that come after the effect (default 0.5)")
    ap.add_argument("--kinds", default=",".join(FAULT_KINDS),
                    help=f"comma-separated fault kinds (default {','.join(FAULT_KINDS)})")
    ap.add_argument("--record", metavar="FILE.jsonl", help="append each call as one JSON line")
    ap.add_argument("--v1-upstream", help="REST API endpoint whose integrations also use v2 links")
    ap.add_argument("--no-aws-rules", action="store_true", help="forward what AWS would refuse")
    args = ap.parse_args(argv)

    out = open(args.record, "a", encoding="utf-8") if args.record else None
    out_lock = threading.Lock()

    def write(call: Call) -> None:
        if out is None:
            return
        row = asdict(call)
        row.pop("response", None)
        row["time"] = round(time.time(), 3)
        with out_lock:
            out.write(json.dumps(row) + "\n")
            out.flush()

    proxy = AwsProxy(args.upstream, name=args.name, aws_rules=not args.no_aws_rules,
                     v1_upstream=args.v1_upstream, on_record=write, port=args.port)
    if args.fault_rate > 0:
        proxy.faults(args.fault_rate, args.seed, after_share=args.after_share,
                     kinds=[k.strip() for k in args.kinds.split(",") if k.strip()])
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print(f"URL {proxy.url}", flush=True)
    while not stop.wait(0.5):
        pass
    proxy.stop()
    print(f"awsproxy {args.name}: {len(proxy.calls)} calls, faults {json.dumps(proxy.fault_counts())}",
          file=sys.stderr, flush=True)
    if out is not None:
        out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
