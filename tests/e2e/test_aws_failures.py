"""AWS failures become messages a user can act on (exit 1, one line, the fix).

Each failure is produced the way a user meets it: the credential chain finds nothing (every
source emptied), or a small local server of this file (`FakeAws`) answers as AWS does, REST-JSON
with `x-amzn-ErrorType` for API Gateway and query-protocol XML for Elastic Load Balancing:
access denied (the message names the IAM action and `cortex-net iam-policy`), throttling that
outlasts the SDK's retries, a quota, credentials AWS does not accept (another partition) or that
expired, and a load balancer ARN of another region. Calls the fake server has no rule for go on
to the session proxy in front of moto, so a real `up` can run into a refused create.

Also here: credentials given as canary strings never appear in any output at `-vv` (issue 7).
"""

from __future__ import annotations

import http.client
import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit

import pytest

from conftest import MOTO_PROXY, account_env, api_spec
from support.awsproxy import operation_name, rpc_operation
from support.gateways import run_json

pytestmark = pytest.mark.shared_region

# An answer: (status, headers, body).
Answer = tuple[int, dict[str, str], bytes]


def rest_json_error(status: int, code: str, message: str) -> Answer:
    """An API Gateway (REST-JSON) error as AWS sends it."""
    return status, {"Content-Type": "application/json", "x-amzn-ErrorType": f"{code}:http://internal.amazon.com/",
                    "x-amzn-RequestId": str(uuid.uuid4())}, json.dumps({"message": message}).encode()


def query_error(status: int, code: str, message: str) -> Answer:
    """An Elastic Load Balancing (query protocol) error as AWS sends it."""
    body = (f'<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/">'
            f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>")
    return status, {"Content-Type": "text/xml"}, body.encode()


class FakeAws:
    """A local endpoint for every AWS service the CLI calls: `rule(op)` returns the answer for an
    operation (None: forward to `upstream`, or 404 without one). Records the operations seen."""

    def __init__(self, rule: Callable[[str], Answer | None], upstream: str | None = None) -> None:
        self.rule = rule
        self.upstream = urlsplit(upstream) if upstream else None
        self.ops: list[str] = []
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                op = rpc_operation(self.command, self.path, self.headers, body) or \
                    operation_name(self.command, self.path)
                with fake._lock:
                    fake.ops.append(op)
                answer = fake.rule(op)
                if answer is None:
                    answer = fake._forward(self.command, self.path, dict(self.headers), body)
                status, headers, data = answer
                self.send_response(status)
                for k, v in headers.items():
                    if k.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def count(self, op: str) -> int:
        with self._lock:
            return self.ops.count(op)

    def _forward(self, method: str, path: str, headers: dict, body: bytes) -> Answer:
        if self.upstream is None:
            return rest_json_error(404, "NotFoundException", "not served by this fake")
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port or 80, timeout=60)
        try:
            conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for k, v in headers.items():
                if k.lower() not in ("connection", "content-length", "transfer-encoding"):
                    conn.putheader(k, v)
            conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            resp = conn.getresponse()
            return resp.status, dict(resp.getheaders()), resp.read()
        finally:
            conn.close()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def fake_aws():
    fakes: list[FakeAws] = []

    def _make(rule: Callable[[str], Answer | None], upstream: str | None = None) -> FakeAws:
        f = FakeAws(rule, upstream)
        fakes.append(f)
        return f

    yield _make
    for f in fakes:
        f.stop()


def is_elb(op: str) -> bool:
    return op in ("DescribeLoadBalancers", "DescribeTags", "DescribeListeners")


def only_through(fake: FakeAws, **extra: str | None) -> dict:
    """The CLI's environment: every service at the fake server."""
    return {"AWS_ENDPOINT_URL": fake.url, "AWS_ENDPOINT_URL_API_GATEWAY": None,
            "AWS_ENDPOINT_URL_APIGATEWAYV2": None, **extra}


def error_line(r) -> str:
    """The one `error:` line of stderr (asserting there is exactly one)."""
    lines = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, f"expected one error line\n{r.describe()}"
    return lines[0]


