"""Bad input: a clear error, exit 2, no panic, no AWS call, bounded time and memory.

A corpus of broken and hostile inputs (files, environment variables, flags). Every CLI run
points AWS_ENDPOINT_URL and every AWS_ENDPOINT_URL_<SERVICE> at a tiny local HTTP listener of
this module that counts requests, and each case asserts that it saw none. Each run has a
subprocess timeout and an address-space limit (RLIMIT_AS, 2 GiB).

Each case asserts: exit 2; no panic (no exit 101, no "panicked"); stderr names the source (the
file, the environment variable or the flag) and gives a fix; no raw control character reaches
the terminal and no value forges an output line; output is bounded (a huge value is cut).

Not covered here: an unreadable file when running as root (root reads it anyway; the case is
skipped then, saying so).
"""

from __future__ import annotations

import http.server
import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import BIN

TIMEOUT = 30          # seconds per CLI run: a hang (FIFO, device) fails the case
MEMORY = 2 << 30      # RLIMIT_AS for the CLI
MAX_STDERR = 20_000   # a huge value is never echoed whole

# Services whose AWS_ENDPOINT_URL_<SERVICE> the CLI (or its credential chain) could use.
SERVICES = ("API_GATEWAY", "APIGATEWAYV2", "ELASTIC_LOAD_BALANCING", "ELASTIC_LOAD_BALANCING_V2",
            "ACM", "STS", "SSO", "SSO_OIDC", "ROUTE_53")


class _Counter(http.server.BaseHTTPRequestHandler):
    count = 0
    lock = threading.Lock()

    def _any(self) -> None:
        with _Counter.lock:
            _Counter.count += 1
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = (b"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
                b"<Message>bad-input listener</Message></Error></ErrorResponse>")
        self.send_response(403)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _any

    def log_message(self, *args) -> None:  # quiet
        pass


@pytest.fixture(scope="module")
def listener():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    calls: int
    seconds: float

    def describe(self) -> str:
        err = self.stderr if len(self.stderr) < 4000 else self.stderr[:4000] + f"...({len(self.stderr)} chars)"
        return f"exit {self.code}, {self.calls} AWS call(s), {self.seconds:.1f}s\n--- stderr ---\n{err}"


def run(listener: str, args: list, cwd: Path, env: dict | None = None) -> Run:
    full = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    full["AWS_ENDPOINT_URL"] = listener
    for service in SERVICES:
        full[f"AWS_ENDPOINT_URL_{service}"] = listener
    full.update({
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_MAX_ATTEMPTS": "1", "AWS_REGION": "us-west-2",
        "AWS_DEFAULT_REGION": "us-west-2", "NO_COLOR": "1",
    })
    for k in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_RETRY_MODE"):
        full.pop(k, None)
    for k, v in (env or {}).items():
        if v is None:
            full.pop(k, None)
        else:
            full[k] = v
    before = _Counter.count
    start = time.monotonic()
    p = subprocess.run([str(BIN), *args], cwd=str(cwd), env=full, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=TIMEOUT, preexec_fn=_limits)
    return Run(p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace"),
               _Counter.count - before, time.monotonic() - start)


def check(r: Run, source: str, *, fix: str = "fix:") -> None:
    what = r.describe()
    assert r.code != 101 and "panicked" not in r.stderr, f"panic\n{what}"
    assert r.code == 2, f"expected exit 2\n{what}"
    assert r.calls == 0, f"an AWS call was made\n{what}"
    assert source in r.stderr, f"stderr does not name the source {source!r}\n{what}"
    assert fix in r.stderr, f"stderr gives no fix ({fix!r})\n{what}"
    assert len(r.stderr) < MAX_STDERR and len(r.stdout) < MAX_STDERR, f"unbounded output\n{what}"
    bad = [c for c in r.stderr + r.stdout if (ord(c) < 32 and c != "\n") or ord(c) == 0x7f
           or 0x80 <= ord(c) < 0xa0 or c in "\u202e\u2028\u2029"]
    assert not bad, f"raw control characters {bad[:5]!r} reach the terminal\n{what}"
    forged = [line for line in r.stderr.splitlines() + r.stdout.splitlines() if line.startswith("FORGED")]
    assert not forged, f"a value forged an output line: {forged}\n{what}"


