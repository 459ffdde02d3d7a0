"""Shared steps of the HTTPS tests (certificates, custom domains, the five example
configurations, doctor, `cert self-signed`).

- Certificates: `make_certificate(names, not_after=...)` (cryptography, from the moto venv) and
  `Acm(region)`: import / request / describe / tags in moto's ACM, `wait_expired` (bounded
  polling; moto refuses to import an already expired certificate, so a test imports one that
  expires seconds later and polls until ACM says EXPIRED).
- `AcmProxy(upstream)`: a recording proxy in front of moto's ACM (JSON 1.1 protocol, the
  operation is the `X-Amz-Target` header) that can rewrite `DescribeCertificate` answers of
  chosen ARNs to `PENDING_VALIDATION` (moto issues requested certificates after
  MOTO_ACM_VALIDATION_WAIT seconds, which no test can race deterministically). Give its `url` to
  the CLI as `AWS_ENDPOINT_URL_ACM`.
- Load balancer listeners: `add_listener(aws, seeded, 443, "TCP" | "TLS", certificate_arn)`.
- Custom domains: read back (moto apigatewayv2, LocalStack apigateway), decoys made with boto3.
- Examples: `copy_example(name, dest, cluster, region)` copies `examples/<name>/` with
  `cluster_name` and `region` rewritten in place (comments kept).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import re
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import boto3

from conftest import ENDPOINT, REPO

EXAMPLES = REPO / "examples"
# Cortex's five common configurations (its networking page), in its order.
EXAMPLE_NAMES = [
    "public-https-api-gateway",
    "private-https",
    "private-http",
    "public-https-no-gateway",
    "public-http",
    "public-rest-api-keys",
    "public-http-jwt",
]

OWNERSHIP = "cortex.dev/cluster-name", "managed-by"
GATEWAY_TAG = "cortex-net/gateway"

# What moto (and the stated contract) say an EDGE domain's certificate region must be.
EDGE_CERT_REGION = "us-east-1"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def unique_domain(prefix: str = "api") -> tuple[str, str]:
    """(`<prefix>.<random>.example.com`, its parent zone `<random>.example.com`)."""
    zone = f"e2e{uuid.uuid4().hex[:10]}.example.com"
    return f"{prefix}.{zone}", zone


# ---------------------------------------------------------------------------
# Certificates
# ---------------------------------------------------------------------------

def make_certificate(names: list[str], *, not_before: dt.datetime | None = None,
                     not_after: dt.datetime | None = None, days: int = 365) -> tuple[bytes, bytes]:
    """A self-signed certificate (CN = names[0], SANs = names) and its RSA-2048 key, both PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    now = utcnow()
    not_before = not_before or now - dt.timedelta(hours=1)
    not_after = not_after or now + dt.timedelta(days=days)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before).not_valid_after(not_after)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                              serialization.NoEncryption()))


class Acm:
    """moto's ACM in one region."""

    def __init__(self, region: str) -> None:
        self.region = region
        self.client = boto3.client("acm", endpoint_url=ENDPOINT, region_name=region)

    def import_cert(self, names: list[str], *, tags: dict[str, str] | None = None, **validity: Any) -> str:
        cert, key = make_certificate(names, **validity)
        tag_list = [{"Key": k, "Value": v} for k, v in (tags or {"purpose": "cortex-net-e2e"}).items()]
        return self.client.import_certificate(Certificate=cert, PrivateKey=key, Tags=tag_list)["CertificateArn"]

    def request_cert(self, domain: str, sans: list[str] | None = None) -> str:
        kw: dict[str, Any] = {"DomainName": domain, "ValidationMethod": "DNS"}
        if sans:
            kw["SubjectAlternativeNames"] = sans
        return self.client.request_certificate(**kw)["CertificateArn"]

    def describe(self, arn: str) -> dict:
        return self.client.describe_certificate(CertificateArn=arn)["Certificate"]

    def tags(self, arn: str) -> dict[str, str]:
        return {t["Key"]: t.get("Value", "") for t in
                self.client.list_tags_for_certificate(CertificateArn=arn).get("Tags", [])}

    def delete(self, arn: str) -> None:
        self.client.delete_certificate(CertificateArn=arn)

    def wait_expired(self, arn: str, timeout: float = 60) -> dict:
        """Bounded polling until ACM reports the certificate EXPIRED (its NotAfter passed)."""
        deadline = time.monotonic() + timeout
        while True:
            cert = self.describe(arn)
            if cert["Status"] == "EXPIRED":
                return cert
            assert time.monotonic() < deadline, f"{arn} not EXPIRED after {timeout}s: {cert['Status']}"
            time.sleep(0.5)