def assert_says(r, *needles: str, absent: tuple[str, ...] = ()) -> str:
    r.fails(1)
    line = error_line(r)
    for needle in needles:
        assert needle in line, f"{needle!r} missing\n{r.describe()}"
    for word in absent:
        assert word not in r.stderr, f"{word!r} present\n{r.describe()}"
    return line


# --------------------------------------------------------------------------------------------
# No credentials at all
# --------------------------------------------------------------------------------------------

def no_credentials_env(tmp_path: Path, fake: FakeAws) -> dict:
    empty = tmp_path / "empty"
    empty.write_text("")
    return only_through(
        fake,
        AWS_ACCESS_KEY_ID=None, AWS_SECRET_ACCESS_KEY=None, AWS_SESSION_TOKEN=None, AWS_PROFILE=None,
        AWS_DEFAULT_PROFILE=None, AWS_WEB_IDENTITY_TOKEN_FILE=None, AWS_ROLE_ARN=None,
        AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=None, AWS_CONTAINER_CREDENTIALS_FULL_URI=None,
        AWS_CONFIG_FILE=str(empty), AWS_SHARED_CREDENTIALS_FILE=str(empty),
        AWS_EC2_METADATA_DISABLED="true",
    )


@pytest.mark.parametrize("command", [("discover",), ("plan",), ("status",), ("down", "--yes")])
def test_aws_failures_no_credentials_says_how_to_set_them(cli, workspace, region, tmp_path, fake_aws, command):
    """Elastic Load Balancing first (discover, plan, status) or API Gateway first (down): the
    same advice, and no request leaves the machine."""
    fake = fake_aws(lambda op: rest_json_error(500, "InternalFailure", "must not be reached"))
    ws = workspace("nocreds", region)
    r = cli(*command, cwd=ws.root, env=no_credentials_env(tmp_path, fake))
    assert_says(r, "no AWS credentials were found", "--profile", "AWS_PROFILE", "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY", "aws sso login", absent=("could not be reached", "Attempted:"))
    assert fake.ops == [], f"a request was sent without credentials: {fake.ops}"


# --------------------------------------------------------------------------------------------
# Access denied
# --------------------------------------------------------------------------------------------

def test_aws_failures_access_denied_on_elb_names_the_action(cli, workspace, region, fake_aws):
    message = ("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: "
               "elasticloadbalancing:DescribeLoadBalancers because no identity-based policy allows "
               "the elasticloadbalancing:DescribeLoadBalancers action")
    fake = fake_aws(lambda op: query_error(403, "AccessDenied", message) if is_elb(op) else None)
    ws = workspace("denied", region)
    for command in (("discover",), ("plan",)):
        r = cli(*command, cwd=ws.root, env=only_through(fake))
        assert_says(r, "DescribeLoadBalancers", "AccessDenied: User: arn:aws:iam::123456789012:user/ci",
                    "IAM action `elasticloadbalancing:DescribeLoadBalancers`", "`cortex-net iam-policy`")


def test_aws_failures_access_denied_on_api_gateway_names_the_action(cli, workspace, region, fake_aws):
    """API Gateway's message may name no action: the operation's own gives it."""
    fake = fake_aws(lambda op: rest_json_error(403, "AccessDeniedException", "Forbidden"))
    ws = workspace("denied", region)
    r = cli("down", "--yes", cwd=ws.root, env=only_through(fake))
    line = assert_says(r, "AccessDeniedException: Forbidden", "IAM action `apigateway:GET`",
                       "`cortex-net iam-policy`")
    # Both gateway kinds observe side by side: the error is the first kind's (HTTP), whichever
    # request reached the fake first.
    assert fake.ops and all(op.startswith("Get") for op in fake.ops), fake.ops
    assert any(f"may not call {op} " in line for op in fake.ops), line


