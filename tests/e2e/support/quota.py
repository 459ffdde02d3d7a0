"""API Gateway's fixed control-plane quotas and a latency per call, as a gate for `awsproxy`.

`AwsProxy(upstream, gate=QuotaGate(latency_ms=50))` answers every call no sooner than 50 ms
after it arrived, and API Gateway calls (apigateway and apigatewayv2: the SigV4 service
`apigateway`) over quota with 429 `TooManyRequestsException` (REST-JSON: status 429, header
`x-amzn-ErrorType: TooManyRequestsException`, body `{"message": "Too Many Requests"}`), without
forwarding them. Other services (ELB, STS, ...) only get the latency. Without a gate the proxy
behaves as before: this is opt-in, for the benchmark (`bench/bench.py`).

The quotas are AWS's fixed ones ("API Gateway quotas for creating, deploying and managing an
API", per account and region, not raisable), in `QUOTAS`: a token bucket per operation holding
`count` tokens, refilled at `count / per_seconds` a second, and one for all operations together
(10 a second, burst 40). A call passes when both its buckets hold a token, and then takes one
from each; otherwise it takes none and is answered 429. Buckets are kept per (access key,
region): the benchmark gives each scenario an account of its own (a 12-digit access key).

`moto_accounts=True` also sends `x-moto-account-id: <access key>` upstream when the access key is
12 digits: moto then keeps that account's resources apart, as LocalStack does by access key.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import parse_qs, urlsplit

from .awsproxy import rest_json_error


@dataclass(frozen=True)
class Quota:
    """`count` calls per `per_seconds` of one operation (a bucket of `count` tokens)."""

    name: str  # as the quota table names it, e.g. "CreateVpcLink (v2)"
    count: float
    per_seconds: float

    @property
    def rate(self) -> float:
        return self.count / self.per_seconds


# Every operation together: 10 requests a second, burst 40.
TOTAL_NAME = "all operations"
TOTAL_RATE = 10.0
TOTAL_BURST = 40

QUOTAS: dict[str, Quota] = {q.name: q for q in (
    Quota("CreateDeployment", 1, 5),
    Quota("CreateDomainName", 1, 30),
    Quota("DeleteDomainName", 1, 30),
    Quota("UpdateDomainName", 1, 30),
    Quota("CreateResource", 5, 1),
    Quota("DeleteResource", 5, 1),
    Quota("CreateRestApi", 1, 3),
    Quota("CreateRestApi (edge)", 1, 30),
    Quota("ImportRestApi", 1, 3),
    Quota("ImportRestApi (edge)", 1, 30),
    Quota("PutRestApi", 1, 1),
    Quota("DeleteRestApi", 1, 30),
    Quota("GetResources", 5, 2),
    Quota("CreateVpcLink (v2)", 1, 15),
    Quota("DeleteVpcLink (v2)", 1, 30),
    Quota("UpdateUsagePlan", 1, 20),
)}


def quota_name(method: str, path: str, op: str, body: dict | None = None) -> str | None:
    """The row of `QUOTAS` an API Gateway call falls under (None: only the total applies).
    `op` is `awsproxy.operation_name(method, path)`; `body` the JSON request body, for the
    endpoint type of CreateRestApi (no `endpointConfiguration` means EDGE, as in AWS)."""
    parts = urlsplit(path)
    v2 = parts.path.startswith("/v2/")
    query = parse_qs(parts.query)
    if op == "CreateRestApi" and query.get("mode") == ["import"]:
        types = [v for k, vs in query.items() if k.lower().endswith("endpointconfigurationtypes") for v in vs]
        return "ImportRestApi" if any(t.upper() in ("REGIONAL", "PRIVATE") for t in types) else "ImportRestApi (edge)"
    if op == "CreateRestApi":
        types = ((body or {}).get("endpointConfiguration") or {}).get("types") or ["EDGE"]
        return "CreateRestApi (edge)" if "EDGE" in [str(t).upper() for t in types] else "CreateRestApi"
    if op in ("CreateVpcLink", "DeleteVpcLink"):
        return f"{op} (v2)" if v2 else None
    return op if op in QUOTAS else None


# Refills are sums of floats: a token due at t is there at t (not at t plus a rounding error).
_EPSILON = 1e-9


class TokenBucket:
    """`capacity` tokens, refilled continuously at `rate` a second, starting full. `clock` is a
    monotonic clock in seconds (tests inject a fake one)."""

    def __init__(self, capacity: float, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        assert capacity >= 1 and rate > 0, (capacity, rate)
        self.capacity, self.rate, self.clock = float(capacity), float(rate), clock
        self.tokens = float(capacity)
        self.stamp = clock()

    def _refill(self) -> None:
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = now

    def ready(self) -> bool:
        """Whether a token is there now (takes none)."""
        self._refill()
        return self.tokens >= 1.0 - _EPSILON

    def take(self) -> bool:
        """Takes a token when there is one; False (and nothing taken) otherwise."""
        if not self.ready():
            return False
        self.tokens = max(0.0, self.tokens - 1.0)
        return True

    def wait_time(self) -> float:
        """Seconds until a token is there."""
        self._refill()
        return 0.0 if self.tokens >= 1.0 - _EPSILON else (1.0 - self.tokens) / self.rate


class Quotas:
    """The buckets of one account and region."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.total = TokenBucket(TOTAL_BURST, TOTAL_RATE, clock)
        self.per_op: dict[str, TokenBucket] = {}

    def admit(self, name: str | None) -> str | None:
        """Takes a token from the total and from `name`'s bucket, or none; returns the quota
        that refused ("all operations" or the row's name), None when admitted."""
        bucket = None
        if name is not None:
            q = QUOTAS[name]
            bucket = self.per_op.get(name)
            if bucket is None:
                bucket = self.per_op[name] = TokenBucket(q.count, q.rate, self.clock)
            if not bucket.ready():
                return name
        if not self.total.ready():
            return TOTAL_NAME
        if bucket is not None:
            bucket.take()
        self.total.take()
        return None