# ---------------------------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------------------------

CLUSTER = "cluster_name: bad-input\nregion: us-west-2\n"
APIS = "- name: iris\n  kind: RealtimeAPI\n  networking:\n    endpoint: /iris\n"


@dataclass
class Case:
    id: str
    source: str                      # what stderr must name
    files: dict = field(default_factory=dict)   # name -> text/bytes, or a special: DIR FIFO LOOP DANGLING DEVZERO
    args: list = field(default_factory=list)
    env: dict = field(default_factory=dict)
    command: tuple = ("plan",)
    fix: str = "fix:"
    message: str = ""                # what stderr must also say, when given
    absent: str = ""                 # what stderr and stdout must never show (a secret), when given


def cluster(text, id, source="cluster.yaml", **kw):
    return Case(id, source, files={"cluster.yaml": text}, **kw)


def apis(text, id, cluster_text=CLUSTER, **kw):
    return Case(id, "cortex.yaml", files={"cluster.yaml": cluster_text, "cortex.yaml": text},
                args=["-a", "cortex.yaml"], **kw)


def settings(text, id, **kw):
    return Case(id, "cortex-net.yaml", files={"cluster.yaml": CLUSTER, "cortex-net.yaml": text}, **kw)


def protected(text, id, message, apis_text=None, **kw):
    """cortex-net.yaml with protection settings (and cortex.yaml when given): blamed on the settings."""
    files = {"cluster.yaml": CLUSTER, "cortex-net.yaml": text}
    args = []
    if apis_text is not None:
        files["cortex.yaml"] = apis_text
        args = ["-a", "cortex.yaml"]
    return Case(id, "cortex-net.yaml", files=files, args=args, message=message, **kw)


def env(vars, id, source, **kw):
    return Case(id, source, files={"cluster.yaml": CLUSTER}, env=vars, **kw)


def flags(args, id, source, **kw):
    return Case(id, source, files={"cluster.yaml": CLUSTER}, args=args, **kw)


def _alias_bomb() -> str:
    lines = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    prev = "a"
    for i in range(12):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*{prev}"] * 9) + "]")
        prev = f"l{i}"
    return "cluster_name: bomb\n" + "\n".join(lines) + "\n"


HUGE = "x" * 100_000                 # a flag or variable (one argument is at most 128 KiB)
BIG_VALUE = "y" * 900_000            # inside a file (under the 1 MiB cap)
FORGE = 'ok\nFORGED error: all good'
ANSI = "\x1b[31mred\x1b[0m\x1b]0;title\x07"

REST = "gateway:\n  type: rest\n"
HTTP = "gateway:\n  type: http\n"
SECRET = "IN-CLEAR-partner-key-0123456789"
KEYS_AND_PLAN = "api_keys:\n  - name: partner-a\nusage_plans:\n  - name: partners\n    keys: [partner-a]\n"
OFF_GATEWAY = APIS + "- name: hidden\n  kind: AsyncAPI\n  networking:\n    api_gateway: none\n"