def test_aws_failures_access_denied_on_a_create(cli, seed, workspace, aws, fake_aws):
    """Reads allowed, the first write refused: the message names CreateApi and apigateway:POST."""
    seeded = seed(decoys=False)
    fake = fake_aws(lambda op: rest_json_error(
        403, "AccessDeniedException",
        "User: arn:aws:iam::123456789012:user/ci is not authorized to perform: apigateway:POST on "
        "resource: arn:aws:apigateway:us-east-1::/apis") if op == "CreateApi" else None, upstream=MOTO_PROXY)
    ws = workspace(seeded["cluster"], seeded["region"])
    r = cli("up", "--yes", cwd=ws.root, env={"AWS_ENDPOINT_URL": fake.url})
    assert_says(r, "CreateApi", "IAM action `apigateway:POST`", "`cortex-net iam-policy`")
    assert aws.owned_apis(seeded["cluster"]) == []


# --------------------------------------------------------------------------------------------
# Throttling beyond the retries, quotas
# --------------------------------------------------------------------------------------------

def test_aws_failures_throttled_beyond_retries(cli, workspace, region, fake_aws):
    fake = fake_aws(lambda op: query_error(400, "Throttling", "Rate exceeded") if is_elb(op)
                    else rest_json_error(429, "TooManyRequestsException", "Too Many Requests"))
    ws = workspace("throttled", region)
    env = only_through(fake, AWS_MAX_ATTEMPTS="2", AWS_RETRY_MODE="standard")
    r = cli("discover", cwd=ws.root, env=env)
    assert_says(r, "Throttling: Rate exceeded", "kept throttling", "after the SDK's retries")
    # elbv2 and classic ELB are listed side by side: two attempts of each.
    assert fake.count("DescribeLoadBalancers") == 4, f"AWS_MAX_ATTEMPTS=2 means two attempts: {fake.ops}"
    seen = len(fake.ops)
    r = cli("down", "--yes", cwd=ws.root, env=env)
    line = assert_says(r, "TooManyRequestsException: Too Many Requests", "kept throttling after the SDK's retries",
                       "re-run")
    # Reads go side by side and the first failure ends the others: the call the error names
    # was attempted twice.
    failed = line.removeprefix("error: ").split()[0]
    assert fake.ops[seen:].count(failed) >= 2, (failed, fake.ops[seen:])


@pytest.mark.parametrize("code,message", [
    ("LimitExceededException", "Maximum number of APIs reached for this account in this region"),
    ("TooManyRequestsException", "You have exceeded the quota for APIs in this account"),
    ("ServiceQuotaExceededException", "Service quota exceeded"),
])
def test_aws_failures_quota_exceeded(cli, seed, workspace, aws, fake_aws, code, message):
    seeded = seed(decoys=False)
    status = 400 if code == "ServiceQuotaExceededException" else 429
    fake = fake_aws(lambda op: rest_json_error(status, code, message) if op == "CreateApi" else None,
                    upstream=MOTO_PROXY)
    ws = workspace(seeded["cluster"], seeded["region"])
    r = cli("up", "--yes", cwd=ws.root, env={"AWS_ENDPOINT_URL": fake.url, "AWS_MAX_ATTEMPTS": "1"})
    assert_says(r, f"{code}: {message}", "quota of this account and region", "Service Quotas",
                absent=("kept throttling",))
    assert aws.owned_apis(seeded["cluster"]) == []


# --------------------------------------------------------------------------------------------
# Credentials AWS refuses; region and partition mismatches
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("code,message,needles", [
    ("UnrecognizedClientException", "The security token included in the request is invalid.",
     ("another partition", "cn-*", "us-gov-*", "--region", "AWS_PROFILE")),
    ("InvalidSignatureException", "The request signature we calculated does not match the signature you provided.",
     ("another partition", "--region")),
    ("ExpiredTokenException", "The security token included in the request is expired",
     ("have expired", "aws sso login")),
])
def test_aws_failures_refused_credentials_on_api_gateway(cli, workspace, region, fake_aws, code, message, needles):
    fake = fake_aws(lambda op: rest_json_error(403, code, message))
    ws = workspace("badcreds", region)
    r = cli("down", "--yes", cwd=ws.root, env=only_through(fake))
    assert_says(r, f"{code}: {message.rstrip('.')}", *needles)


def test_aws_failures_invalid_client_token_on_elb(cli, workspace, region, fake_aws):
    fake = fake_aws(lambda op: query_error(403, "InvalidClientTokenId",
                                           "The security token included in the request is invalid."))
    ws = workspace("badcreds", region)
    r = cli("discover", cwd=ws.root, env=only_through(fake))
    assert_says(r, "InvalidClientTokenId", "another partition", "--region")


