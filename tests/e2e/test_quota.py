"""The benchmark's quota gate (`support/quota.py`): token buckets, the operation table, the 429
answer, and its wiring into `AwsProxy` (opt-in: a proxy without a gate is unchanged). No
emulator, no timing: buckets run on a fake clock; the proxy tests use a stand-in upstream."""

from __future__ import annotations

import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from support.awsproxy import AwsProxy, operation_name
from support.quota import QUOTAS, QuotaGate, Quotas, TokenBucket, quota_name


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_bucket_starts_full_refuses_when_empty_and_refills_at_its_rate():
    clock = FakeClock()
    b = TokenBucket(5, 2.5, clock)  # GetResources: 5 per 2 s
    assert [b.take() for _ in range(6)] == [True] * 5 + [False]
    assert b.wait_time() == pytest.approx(0.4)
    clock.advance(0.39)
    assert not b.take()
    clock.advance(0.01)
    assert b.take() and not b.take()
    clock.advance(100)  # never above capacity
    assert [b.take() for _ in range(6)] == [True] * 5 + [False]


def test_refused_take_takes_nothing():
    clock = FakeClock()
    b = TokenBucket(1, 0.2, clock)
    assert b.take()
    for _ in range(10):
        assert not b.take()
    clock.advance(5)
    assert b.take()


def test_total_quota_is_10_per_second_with_a_burst_of_40():
    clock = FakeClock()
    q = Quotas(clock)
    assert [q.admit(None) for _ in range(40)] == [None] * 40
    assert q.admit(None) == "all operations"
    clock.advance(0.1)
    assert q.admit(None) is None
    assert q.admit(None) == "all operations"
    clock.advance(1.0)
    assert [q.admit(None) for _ in range(10)] == [None] * 10
    assert q.admit(None) == "all operations"


@pytest.mark.parametrize("name, count, per", [
    ("CreateDeployment", 1, 5), ("CreateDomainName", 1, 30), ("DeleteDomainName", 1, 30),
    ("UpdateDomainName", 1, 30), ("CreateResource", 5, 1), ("DeleteResource", 5, 1),
    ("CreateRestApi", 1, 3), ("ImportRestApi", 1, 3), ("PutRestApi", 1, 1), ("DeleteRestApi", 1, 30),
    ("GetResources", 5, 2), ("CreateVpcLink (v2)", 1, 15), ("DeleteVpcLink (v2)", 1, 30),
    ("UpdateUsagePlan", 1, 20), ("CreateRestApi (edge)", 1, 30), ("ImportRestApi (edge)", 1, 30),
])
def test_each_operation_quota(name, count, per):
    assert (QUOTAS[name].count, QUOTAS[name].per_seconds) == (count, per)
    clock = FakeClock()
    q = Quotas(clock)
    assert [q.admit(name) for _ in range(count)] == [None] * count
    assert q.admit(name) == name
    clock.advance(per / count - 0.001)
    assert q.admit(name) == name
    clock.advance(0.001)
    assert q.admit(name) is None
    # Other operations only meet the total.
    assert q.admit("CreateDeployment" if name != "CreateDeployment" else None) is None


def test_an_operation_refused_by_its_own_quota_takes_no_token_of_the_total():
    clock = FakeClock()
    q = Quotas(clock)
    assert q.admit("CreateDeployment") is None
    for _ in range(100):
        assert q.admit("CreateDeployment") == "CreateDeployment"
    assert [q.admit(None) for _ in range(39)] == [None] * 39
    assert q.admit(None) == "all operations"


def test_an_operation_refused_by_the_total_keeps_its_own_token():
    clock = FakeClock()
    q = Quotas(clock)
    for _ in range(40):
        assert q.admit(None) is None
    assert q.admit("CreateDeployment") == "all operations"
    clock.advance(0.1)
    assert q.admit("CreateDeployment") is None


REGIONAL = {"endpointConfiguration": {"types": ["REGIONAL"]}}