PROTECTION_CASES: list[Case] = [
    protected(HTTP + "  auth: oauth\n", "protection-auth-unknown",
              "gateway.auth: not a valid value (got `oauth`); fix: use `none`, `iam`, `jwt` or `api_key`"),
    protected(REST + "  auth: jwt\n", "protection-jwt-on-rest",
              "gateway.auth: JWT authorizers need `gateway.type: http`"),
    protected(HTTP + "  auth: api_key\n", "protection-api-key-on-http",
              "gateway.auth: API keys need `gateway.type: rest`"),
    protected(HTTP + KEYS_AND_PLAN, "protection-keys-on-http", "api_keys: API keys need `gateway.type: rest`"),
    protected(HTTP + "  auth: jwt\n", "protection-jwt-not-configured", "`gateway.jwt` is not configured"),
    protected(HTTP + "  auth: jwt\n  jwt:\n    audiences: [client]\n", "protection-jwt-missing-issuer",
              "gateway.jwt.issuer: required key is missing"),
    protected(HTTP + "  auth: jwt\n  jwt:\n    issuer: http://issuer.example.com\n    audiences: [client]\n",
              "protection-jwt-issuer-not-https", "use `https://issuer.example.com`"),
    protected(HTTP + "  auth: jwt\n  jwt:\n    issuer: https://issuer.example.com\n    audiences: []\n",
              "protection-jwt-no-audience", "gateway.jwt.audiences: must list at least one audience"),
    protected(HTTP + "apis:\n  iris:\n    auth: iam\n    scopes: [iris/read]\n", "protection-scopes-without-jwt",
              "scopes apply to `auth: jwt` only", apis_text=APIS),
    protected(HTTP + "  throttle: {rate: -5, burst: 10}\n", "protection-rate-negative",
              "gateway.throttle.rate: must not be negative (got `-5`); fix: use a whole number of requests per "
              "second from 1 to 100000"),
    protected(HTTP + "  throttle: {rate: 0, burst: 10}\n", "protection-rate-zero", "must be at least 1",
              fix="10,000 requests/s with a burst of 5,000"),
    protected(HTTP + "  throttle: {rate: 2.5, burst: 10}\n", "protection-rate-fractional", "must be a whole number"),
    protected(HTTP + "  throttle: {rate: 10, burst: 1000000000000}\n", "protection-burst-absurd",
              "gateway.throttle.burst: is more than 100000"),
    protected(REST + KEYS_AND_PLAN + "    quota: {limit: 99999999999, period: month}\n", "protection-quota-absurd",
              "usage_plans[0].quota.limit: is more than 2147483647"),
    protected(REST + KEYS_AND_PLAN + "    quota: {limit: -1, period: month}\n", "protection-quota-negative",
              "usage_plans[0].quota.limit: must not be negative"),
    protected(REST + KEYS_AND_PLAN + "    quota: {limit: 100, period: year}\n", "protection-quota-period",
              "use `day`, `week` or `month`"),
    protected(REST + "api_keys:\n  - name: partner-a\n  - name: partner-a\n", "protection-key-name-reused",
              "api_keys[1].name: the API key name is already used by `api_keys[0].name`"),
    protected(REST + "api_keys:\n  - name: 'partner/a'\n", "protection-key-name-invalid",
              "may only contain letters, digits, spaces"),
    protected(REST + f"api_keys:\n  - name: partner-a\n    value: {SECRET}\n", "protection-key-value-in-clear",
              "never in the file in clear: use value_env or value_file", absent=SECRET),
    protected(REST + "api_keys:\n  - name: partner-a\n    value_env: CORTEX_NET_TEST_UNSET_KEY\n",
              "protection-key-env-unset", "the environment variable CORTEX_NET_TEST_UNSET_KEY is not set"),
    protected(REST + "api_keys:\n  - name: partner-a\n    value_env: CORTEX_NET_TEST_SHORT_KEY\n",
              "protection-key-env-short", "20 to 128", env={"CORTEX_NET_TEST_SHORT_KEY": "short-secret-xyz"},
              absent="short-secret-xyz"),
    protected(REST + "api_keys:\n  - name: partner-a\n    value_file: nowhere.key\n", "protection-key-file-missing",
              "the key file cannot be read"),
    protected(REST + "api_keys:\n  - name: partner-a\nusage_plans:\n  - name: p\n    keys: [partner-b]\n",
              "protection-plan-key-undefined", "did you mean `partner-a`?"),
    protected(REST + "  auth: api_key\nusage_plans:\n  - name: p\n", "protection-api-key-nobody-can-call",
              "nobody could call the API"),
    protected(REST + "apis:\n  hidden:\n    auth: api_key\n" + KEYS_AND_PLAN, "protection-api-key-on-api-gateway-none",
              "API `hidden` is not on the gateway", apis_text=OFF_GATEWAY),
    protected(HTTP + "apis:\n  hidden:\n    throttle: {rate: 5, burst: 10}\n", "protection-throttle-on-api-gateway-none",
              "nothing to protect there", apis_text=OFF_GATEWAY),
    protected(HTTP + "apis:\n  irsi:\n    auth: iam\n", "protection-override-unknown-api",
              "did you mean `iris`?", apis_text=APIS),
    protected(HTTP + "  access_logs:\n    destination_arn: 'arn:aws:logs:us-west-2:123456789012:log-group:api:*'\n",
              "protection-log-arn-star", "ends with `:*`"),
    protected(HTTP + "  access_logs:\n    destination_arn: arn:aws:logs:us-west-2:123456789012:log-group:api\n"
              "    format: '$context.path'\n", "protection-log-format-no-request-id", "$context.requestId"),
    env({"CORTEX_NET_GATEWAY__THROTTLE__RATE": "-1", "CORTEX_NET_GATEWAY__THROTTLE__BURST": "5"},
        "protection-env-rate-negative", "CORTEX_NET_GATEWAY__THROTTLE__RATE", message="must not be negative"),
    env({"CORTEX_NET_GATEWAY__AUTH": "token"}, "protection-env-auth-unknown", "CORTEX_NET_GATEWAY__AUTH",
        message="use `none`, `iam`, `jwt` or `api_key`"),
]