def missing_certificate_arn(region: str, account: str = "123456789012") -> str:
    """A well-formed ACM ARN that names no certificate."""
    return f"arn:aws:acm:{region}:{account}:certificate/{uuid.uuid4()}"


# ---------------------------------------------------------------------------
# A recording proxy in front of ACM (JSON 1.1) that can make certificates PENDING_VALIDATION
# ---------------------------------------------------------------------------

@dataclass
class AcmCall:
    op: str
    arn: str | None
    status: int
    faulted: bool


class AcmProxy:
    def __init__(self, upstream: str = ENDPOINT) -> None:
        parts = urlsplit(upstream)
        self.host, self.port_up = parts.hostname, parts.port or 80
        self.calls: list[AcmCall] = []
        self._pending: set[str] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _acm_handler(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="acmproxy", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def pending_validation(self, arn: str) -> None:
        """DescribeCertificate of `arn` answers Status PENDING_VALIDATION (and each domain
        validation option PENDING_VALIDATION, with the records moto generated)."""
        with self._lock:
            self._pending.add(arn)

    def ops(self) -> list[str]:
        with self._lock:
            return [c.op for c in self.calls]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _rewrite(self, op: str, request: dict, body: bytes) -> tuple[bytes, bool]:
        if op != "DescribeCertificate":
            return body, False
        with self._lock:
            if request.get("CertificateArn") not in self._pending:
                return body, False
        doc = json.loads(body)
        cert = doc.get("Certificate") or {}
        cert["Status"] = "PENDING_VALIDATION"
        for option in cert.get("DomainValidationOptions") or []:
            option["ValidationStatus"] = "PENDING_VALIDATION"
        return json.dumps(doc).encode(), True


def _acm_handler(proxy: AcmProxy):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):
            pass

        def do_POST(self):  # noqa: N802 (http.server's naming)
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(n) if n else b""
            target = self.headers.get("X-Amz-Target") or ""
            op = target.split(".")[-1] or f"POST {self.path}"
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                request = {}
            conn = http.client.HTTPConnection(proxy.host, proxy.port_up, timeout=120)
            try:
                conn.putrequest("POST", self.path, skip_host=True, skip_accept_encoding=True)
                for k, v in self.headers.items():
                    if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                        conn.putheader(k, v)
                conn.putheader("Content-Length", str(len(body)))
                conn.endheaders(body)
                resp = conn.getresponse()
                data, status, headers = resp.read(), resp.status, resp.getheaders()
            finally:
                conn.close()
            faulted = False
            if status == 200:
                data, faulted = proxy._rewrite(op, request, data)
            with proxy._lock:
                proxy.calls.append(AcmCall(op, request.get("CertificateArn"), status, faulted))
            self.send_response(status)
            for k, v in headers:
                if k.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


# ---------------------------------------------------------------------------
# Load balancer listeners
# ---------------------------------------------------------------------------

def add_listener(aws, seeded: dict, port: int, protocol: str = "TCP", certificate_arn: str | None = None) -> str:
    """Adds a listener to the seeded NLB (a TLS one needs `certificate_arn`); returns its ARN."""
    lb = seeded["load_balancer"]
    tg = aws.elbv2.create_target_group(
        Name=f"tg{port}-{uuid.uuid4().hex[:10]}", Protocol="TCP", Port=port,
        VpcId=seeded["vpc_id"], TargetType="instance")["TargetGroups"][0]
    kw: dict[str, Any] = {"LoadBalancerArn": lb["arn"], "Protocol": protocol, "Port": port,
                          "DefaultActions": [{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}]}
    if certificate_arn:
        kw["Certificates"] = [{"CertificateArn": certificate_arn}]
    return aws.elbv2.create_listener(**kw)["Listeners"][0]["ListenerArn"]


def listener_ports(aws, seeded: dict) -> dict[int, str]:
    found = aws.elbv2.describe_listeners(LoadBalancerArn=seeded["load_balancer"]["arn"])["Listeners"]
    return {listener["Port"]: listener["Protocol"] for listener in found}


# ---------------------------------------------------------------------------
# Custom domains: read back and decoys
# ---------------------------------------------------------------------------

def owned_with_gateway(tags: dict | None, cluster: str, gateway: str) -> bool:
    tags = tags or {}
    return (tags.get("cortex.dev/cluster-name") == cluster and tags.get("managed-by") == "cortex-net"
            and tags.get(GATEWAY_TAG) == gateway)


def v2_domain(aws, name: str) -> dict | None:
    """apigatewayv2 (moto) domain name, or None."""
    try:
        return aws.apigw.get_domain_name(DomainName=name)
    except aws.apigw.exceptions.NotFoundException:
        return None