@pytest.mark.parametrize("method, path, body, name", [
    ("POST", "/restapis", REGIONAL, "CreateRestApi"),
    ("POST", "/restapis", {"endpointConfiguration": {"types": ["PRIVATE"]}}, "CreateRestApi"),
    ("POST", "/restapis", {}, "CreateRestApi (edge)"),
    ("POST", "/restapis", {"endpointConfiguration": {"types": ["EDGE"]}}, "CreateRestApi (edge)"),
    ("POST", "/restapis?mode=import&endpointConfigurationTypes=REGIONAL", None, "ImportRestApi"),
    ("POST", "/restapis?mode=import", None, "ImportRestApi (edge)"),
    ("PUT", "/restapis/a1?mode=overwrite", None, "PutRestApi"),
    ("DELETE", "/restapis/a1", None, "DeleteRestApi"),
    ("POST", "/restapis/a1/resources/p1", None, "CreateResource"),
    ("DELETE", "/restapis/a1/resources/r1", None, "DeleteResource"),
    ("GET", "/restapis/a1/resources?embed=methods&limit=500", None, "GetResources"),
    ("GET", "/restapis/a1/resources/r1", None, None),
    ("POST", "/restapis/a1/deployments", None, "CreateDeployment"),
    ("POST", "/v2/apis/a1/deployments", None, "CreateDeployment"),
    ("POST", "/domainnames", None, "CreateDomainName"),
    ("POST", "/v2/domainnames", None, "CreateDomainName"),
    ("DELETE", "/v2/domainnames/api.example.com", None, "DeleteDomainName"),
    ("PATCH", "/domainnames/api.example.com", None, "UpdateDomainName"),
    ("PATCH", "/v2/domainnames/api.example.com", None, "UpdateDomainName"),
    ("POST", "/v2/vpclinks", None, "CreateVpcLink (v2)"),
    ("DELETE", "/v2/vpclinks/l1", None, "DeleteVpcLink (v2)"),
    ("POST", "/vpclinks", None, None),
    ("DELETE", "/vpclinks/l1", None, None),
    ("PATCH", "/usageplans/u1", None, "UpdateUsagePlan"),
    ("GET", "/v2/apis", None, None),
    ("POST", "/v2/apis", None, None),
    ("POST", "/v2/apis/a1/routes", None, None),
    ("PUT", "/restapis/a1/resources/r1/methods/ANY/integration", None, None),
])
def test_operation_table(method, path, body, name):
    assert quota_name(method, path, operation_name(method, path), body) == name


class FakeRequest:
    def __init__(self, method="GET", path="/v2/apis", *, service="apigateway", key="123456789012",
                 region="us-east-2", admin=False, body=None, op=None) -> None:
        self.method, self.path, self.service, self.access_key, self.region = method, path, service, key, region
        self.op = op or operation_name(method, path)
        self.known, self.admin = " " not in self.op, admin
        self._body = body or {}

    def json_body(self) -> dict:
        return self._body


def test_gate_answers_429_as_api_gateway_does_and_counts_it():
    gate = QuotaGate(latency_ms=50, clock=FakeClock())
    assert gate.admit(FakeRequest("POST", "/restapis/a/deployments")).refusal is None
    a = gate.admit(FakeRequest("POST", "/restapis/a/deployments"))
    status, headers, body = a.refusal
    assert status == 429
    assert ("x-amzn-ErrorType", "TooManyRequestsException") in headers
    assert json.loads(body) == {"message": "Too Many Requests"}
    assert a.label == "quota:CreateDeployment" and a.latency == pytest.approx(0.05)
    assert gate.refused() == {"CreateDeployment": 1}
    gate.reset()
    assert gate.refused() == {}
    assert gate.admit(FakeRequest("POST", "/restapis/a/deployments")).refusal is None


def test_gate_keeps_accounts_and_regions_apart():
    gate = QuotaGate(clock=FakeClock())
    assert gate.admit(FakeRequest("DELETE", "/restapis/a", key="111111111111")).refusal is None
    assert gate.admit(FakeRequest("DELETE", "/restapis/b", key="222222222222")).refusal is None
    assert gate.admit(FakeRequest("DELETE", "/restapis/c", key="111111111111", region="eu-west-1")).refusal is None
    assert gate.admit(FakeRequest("DELETE", "/restapis/d", key="111111111111")).refusal is not None