CASES: list[Case] = [
    # --- cluster.yaml: types, missing fields, enum values, names, regions, ARNs
    cluster("region: us-west-2\n", "cluster-name-missing"),
    cluster("cluster_nmae: x\nregion: us-west-2\n", "cluster-name-typo"),
    cluster("cluster_name: [a, b]\n", "cluster-name-list"),
    cluster("cluster_name: {a: 1}\n", "cluster-name-mapping"),
    cluster("cluster_name: true\n", "cluster-name-bool"),
    cluster("cluster_name: 123\n", "cluster-name-number"),
    cluster("cluster_name: ''\n", "cluster-name-empty"),
    cluster("cluster_name: Cortex\n", "cluster-name-upper"),
    cluster("cluster_name: my_cluster\n", "cluster-name-underscore"),
    cluster("cluster_name: -x\n", "cluster-name-dash"),
    cluster(f"cluster_name: {'a' * 55}\n", "cluster-name-too-long"),
    cluster('cluster_name: "a\\nFORGED error: none"\n', "cluster-name-newline"),
    cluster('cluster_name: "\\e[31mred\\e[0m"\n', "cluster-name-ansi"),
    cluster('cluster_name: "a\\u202eb"\n', "cluster-name-bidi"),
    cluster("cluster_name: c\nregion: us-east\n", "region-short"),
    cluster("cluster_name: c\nregion: US-EAST-1\n", "region-upper"),
    cluster("cluster_name: c\nregion: 5\n", "region-number"),
    cluster("cluster_name: c\nregion: [us-east-1]\n", "region-list"),
    cluster("cluster_name: c\nregion: 'us-east-1 '\n", "region-space"),
    cluster("cluster_name: c\napi_load_balancer_scheme: sideways\n", "scheme-unknown"),
    cluster("cluster_name: c\napi_load_balancer_scheme: Internal\n", "scheme-case"),
    cluster("cluster_name: c\napi_load_balancer_scheme: 1\n", "scheme-number"),
    cluster("cluster_name: c\napi_gateway: yes\n", "api-gateway-bool"),
    cluster("cluster_name: c\napi_gateway: sometimes\n", "api-gateway-unknown"),
    cluster("cluster_name: c\nssl_certificate_arn: not-an-arn\n", "ssl-arn-bad"),
    cluster("cluster_name: c\nssl_certificate_arn: arn:aws:iam::123456789012:server-certificate/x\n", "ssl-arn-iam"),
    cluster("cluster_name: c\nssl_certificate_arn: arn:aws:acm:us-east-1:1234:certificate/x\n", "ssl-arn-account"),
    # --- cluster.yaml: structure and encoding
    cluster("", "cluster-empty"),
    cluster("# only a comment\n", "cluster-comment-only"),
    cluster("- cluster_name: c\n", "cluster-is-a-list"),
    cluster("just a string\n", "cluster-is-a-scalar"),
    cluster("cluster_name: [unterminated\nregion: us-west-2\n", "syntax-unterminated-list"),
    cluster('cluster_name: "open\n', "syntax-unterminated-quote"),
    cluster("cluster_name: c\n  region: x\n bad: indent\n", "syntax-indentation"),
    cluster("cluster_name: c\n\tregion: us-west-2\n", "syntax-tab"),
    cluster("cluster_name: a\ncluster_name: b\n", "duplicate-keys"),
    cluster("cluster_name: a\n---\ncluster_name: b\n", "several-documents"),
    cluster(_alias_bomb(), "alias-bomb"),
    cluster("cluster_name: c\nx: *nowhere\n", "unknown-alias"),
    cluster("cluster_name: c\nx: [" + ",".join(["1"] * 30_000) + "]\n", "too-many-nodes"),
    cluster("cluster_name: c\nx: " + "[" * 300 + "]" * 300 + "\n", "deep-flow-nesting"),
    cluster("cluster_name: c\n" + "".join(f"{' ' * (2 * i)}k{i}:\n" for i in range(60)) + " " * 120 + "v: 1\n",
            "deep-block-nesting"),
    cluster(b"cluster_name: caf\xe9\nregion: us-west-2\n", "not-utf8-latin1"),
    cluster(b"cluster_name: c\nregion: \xff\xfe\n", "not-utf8-bytes"),
    cluster("cluster_name: c\n".encode("utf-16"), "utf16-with-bom"),
    cluster(b"\xef\xbb\xbfcluster_name: Bad_Name\n", "utf8-bom-then-bad-name"),
    cluster(b"cluster_name: c\x00\n", "nul-byte"),
    cluster(f"cluster_name: {BIG_VALUE}\n", "huge-value-in-file"),
    cluster("cluster_name: c\nbig: " + "z" * (1 << 20) + "\n", "file-too-large"),
    cluster("cluster_name: c\n? [complex, key]\n: value\n", "complex-key"),
    # --- special files
    Case("cluster-missing", "cluster.yaml", files={}),
    Case("cluster-is-directory", "cluster.yaml", files={"cluster.yaml": "DIR"}),
    Case("cluster-is-fifo", "cluster.yaml", files={"cluster.yaml": "FIFO"}),
    Case("cluster-symlink-loop", "cluster.yaml", files={"cluster.yaml": "LOOP"}),
    Case("cluster-dangling-symlink", "cluster.yaml", files={"cluster.yaml": "DANGLING"}),
    Case("cluster-is-dev-zero", "cluster.yaml", files={"cluster.yaml": "DEVZERO"}),
    Case("cluster-unreadable", "cluster.yaml", files={"cluster.yaml": "UNREADABLE"}),
    Case("settings-symlink-loop", "cortex-net.yaml", files={"cluster.yaml": CLUSTER, "cortex-net.yaml": "LOOP"}),
    Case("settings-is-fifo", "cortex-net.yaml", files={"cluster.yaml": CLUSTER, "cortex-net.yaml": "FIFO"}),
    Case("settings-is-directory", "cortex-net.yaml", files={"cluster.yaml": CLUSTER, "cortex-net.yaml": "DIR"}),
    Case("apis-is-fifo", "cortex.yaml", files={"cluster.yaml": CLUSTER, "cortex.yaml": "FIFO"}, args=["-a", "cortex.yaml"]),
    Case("apis-missing", "cortex.yaml", files={"cluster.yaml": CLUSTER}, args=["-a", "cortex.yaml"]),
    Case("settings-flag-missing", "other.yaml", files={"cluster.yaml": CLUSTER}, args=["--settings", "other.yaml"]),
    # --- cortex.yaml
    apis("name: iris\nkind: RealtimeAPI\n", "apis-mapping-not-list"),
    apis("iris\n", "apis-scalar"),
    apis("- just a string\n", "apis-item-scalar"),
    apis("- kind: RealtimeAPI\n", "api-name-missing"),
    apis("- nmae: iris\n  kind: RealtimeAPI\n", "api-name-typo"),
    apis("- name: iris\n", "api-kind-missing"),
    apis("- name: iris\n  kind: Lambda\n", "api-kind-unknown"),
    apis("- name: iris\n  kind: realtimeapi\n", "api-kind-case"),
    apis("- name: Iris\n  kind: RealtimeAPI\n", "api-name-upper"),
    apis("- name: [iris]\n  kind: RealtimeAPI\n", "api-name-list"),
    apis("- name: iris\n  kind: RealtimeAPI\n- name: iris\n  kind: RealtimeAPI\n", "api-name-duplicate"),
    apis("- name: a\n  kind: RealtimeAPI\n  networking: {endpoint: /same}\n"
         "- name: b\n  kind: RealtimeAPI\n  networking: {endpoint: /same}\n", "api-endpoint-duplicate"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {endpoint: iris}\n", "api-endpoint-no-slash"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {endpoint: ''}\n", "api-endpoint-empty"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {endpoint: /}\n", "api-endpoint-root"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {endpoint: /a//b}\n", "api-endpoint-double-slash"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {endpoint: /Iris}\n", "api-endpoint-upper"),
    apis('- name: iris\n  kind: RealtimeAPI\n  networking: {endpoint: "/a\\nFORGED: b"}\n', "api-endpoint-newline"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {api_gateway: maybe}\n", "api-gateway-unknown-value"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {api_gateway: public}\n", "disabled-public-conflict",
         cluster_text="cluster_name: bad-input\napi_gateway: disabled\n"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {timeout: 0}\n", "timeout-zero"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {timeout: -3}\n", "timeout-negative"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {timeout: 1.5s}\n", "timeout-decimal"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {timeout: 45 seconds}\n", "timeout-words"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: {timeout: [45]}\n", "timeout-list"),
    apis("- name: iris\n  kind: RealtimeAPI\n  networking: [endpoint, /iris]\n", "networking-list"),
    apis("- name: iris\n  kind: RealtimeAPI\n- name: iris\n", "apis-several-problems"),
    # --- cortex-net.yaml: types, enums, typos at every depth
    settings("gatway:\n  type: rest\n", "settings-typo-top"),
    settings("gateway:\n  tpye: rest\n", "settings-typo-depth-2"),
    settings("gateway:\n  cors:\n    allow_origin: ['*']\n", "settings-typo-depth-3"),
    settings("gateway:\n  timeout: 30\n", "settings-unknown-nested"),
    settings("stage: dev\n", "settings-wrong-level"),
    settings("gateway: rest\n", "settings-gateway-not-mapping"),
    settings("gateway:\n  type: grpc\n", "settings-type-unknown"),
    settings("gateway:\n  type: REST\n", "settings-type-case"),
    settings("gateway:\n  cors: maybe\n", "settings-cors-string"),
    settings("gateway:\n  cors:\n    max_age_seconds: 999999\n", "settings-cors-max-age"),
    settings("gateway:\n  vpc_link: v3\n", "settings-vpc-link-unknown"),
    settings("gateway:\n  vpc_link: v1\n", "settings-vpc-link-v1-http"),
    settings("gateway:\n  vpc_link_timeout_seconds: 5\n", "settings-timeout-low"),
    settings("gateway:\n  vpc_link_timeout_seconds: ten\n", "settings-timeout-word"),
    settings("gateway:\n  endpoint_type: global\n", "settings-endpoint-type"),
    settings("gateway:\n  type: rest\n  stage: $default\n", "settings-rest-default-stage"),
    settings("gateway:\n  stage: 'a b'\n", "settings-stage-space"),
    settings("gateway:\n  domain: '*.example.com'\n  certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/x\n",
             "settings-domain-wildcard"),
    settings("gateway:\n  domain: api.example.com\n", "settings-domain-without-certificate"),
    settings("gateway:\n  certificate_arn: nope\n", "settings-certificate-arn"),
    settings("load_balancer: my_lb\n", "settings-load-balancer-name"),
    settings("load_balancer: arn:aws:ec2:us-west-2:123456789012:loadbalancer/x\n", "settings-load-balancer-arn"),
    settings("gateway:\n  type: rest\n---\ngateway:\n  type: http\n", "settings-several-documents"),
    settings("gateway:\n  type: rest\n  type: http\n", "settings-duplicate-keys"),
    # --- cortex-net.yaml: protection (auth, JWT, throttles, keys, plans, access logs)
    *PROTECTION_CASES,
    # --- CORTEX_NET_* variables and their name typos
    env({"CORTEX_NET_GATEWAY_TYPE": "rest"}, "env-one-underscore", "CORTEX_NET_GATEWAY_TYPE"),
    env({"CORTEX_NET_GATEWAY__TPYE": "rest"}, "env-typo", "CORTEX_NET_GATEWAY__TPYE"),
    env({"CORTEX_NET_LOADBALANCER": "lb"}, "env-typo-top", "CORTEX_NET_LOADBALANCER"),
    env({"CORTEX_NET_STAGE": "dev"}, "env-wrong-level", "CORTEX_NET_STAGE"),
    env({"CORTEX_NET_FROBNICATE": "1"}, "env-unknown", "CORTEX_NET_FROBNICATE"),
    env({"CORTEX_NET_GATEWAY__": "rest"}, "env-malformed", "CORTEX_NET_GATEWAY__"),
    env({"CORTEX_NET_GATEWAY__TYPE": "grpc"}, "env-bad-enum", "CORTEX_NET_GATEWAY__TYPE"),
    env({"CORTEX_NET_GATEWAY__TYPE": ""}, "env-empty", "CORTEX_NET_GATEWAY__TYPE"),
    env({"CORTEX_NET_GATEWAY__VPC_LINK_TIMEOUT_SECONDS": "abc"}, "env-not-a-number", "CORTEX_NET_GATEWAY__VPC_LINK_TIMEOUT_SECONDS"),
    env({"CORTEX_NET_GATEWAY__VPC_LINK_TIMEOUT_SECONDS": "1"}, "env-out-of-range", "CORTEX_NET_GATEWAY__VPC_LINK_TIMEOUT_SECONDS"),
    env({"CORTEX_NET_GATEWAY__STAGE": FORGE}, "env-newline", "CORTEX_NET_GATEWAY__STAGE"),
    env({"CORTEX_NET_GATEWAY__STAGE": ANSI}, "env-ansi", "CORTEX_NET_GATEWAY__STAGE"),
    env({"CORTEX_NET_LOAD_BALANCER": HUGE}, "env-huge-value", "CORTEX_NET_LOAD_BALANCER"),
    env({"CORTEX_NET_GATEWAY__DOMAIN": "api.example.com"}, "env-domain-blames-variable", "CORTEX_NET_GATEWAY__DOMAIN"),
    env({"CORTEX_NET_GATEWAY__CORS": "maybe"}, "env-cors", "CORTEX_NET_GATEWAY__CORS"),
    # --- AWS environment, checked before any call
    env({"AWS_ENDPOINT_URL": ""}, "aws-endpoint-empty", "AWS_ENDPOINT_URL"),
    env({"AWS_ENDPOINT_URL": "notaurl"}, "aws-endpoint-not-a-url", "AWS_ENDPOINT_URL"),
    env({"AWS_ENDPOINT_URL_API_GATEWAY": ""}, "aws-endpoint-service-empty", "AWS_ENDPOINT_URL_API_GATEWAY"),
    env({"AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2": "ftp://x"}, "aws-endpoint-service-scheme",
        "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2"),
    env({"AWS_ENDPOINT_URL_STS": "http://x:99999"}, "aws-endpoint-sts-port", "AWS_ENDPOINT_URL_STS"),
    env({"AWS_MAX_ATTEMPTS": "0"}, "aws-max-attempts-zero", "AWS_MAX_ATTEMPTS"),
    env({"AWS_MAX_ATTEMPTS": "abc"}, "aws-max-attempts-word", "AWS_MAX_ATTEMPTS"),
    env({"AWS_RETRY_MODE": "fast"}, "aws-retry-mode", "AWS_RETRY_MODE"),
    env({"AWS_REGION": "mars-1"}, "aws-region", "AWS_REGION"),
    env({"AWS_PROFILE": "nope"}, "aws-profile-missing", "AWS_PROFILE"),
    env({"AWS_PROFILE": ""}, "aws-profile-empty", "AWS_PROFILE"),
    env({"AWS_SESSION_TOKEN": "abc\ndef"}, "aws-session-token-newline", "AWS_SESSION_TOKEN"),
    env({"AWS_USE_FIPS_ENDPOINT": "maybe"}, "aws-fips-not-bool", "AWS_USE_FIPS_ENDPOINT"),
    # --- flags
    flags(["--endpoint-url", ""], "flag-endpoint-empty", "--endpoint-url"),
    flags(["--endpoint-url", "notaurl"], "flag-endpoint-not-a-url", "--endpoint-url"),
    flags(["--endpoint-url", "notaurl"], "flag-endpoint-not-a-url-validate", "--endpoint-url", command=("validate",)),
    flags(["--endpoint-url", "http://"], "flag-endpoint-no-host", "--endpoint-url"),
    flags(["--endpoint-url", "http://a b"], "flag-endpoint-space", "--endpoint-url"),
    flags(["--endpoint-url", "http://x\nFORGED: y"], "flag-endpoint-newline", "--endpoint-url"),
    flags(["--endpoint-url", "http://" + HUGE], "flag-endpoint-huge", "--endpoint-url"),
    flags(["--region", "us-east"], "flag-region-short", "--region"),
    flags(["--region", ""], "flag-region-empty", "--region"),
    flags(["--region", "us-east-1" + ANSI], "flag-region-ansi", "--region"),
    flags(["--profile", "nope"], "flag-profile-missing", "--profile"),
    flags(["--profile", ""], "flag-profile-empty", "--profile"),
    flags(["--load-balancer", "my_lb"], "flag-load-balancer", "--load-balancer"),
    flags(["--load-balancer", HUGE], "flag-load-balancer-huge", "--load-balancer"),
    flags(["-c", ""], "flag-cluster-config-empty", "--cluster-config", fix="--help"),
    flags(["-a", ""], "flag-api-config-empty", "--api-config", fix="--help"),
    flags(["-o", "yaml"], "flag-output", "--output", fix="possible values"),
    flags(["-o", FORGE], "flag-output-newline", "--output", fix="possible values"),
    flags(["--gateway-type", "grpc"], "flag-gateway-type", "--gateway-type", fix="possible values"),
    flags(["--gateway-type", HUGE], "flag-gateway-type-huge", "--gateway-type", fix="possible values"),
    flags(["--endpoint", "http://x"], "flag-unknown", "--endpoint", fix="--help"),
    flags([], "flag-doctor-url", "--url", command=("doctor", "--url", "notaurl")),
]


def _materialise(root: Path, name: str, content) -> None:
    path = root / name
    if isinstance(content, str) and content in ("DIR", "FIFO", "LOOP", "DANGLING", "DEVZERO", "UNREADABLE"):
        if content == "DIR":
            path.mkdir()
        elif content == "FIFO":
            os.mkfifo(path)
        elif content == "LOOP":
            os.symlink(path, path)
        elif content == "DANGLING":
            os.symlink(root / "nowhere.yaml", path)
        elif content == "DEVZERO":
            os.symlink("/dev/zero", path)
        else:
            path.write_text(CLUSTER)
            path.chmod(0)
        return
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, listener: str, tmp_path: Path):
    for name, content in case.files.items():
        _materialise(tmp_path, name, content)
    if "UNREADABLE" in case.files.values() and os.access(tmp_path / "cluster.yaml", os.R_OK):
        pytest.skip("running as root: file permissions do not stop root from reading the file")
    args = ["-c", "cluster.yaml", *case.args, *case.command] if "-c" not in case.args \
        else [*case.args, *case.command]
    r = run(listener, args, tmp_path, case.env)
    check(r, case.source, fix=case.fix)
    if case.message:
        assert case.message in r.stderr, f"stderr does not say {case.message!r}\n{r.describe()}"
    if case.absent:
        assert case.absent not in r.stderr + r.stdout, f"{case.absent!r} was shown\n{r.describe()}"


def test_corpus_size():
    assert len(CASES) >= 100, len(CASES)
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"


def test_the_listener_sees_the_calls_of_a_valid_configuration(listener: str, tmp_path: Path):
    """The control: with valid input the CLI does call AWS (here: the listener), so the zero
    counted in every case above means something."""
    (tmp_path / "cluster.yaml").write_text(CLUSTER)
    r = run(listener, ["-c", "cluster.yaml", "plan"], tmp_path)
    assert r.calls > 0 and r.code == 1, r.describe()
    assert "panicked" not in r.stderr, r.describe()


def test_json_validate_report_is_bounded_and_escaped(listener: str, tmp_path: Path):
    """`validate -o json` carries the same escaped, cut values (and stays valid JSON)."""
    import json
    (tmp_path / "cluster.yaml").write_text(f'cluster_name: "{BIG_VALUE}\\nFORGED"\n')
    r = run(listener, ["-c", "cluster.yaml", "-o", "json", "validate"], tmp_path)
    assert r.code == 2 and r.calls == 0, r.describe()
    report = json.loads(r.stdout)
    values = [e["value"] for e in report["errors"] if e["value"]]
    assert values and all(len(v) < 100 for v in values), report
    assert all(e["fix"] for e in report["errors"]), report