def v2_domain_names(aws) -> set[str]:
    return {d["DomainName"] for d in aws.apigw.get_domain_names().get("Items", [])}


def v2_mappings(aws, name: str) -> list[dict]:
    return aws.apigw.get_api_mappings(DomainName=name).get("Items", [])


def v2_decoy_domain(aws, certificate_arn: str, tags: dict[str, str]) -> str:
    name, _ = unique_domain("decoy")
    aws.apigw.create_domain_name(
        DomainName=name, Tags=tags,
        DomainNameConfigurations=[{"CertificateArn": certificate_arn, "EndpointType": "REGIONAL"}])
    return name


def rest_domain(rest, name: str) -> dict | None:
    try:
        return rest.client.get_domain_name(domainName=name)
    except rest.client.exceptions.NotFoundException:
        return None


def rest_domain_tags(rest, name: str) -> dict:
    arn = f"arn:aws:apigateway:{rest.region}::/domainnames/{name}"
    return rest.client.get_tags(resourceArn=arn).get("tags", {})


def rest_domain_names(rest) -> set[str]:
    return {d["domainName"] for d in rest.client.get_domain_names(limit=500).get("items", [])}


def rest_mappings(rest, name: str) -> list[dict]:
    return rest.client.get_base_path_mappings(domainName=name).get("items", [])


def rest_decoy_domain(rest, certificate_arn: str, tags: dict[str, str]) -> str:
    name, _ = unique_domain("decoy")
    rest.client.create_domain_name(domainName=name, regionalCertificateArn=certificate_arn,
                                   endpointConfiguration={"types": ["REGIONAL"]}, tags=tags)
    # LocalStack drops tags given at create (as it does for VPC links): put them explicitly.
    rest.client.tag_resource(resourceArn=f"arn:aws:apigateway:{rest.region}::/domainnames/{name}", tags=tags)
    return name


# ---------------------------------------------------------------------------
# Examples
# ---------------------------------------------------------------------------

def copy_example(name: str, dest: Path, cluster: str, region: str,
                 ssl_certificate_arn: str | None = None) -> Path:
    """examples/<name>/ copied to dest, with cluster_name and region rewritten in cluster.yaml
    (and, when given, the commented `# ssl_certificate_arn:` line replaced by a real one)."""
    src = EXAMPLES / name
    assert src.is_dir(), f"example {src} is missing"
    shutil.copytree(src, dest)
    cluster_file = dest / "cluster.yaml"
    text = cluster_file.read_text()
    text, n1 = re.subn(r"(?m)^cluster_name:.*$", f"cluster_name: {cluster}", text)
    text, n2 = re.subn(r"(?m)^region:.*$", f"region: {region}", text)
    assert n1 == 1 and n2 == 1, f"{cluster_file}: expected one cluster_name and one region line"
    if ssl_certificate_arn:
        text, n3 = re.subn(r"(?m)^#\s*ssl_certificate_arn:.*$", f"ssl_certificate_arn: {ssl_certificate_arn}", text)
        assert n3 == 1, f"{cluster_file}: expected one commented `# ssl_certificate_arn:` line"
    cluster_file.write_text(text)
    return dest


WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


def write_calls(calls) -> list[str]:
    """The recorded API Gateway calls (awsproxy `Call`s) that change something."""
    return [f"{c.method} {c.path} ({c.op})" for c in calls if c.method in WRITE_METHODS]


# ---------------------------------------------------------------------------
# A local https server with a self-signed certificate (TLS verification must refuse it)
# ---------------------------------------------------------------------------

class TlsServer:
    """127.0.0.1:<free port>, https with a self-signed certificate for `localhost`, answering 200
    to every GET; `hits` counts requests that completed the handshake."""

    def __init__(self, tmp: Path) -> None:
        import ssl
        from http.server import SimpleHTTPRequestHandler

        cert, key = make_certificate(["localhost"])
        (tmp / "tls.crt").write_bytes(cert)
        (tmp / "tls.key").write_bytes(key)
        (tmp / "tls.key").chmod(0o600)
        self.hits = 0
        server = self

        class Handler(SimpleHTTPRequestHandler):
            def log_message(self, fmt, *args):
                pass

            def do_GET(self):  # noqa: N802
                server.hits += 1
                body = b'{"ok": true}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(str(tmp / "tls.crt"), str(tmp / "tls.key"))
        self._server.socket = ctx.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(target=self._server.serve_forever, name="tls", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self._server.server_address[1]}/"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def free_port() -> int:
    """A port nothing listens on (bound and released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