def test_gate_gives_other_services_latency_only_and_admin_paths_nothing():
    gate = QuotaGate(latency_ms=100, clock=FakeClock(), moto_accounts=True)
    for _ in range(200):
        a = gate.admit(FakeRequest("POST", "/", service="elasticloadbalancing",
                                     op="DescribeLoadBalancers"))
        assert a.refusal is None and a.latency == pytest.approx(0.1)
    assert a.upstream_headers == [("x-moto-account-id", "123456789012")]
    admin = gate.admit(FakeRequest("GET", "/_localstack/health", admin=True))
    assert admin.latency == 0 and admin.upstream_headers == []
    gate.enforce = False
    assert all(gate.admit(FakeRequest("POST", "/restapis/a/deployments")).refusal is None for _ in range(5))
    assert QuotaGate(moto_accounts=True).admit(FakeRequest(key="testing")).upstream_headers == []


# -- wired into the proxy ------------------------------------------------------

class Upstream:
    """A stand-in emulator: records requests (path and the moto account header) and answers
    JSON; `POST /v2/vpclinks` and `GET /v2/vpclinks/l1` describe an AVAILABLE link."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str | None]] = []
        up = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _any(self):
                n = int(self.headers.get("Content-Length") or 0)
                if n:
                    self.rfile.read(n)
                up.seen.append((self.command, self.path, self.headers.get("x-moto-account-id")))
                doc = {"items": []}
                if "vpclinks" in self.path:
                    doc = {"vpcLinkId": "l1", "name": "x", "vpcLinkStatus": "AVAILABLE"}
                data = json.dumps(doc).encode()
                self.send_response(201 if self.command == "POST" else 200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def call(url: str, method: str, path: str, key: str = "123456789012") -> tuple[int, dict, dict]:
    auth = (f"AWS4-HMAC-SHA256 Credential={key}/20250101/us-east-2/apigateway/aws4_request, "
            f"SignedHeaders=host, Signature=0")
    req = urllib.request.Request(url + path, method=method, headers={"Authorization": auth},
                                 data=b"{}" if method in ("POST", "PUT", "PATCH") else None)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), json.loads(e.read() or b"{}")


@pytest.fixture
def upstream():
    u = Upstream()
    yield u
    u.stop()


def test_proxy_with_gate_refuses_over_quota_without_forwarding(upstream):
    gate = QuotaGate(latency_ms=0, moto_accounts=True)
    proxy = AwsProxy(upstream.url, name="q", aws_rules=False, gate=gate)
    try:
        assert call(proxy.url, "DELETE", "/v2/vpclinks/l1")[0] == 200
        status, headers, body = call(proxy.url, "DELETE", "/v2/vpclinks/l1")
        assert status == 429 and headers.get("x-amzn-ErrorType") == "TooManyRequestsException"
        assert body == {"message": "Too Many Requests"}
        assert upstream.seen == [("DELETE", "/v2/vpclinks/l1", "123456789012")]
        calls = proxy.snapshot()
        assert [(c.op, c.status, c.faulted) for c in calls] == [
            ("DeleteVpcLink", 200, None), ("DeleteVpcLink", 429, "quota:DeleteVpcLink (v2)")]
        assert all(c.started is not None and c.ended is not None and c.started <= c.ended for c in calls)
        assert calls[0].ended <= calls[1].started
    finally:
        proxy.stop()


def test_proxy_without_gate_is_unchanged(upstream):
    proxy = AwsProxy(upstream.url, name="plain", aws_rules=False)
    try:
        assert [call(proxy.url, "DELETE", "/v2/vpclinks/l1")[0] for _ in range(3)] == [200] * 3
        assert [s[2] for s in upstream.seen] == [None] * 3
    finally:
        proxy.stop()


def test_vpc_link_pending_for_a_time(upstream):
    proxy = AwsProxy(upstream.url, name="pending", aws_rules=False)
    try:
        proxy.vpc_link_pending_for(3600)
        assert call(proxy.url, "POST", "/v2/vpclinks")[2]["vpcLinkStatus"] == "PENDING"
        assert call(proxy.url, "GET", "/v2/vpclinks/l1")[2]["vpcLinkStatus"] == "PENDING"
        proxy.vpc_link_pending_for(0)
        assert call(proxy.url, "GET", "/v2/vpclinks/l1")[2]["vpcLinkStatus"] == "AVAILABLE"
        proxy.clear_faults()
        assert call(proxy.url, "POST", "/v2/vpclinks")[2]["vpcLinkStatus"] == "AVAILABLE"
    finally:
        proxy.stop()