def test_aws_failures_load_balancer_arn_of_another_region(cli, seed, workspace, region):
    seeded = seed(decoys=False)
    other = "eu-west-3" if region != "eu-west-3" else "eu-west-2"
    arn = f"arn:aws:elasticloadbalancing:{other}:123456789012:loadbalancer/net/{seeded['cluster']}/0123456789abcdef"
    ws = workspace(seeded["cluster"], region)
    for command in ("discover", "plan"):
        r = cli(command, "--load-balancer", arn, cwd=ws.root)
        assert_says(r, f"region `{other}` of partition `aws`", "searches only the cluster's region")


def test_aws_failures_arn_of_another_partition_gets_a_warning_offline(cli, workspace, region):
    ws = workspace("partition", region,
                   ssl_certificate_arn="arn:aws-cn:acm:cn-north-1:123456789012:certificate/abc")
    r = cli("iam-policy", cwd=ws.root, env={"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}).ok()
    assert "`aws-cn` partition" in r.stderr and f"region {region} is in `aws`" in r.stderr, r.describe()


# --------------------------------------------------------------------------------------------
# Canary credentials at -vv
# --------------------------------------------------------------------------------------------

def canaries() -> dict[str, str]:
    tag = uuid.uuid4().hex
    return {
        "AWS_ACCESS_KEY_ID": f"AKIACANARY{tag[:10].upper()}",
        "AWS_SECRET_ACCESS_KEY": f"canarySecret{tag}",
        "AWS_SESSION_TOKEN": f"canaryToken{tag}{uuid.uuid4().hex}",
    }


def assert_nowhere(results, secrets: dict[str, str]) -> None:
    for r in results:
        for name, value in secrets.items():
            for stream, text in (("stdout", r.stdout), ("stderr", r.stderr)):
                assert value not in text, f"{name} printed on {stream} of `{' '.join(r.args)}`"
                # Pieces of it (a secret cut or wrapped by a log line) count too.
                assert value[-16:] not in text, f"part of {name} printed on {stream} of `{' '.join(r.args)}`"


def test_aws_failures_canary_credentials_never_printed_moto(cli, seed, workspace):
    seeded = seed(scheme="internal", decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme="internal")
    ws.write_apis([api_spec("iris")])
    secrets = canaries()
    results = [cli("-vv", "-a", ws.apis_file, *args, cwd=ws.root, env=secrets)
               for args in (("plan",), ("up", "--yes"), ("status",), ("endpoints",), ("down", "--yes"))]
    for r in results:
        r.ok()
    assert "aws_smithy_runtime" in results[1].stderr or "DEBUG" in results[1].stderr, \
        f"-vv logged nothing from the SDK: the test would prove nothing\n{results[1].describe()}"
    assert_nowhere(results, secrets)


def test_aws_failures_canary_credentials_never_printed_localstack(cli, seed, workspace, account):
    """LocalStack takes the access key as the account (12 digits): the secret and the token are
    the canaries."""
    seeded = seed(decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"])
    ws.write_settings({"gateway": {"type": "rest"}})
    secrets = {k: v for k, v in canaries().items() if k != "AWS_ACCESS_KEY_ID"}
    env = account_env(account, **secrets)
    results = [cli("-vv", *args, cwd=ws.root, env=env)
               for args in (("plan",), ("up", "--yes"), ("down", "--yes"))]
    for r in results:
        r.ok()
    assert_nowhere(results, secrets)


def test_aws_failures_canary_in_failures_never_printed(cli, workspace, region, fake_aws):
    """Refused credentials at -vv: the error and the logs around it hold no secret either."""
    fake = fake_aws(lambda op: rest_json_error(403, "UnrecognizedClientException",
                                               "The security token included in the request is invalid."))
    ws = workspace("canary", region)
    secrets = canaries()
    r = cli("-vv", "down", "--yes", cwd=ws.root, env=only_through(fake, **secrets)).fails(1)
    assert_nowhere([r], secrets)