@dataclass
class Admission:
    """What `AwsProxy` does with one request (see awsproxy's module docstring)."""

    latency: float = 0.0
    upstream_headers: list[tuple[str, str]] = field(default_factory=list)
    refusal: tuple[int, list[tuple[str, str]], bytes] | None = None
    label: str | None = None


class QuotaGate:
    """The gate: latency for every AWS call, API Gateway's quotas for API Gateway calls (see
    the module docstring). `latency_ms` and `enforce` may be changed at any time (e.g. no
    latency while seeding); `reset()` refills every bucket."""

    def __init__(self, latency_ms: float = 50, *, enforce: bool = True, moto_accounts: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.latency_ms = latency_ms
        self.enforce = enforce
        self.moto_accounts = moto_accounts
        self.clock = clock
        self._lock = threading.Lock()
        self._quotas: dict[tuple[str, str], Quotas] = {}
        self._refused: dict[str, int] = {}

    def reset(self) -> None:
        """Full buckets for everyone; the refusal counts start again."""
        with self._lock:
            self._quotas.clear()
            self._refused.clear()

    def refused(self) -> dict[str, int]:
        """429s answered since the last `reset()`, by quota."""
        with self._lock:
            return dict(self._refused)

    def admit(self, req) -> Admission:
        """`req` is awsproxy's `_Request` (op, method, path, admin, known, service, access_key,
        region, json_body())."""
        if req.admin or not req.known:
            return Admission()
        out = Admission(latency=max(0.0, self.latency_ms) / 1000.0)
        key = req.access_key or ""
        if self.moto_accounts and len(key) == 12 and key.isdigit():
            out.upstream_headers.append(("x-moto-account-id", key))
        if not self.enforce or req.service != "apigateway":
            return out
        name = quota_name(req.method, req.path, req.op,
                          req.json_body() if req.op == "CreateRestApi" else None)
        with self._lock:
            quotas = self._quotas.get((key, req.region or ""))
            if quotas is None:
                quotas = self._quotas[(key, req.region or "")] = Quotas(self.clock)
            refused = quotas.admit(name)
            if refused is not None:
                self._refused[refused] = self._refused.get(refused, 0) + 1
        if refused is not None:
            out.refusal = rest_json_error(429, "TooManyRequestsException", "Too Many Requests")
            out.label = f"quota:{refused}"
        return out
