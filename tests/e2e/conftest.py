"""Fixtures for the cortex-net end-to-end suite.

Environment (set by `cargo xtask e2e`; defaults for running by hand):
  AWS_ENDPOINT_URL   moto endpoint            (default http://127.0.0.1:5000)
  CORTEX_NET_REPO    repository root          (default: two levels above this file)
  CORTEX_NET_BIN     the CLI binary           (default: <repo>/target/debug/cortex-net)
  CORTEX_NET_LOCALSTACK_URL  LocalStack (REST APIs)  (default: $AWS_ENDPOINT_URL_API_GATEWAY,
                     else http://127.0.0.1:4566); the CLI gets it as AWS_ENDPOINT_URL_API_GATEWAY
  CORTEX_NET_HOSTS_FILE  the hosts file LocalStack sees as /etc/hosts (support/hosts.py)
  CORTEX_NET_FAULT_RATE, CORTEX_NET_FAULT_SEED, CORTEX_NET_FAULT_AFTER_SHARE
                     fault mode of the session proxies (default: off; see README)

The CLI never talks to the emulators directly: every test's CLI goes through a session proxy
(support/awsproxy.py) in front of moto (`MOTO_PROXY`, the CLI's AWS_ENDPOINT_URL) and one in
front of LocalStack (`LOCALSTACK_PROXY`, the CLI's AWS_ENDPOINT_URL_API_GATEWAY), which enforce
AWS rules the emulators lack (duplicate route keys and stage names, deleting what is still
referenced, ...), or through a test's own proxy (`aws_proxy`), which enforces them too.
`ENDPOINT` and `LOCALSTACK` stay the emulators themselves (boto3 read-back, seeding).

Isolation: moto keeps separate state per region, so every test that touches AWS
takes its own region from `region` (never shared within a run), unless it is marked
`@pytest.mark.shared_region`: such tests only look at what they identify themselves (their
cluster's tagged resources, ids they read, calls a proxy recorded) and take a region of a small
shared pool. LocalStack (REST APIs) is isolated per account instead: such tests use the
`account` fixture, a fresh 12-digit AWS_ACCESS_KEY_ID (moto ignores it). Cluster names get
a random suffix, so a re-run against an un-reset moto cannot see a previous
run's load balancers or APIs as its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, NamedTuple

import boto3
import pytest
import yaml

from support import awsproxy
from support.awsproxy import AwsProxy, Journal, listening
from support.iam import allowed, required
from support.backend import Backend, start_backend

HERE = Path(__file__).resolve().parent
REPO = Path(os.environ.get("CORTEX_NET_REPO") or HERE.parents[1]).resolve()
BIN = Path(os.environ.get("CORTEX_NET_BIN") or REPO / "target" / "debug" / "cortex-net")
# The emulators. AWS_ENDPOINT_URL(_API_GATEWAY) are then pointed at the session proxies below;
# processes started from here (pytest-xdist workers) find the emulators in
# CORTEX_NET_E2E_MOTO_URL and CORTEX_NET_LOCALSTACK_URL.
ENDPOINT = (os.environ.get("CORTEX_NET_E2E_MOTO_URL") or os.environ.get("AWS_ENDPOINT_URL")
            or "http://127.0.0.1:5000").rstrip("/")
SEED_SCRIPT = REPO / "localstack" / "seed.py"
LOCALSTACK = (os.environ.get("CORTEX_NET_LOCALSTACK_URL") or os.environ.get("AWS_ENDPOINT_URL_API_GATEWAY")
              or "http://127.0.0.1:4566").rstrip("/")
CLI_TIMEOUT = 120

# Credentials and isolation from the developer's own AWS setup, when not provided.
_ENV_DEFAULTS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull,  # exists and is empty: no profile, no warning about a missing file
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}
for _k, _v in _ENV_DEFAULTS.items():
    os.environ.setdefault(_k, _v)


def _fault_mode_from_env() -> tuple[float, int, float] | None:
    """(rate, seed, after share) from CORTEX_NET_FAULT_RATE / _SEED / _AFTER_SHARE, None when off."""
    raw = (os.environ.get("CORTEX_NET_FAULT_RATE") or "").strip()
    if not raw:
        return None
    try:
        rate = float(raw)
        seed = int(os.environ.get("CORTEX_NET_FAULT_SEED") or "0")
        after = float(os.environ.get("CORTEX_NET_FAULT_AFTER_SHARE") or "0.5")
    except ValueError as e:
        raise pytest.UsageError(f"CORTEX_NET_FAULT_RATE/_SEED/_AFTER_SHARE: {e}") from e
    if not (0.0 <= rate <= 1.0 and 0.0 <= after <= 1.0):
        raise pytest.UsageError(f"CORTEX_NET_FAULT_RATE={raw} and _AFTER_SHARE must be within 0..1")
    return (rate, seed, after) if rate > 0 else None


# The session proxies: every CLI run goes through them (or through a test's own proxy), so AWS's
# rules hold for the whole suite. Started once per process (pytest imports this module once).
SESSION_PROXIES: dict[str, AwsProxy] = {
    "moto": AwsProxy(ENDPOINT, name="moto", v1_upstream=LOCALSTACK),
    "localstack": AwsProxy(LOCALSTACK, name="localstack"),
}
# LocalStack drops `integrationTarget`; AWS keeps it. Tests that put one do so through their own
# proxy; the session proxy answers with what any proxy learnt (the fault-free `plan` after `up`).
SESSION_PROXIES["localstack"].emulate_integration_target_storage(shared=True)
MOTO_PROXY = SESSION_PROXIES["moto"].url
LOCALSTACK_PROXY = SESSION_PROXIES["localstack"].url
FAULT_MODE = _fault_mode_from_env()
if FAULT_MODE is not None:
    for _i, _p in enumerate(SESSION_PROXIES.values()):
        _p.faults(FAULT_MODE[0], FAULT_MODE[1] + _i, after_share=FAULT_MODE[2])
os.environ["AWS_ENDPOINT_URL"] = MOTO_PROXY
# REST APIs (apigateway) live in LocalStack, everything else in moto.
os.environ["AWS_ENDPOINT_URL_API_GATEWAY"] = LOCALSTACK_PROXY
os.environ["CORTEX_NET_E2E_MOTO_URL"] = ENDPOINT
os.environ["CORTEX_NET_LOCALSTACK_URL"] = LOCALSTACK
os.environ["CORTEX_NET_E2E_MOTO_PROXY_URL"] = MOTO_PROXY
os.environ["CORTEX_NET_E2E_LOCALSTACK_PROXY_URL"] = LOCALSTACK_PROXY
for _k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(_k, None)
# A region from the environment must lose against cluster.yaml / --region. When none is set,
# use one that no test seeds, so a CLI that prefers the environment fails visibly.
os.environ.setdefault("AWS_REGION", "us-gov-west-1")
os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])

# Real region names that moto serves (ec2, elbv2, elb, apigatewayv2, acm, sts).
REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "ca-west-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "ap-south-1", "ap-south-2", "ap-northeast-1", "ap-northeast-2",
    "ap-northeast-3", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
    "ap-southeast-5", "ap-southeast-7", "ap-east-1", "sa-east-1", "me-south-1", "me-central-1",
    "il-central-1", "af-south-1", "mx-central-1", "ap-southeast-6", "ap-east-2",
]

# The configuration files the CLI reads.
CLUSTER_FILE = "cluster.yaml"
APIS_FILE = "cortex.yaml"
SETTINGS_FILE = "cortex-net.yaml"


# ---------------------------------------------------------------------------
# Regions and AWS clients
# ---------------------------------------------------------------------------

# The last few regions are shared by the tests marked `shared_region` (round robin); the others
# are handed out one per test.
SHARED_REGIONS = REGIONS[-3:]
EXCLUSIVE_REGIONS = REGIONS[:-3]


class _RegionAllocator:
    def __init__(self) -> None:
        # Under pytest-xdist each worker takes a disjoint slice.
        worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
        count = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
        index = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
        self._free = [r for i, r in enumerate(EXCLUSIVE_REGIONS) if i % count == index]
        self._shared_next = 0
        self.used: dict[str, str] = {}

    def take_shared(self) -> str:
        region = SHARED_REGIONS[self._shared_next % len(SHARED_REGIONS)]
        self._shared_next += 1
        return region

    def take(self, owner: str) -> str:
        if not self._free:
            pytest.fail(
                f"region allocator exhausted: {len(self.used)} tests already hold a region "
                f"({sorted(self.used.values())}); add real region names to REGIONS in conftest.py"
            )
        region = self._free.pop(0)
        self.used[region] = owner
        return region


@pytest.fixture(scope="session")
def _regions() -> _RegionAllocator:
    return _RegionAllocator()


@pytest.fixture
def region(_regions: _RegionAllocator, request: pytest.FixtureRequest) -> str:
    """A region no other test of this run uses (one of a shared pool for tests marked
    `shared_region`)."""
    if request.node.get_closest_marker("shared_region"):
        return _regions.take_shared()
    return _regions.take(request.node.nodeid)


@pytest.fixture(scope="session")
def moto_up() -> str:
    """Fail (not skip) early with a clear message when moto is not reachable."""
    import urllib.request

    try:
        urllib.request.urlopen(f"{ENDPOINT}/moto-api/", timeout=5).read(1)
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"moto is not reachable at AWS_ENDPOINT_URL={ENDPOINT}: {e}")
    return ENDPOINT


class Aws:
    """boto3 clients bound to one region of the emulator."""

    def __init__(self, region: str) -> None:
        self.region = region
        kw = dict(endpoint_url=ENDPOINT, region_name=region)
        self.apigw = boto3.client("apigatewayv2", **kw)
        self.elbv2 = boto3.client("elbv2", **kw)
        self.elb = boto3.client("elb", **kw)
        self.ec2 = boto3.client("ec2", **kw)

    # -- HTTP APIs -----------------------------------------------------------
    def apis(self) -> list[dict]:
        items, token = [], None
        while True:
            page = self.apigw.get_apis(**({"NextToken": token} if token else {}))
            items += page.get("Items", [])
            token = page.get("NextToken")
            if not token:
                return items

    def api_ids(self) -> set[str]:
        return {a["ApiId"] for a in self.apis()}

    def api(self, api_id: str) -> dict:
        return self.apigw.get_api(ApiId=api_id)

    def api_tags(self, api_id: str) -> dict:
        arn = f"arn:aws:apigateway:{self.region}::/apis/{api_id}"
        return self.apigw.get_tags(ResourceArn=arn).get("Tags", {})

    def integrations(self, api_id: str) -> list[dict]:
        return self.apigw.get_integrations(ApiId=api_id).get("Items", [])

    def routes(self, api_id: str) -> list[dict]:
        return self.apigw.get_routes(ApiId=api_id).get("Items", [])

    def stages(self, api_id: str) -> list[dict]:
        return self.apigw.get_stages(ApiId=api_id).get("Items", [])

    def routes_by_key(self, api_id: str) -> dict[str, dict]:
        routes = self.routes(api_id)
        keys = [r["RouteKey"] for r in routes]
        assert len(keys) == len(set(keys)), f"duplicate route keys on API {api_id}: {keys}"
        return {r["RouteKey"]: r for r in routes}

    def integration_of(self, api_id: str, route: dict) -> dict:
        """The integration a route targets (asserting the target is well formed)."""
        target = route.get("Target", "")
        assert target.startswith("integrations/"), f"route {route['RouteKey']} target {target!r}"
        integ_id = target.split("/", 1)[1]
        by_id = {i["IntegrationId"]: i for i in self.integrations(api_id)}
        assert integ_id in by_id, f"route {route['RouteKey']} targets missing integration {integ_id}"
        return by_id[integ_id]

    def owned_apis(self, cluster: str) -> list[dict]:
        """APIs carrying cortex-net's ownership tags for `cluster`."""
        return [
            a for a in self.apis()
            if (a.get("Tags") or {}).get("managed-by") == "cortex-net"
            and (a.get("Tags") or {}).get("cortex.dev/cluster-name") == cluster
        ]

    # -- Load balancers ------------------------------------------------------
    def lb_names(self) -> set[str]:
        # Every page: a long-lived emulator may hold more load balancers than one page shows.
        pages = self.elbv2.get_paginator("describe_load_balancers").paginate()
        return {lb["LoadBalancerName"] for page in pages for lb in page["LoadBalancers"]}

    def classic_lb_names(self) -> set[str]:
        pages = self.elb.get_paginator("describe_load_balancers").paginate()
        return {lb["LoadBalancerName"] for page in pages for lb in page["LoadBalancerDescriptions"]}

    def add_cluster_nlb(self, seeded: dict, name: str | None = None) -> dict:
        """A second NLB tagged for the seeded cluster (to make discovery ambiguous)."""
        name = name or f"x{uuid.uuid4().hex[:12]}"
        lb = self.elbv2.create_load_balancer(
            Name=name,
            Subnets=seeded["subnet_ids"],
            SecurityGroups=[seeded["security_group_id"]],
            Scheme="internet-facing",
            Type="network",
            Tags=[
                {"Key": "cortex.dev/cluster-name", "Value": seeded["cluster"]},
                {"Key": "cortex.dev/load-balancer", "Value": "api"},
            ],
        )["LoadBalancers"][0]
        return {"name": lb["LoadBalancerName"], "arn": lb["LoadBalancerArn"], "dns_name": lb["DNSName"]}


@pytest.fixture
def aws(region: str, moto_up: str) -> Aws:
    return Aws(region)


# ---------------------------------------------------------------------------
# Seeding
# ---------------------------------------------------------------------------

def unique_cluster(prefix: str = "e2e") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


def run_seed(region: str, cluster: str, *, scheme: str = "internet-facing", decoys: bool = True,
             legacy_tags: bool = False, classic: bool = False, port: int | None = None) -> dict:
    """Seed one cluster with localstack/seed.py (the harness's seeder) and return its JSON."""
    if not SEED_SCRIPT.exists():
        pytest.fail(f"seed script not found at {SEED_SCRIPT} (set CORTEX_NET_REPO to the repository root)")
    cmd = [sys.executable, str(SEED_SCRIPT), "--endpoint-url", ENDPOINT, "--region", region,
           "--cluster", cluster, "--scheme", scheme]
    if not decoys:
        cmd.append("--no-decoys")
    if legacy_tags:
        cmd.append("--legacy-tags")
    if classic:
        cmd.append("--classic")
    if port is not None:
        cmd += ["--port", str(port)]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"seed failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}"
    try:
        data = json.loads(p.stdout)
    except json.JSONDecodeError as e:
        raise AssertionError(f"seed printed no JSON ({e}):\n{p.stdout}\n{p.stderr}") from e
    for key in ("region", "cluster", "vpc_id", "subnet_ids", "security_group_id", "load_balancer", "decoys"):
        assert key in data, f"seed output lacks {key!r}: {data}"
    assert data["region"] == region and data["cluster"] == cluster, data
    assert data["load_balancer"].get("port") == (port or 80), data
    return data


@pytest.fixture
def seed(region: str, moto_up: str):
    """Factory: seed(cluster=None, **options) -> seed JSON, in this test's region."""

    def _seed(cluster: str | None = None, **options: Any) -> dict:
        return run_seed(region, cluster or unique_cluster(), **options)

    return _seed


@pytest.fixture
def seeded(seed) -> dict:
    """A seeded internet-facing cluster with decoys."""
    return seed()


# ---------------------------------------------------------------------------
# Config files
# ---------------------------------------------------------------------------

def write_yaml(path: Path, data: Any) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def cluster_config(cluster: str, region: str, **extra: Any) -> dict:
    cfg = {
        "cluster_name": cluster,
        "region": region,
        "api_load_balancer_scheme": "internet-facing",
        "api_gateway": "public",
    }
    cfg.update(extra)
    return cfg


def api_spec(name: str, endpoint: str | None = None, gateway: str = "public", timeout: int | None = None,
             kind: str = "RealtimeAPI") -> dict:
    networking: dict[str, Any] = {"endpoint": endpoint if endpoint is not None else f"/{name}",
                                  "api_gateway": gateway}
    if timeout is not None:
        networking["timeout"] = timeout
    return {"name": name, "kind": kind, "predictor": {"type": "python", "path": "predictor.py"},
            "networking": networking}


class Workspace:
    """A directory holding cluster.yaml (and optionally cortex.yaml / cortex-net.yaml)."""

    def __init__(self, root: Path, cluster: str, region: str) -> None:
        self.root = root
        self.cluster = cluster
        self.region = region

    @property
    def cluster_file(self) -> Path:
        return self.root / CLUSTER_FILE

    @property
    def apis_file(self) -> Path:
        return self.root / APIS_FILE

    @property
    def settings_file(self) -> Path:
        return self.root / SETTINGS_FILE

    def write_cluster(self, **extra: Any) -> Path:
        return write_yaml(self.cluster_file, cluster_config(self.cluster, self.region, **extra))

    def write_apis(self, apis: list[dict]) -> Path:
        return write_yaml(self.apis_file, apis)

    def write_settings(self, settings: dict) -> Path:
        return write_yaml(self.settings_file, settings)


@pytest.fixture
def workspace(tmp_path: Path):
    """Factory: workspace(cluster, region, **cluster_yaml_overrides) -> Workspace with cluster.yaml."""

    def _ws(cluster: str, region: str, subdir: str = "ws", **extra: Any) -> Workspace:
        root = tmp_path / subdir
        root.mkdir(parents=True, exist_ok=True)
        ws = Workspace(root, cluster, region)
        ws.write_cluster(**extra)
        return ws

    return _ws


@pytest.fixture
def ws(seeded: dict, workspace) -> Workspace:
    """Workspace for the seeded cluster (cluster.yaml only)."""
    return workspace(seeded["cluster"], seeded["region"])


# ---------------------------------------------------------------------------
# Running the CLI
# ---------------------------------------------------------------------------

class CliResult(NamedTuple):
    code: int
    stdout: str
    stderr: str
    json: Any
    args: tuple

    def describe(self) -> str:
        return (f"$ cortex-net {' '.join(self.args)}\nexit {self.code}\n"
                f"--- stdout ---\n{self.stdout}\n--- stderr ---\n{self.stderr}")

    def ok(self) -> "CliResult":
        """Assert exit 0 and (for -o json) parseable JSON; returns self."""
        assert self.code == 0, f"expected exit 0\n{self.describe()}"
        if _wants_json(self.args):
            assert self.json is not None, f"expected JSON on stdout\n{self.describe()}"
        return self

    def fails(self, code: int) -> "CliResult":
        assert self.code == code, f"expected exit {code}\n{self.describe()}"
        return self


def _wants_json(args: tuple) -> bool:
    return any(a == "json" and i > 0 and args[i - 1] in ("-o", "--output") for i, a in enumerate(args)) or \
        "--output=json" in args or "-ojson" in args


# Global options that take a value (cortex_net::cli::Cli), to find the subcommand in argv.
_VALUE_OPTIONS = {"-c", "--cluster-config", "-a", "--api-config", "--settings", "--region", "--profile",
                  "--endpoint-url", "--load-balancer", "--gateway-type", "-o", "--output"}


def subcommand(args: tuple) -> tuple[int, str] | None:
    """(index, name) of the subcommand in a cortex-net argv, or None."""
    skip = False
    for i, a in enumerate(args):
        if skip:
            skip = False
        elif a in _VALUE_OPTIONS:
            skip = True
        elif not a.startswith("-"):
            return i, a
    return None


def _exec(args: tuple, cwd, env: dict) -> CliResult:
    p = subprocess.run([str(BIN), *args], cwd=str(cwd) if cwd else None, env=env,
                       stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=CLI_TIMEOUT)
    parsed = None
    if _wants_json(args) and p.stdout.strip():
        try:
            parsed = json.loads(p.stdout)
        except json.JSONDecodeError:
            parsed = None
    return CliResult(p.returncode, p.stdout, p.stderr, parsed, args)


def _without_output(part: tuple) -> list[str]:
    """argv without its output flags (`-o X`, `--output X`, `--output=X`, `-oX`)."""
    kept, skip = [], False
    for a in part:
        if skip:
            skip = False
        elif a in ("-o", "--output"):
            skip = True
        elif not a.startswith("--output=") and not (a.startswith("-o") and a != "-o"):
            kept.append(a)
    return kept


def assert_converged_after_up(args: tuple, cwd, env: dict) -> None:
    """Invariant C1 (ARCHITECTURE.md), checked after every `up` of the suite that exits 0: a
    fresh, fault-free `plan` with the same configuration is empty. It runs against the session
    proxies (a test's own proxy may still be injecting faults), with the test's credentials."""
    index, _ = subcommand(args)

    plan_args = ["-o", "json", *_without_output(args[:index]), "plan",
                 *[a for a in _without_output(args[index + 1:]) if a != "--yes"]]
    plan_env = {k: v for k, v in env.items() if not k.startswith("AWS_ENDPOINT_URL")}
    plan_env.update({k: v for k, v in os.environ.items() if k.startswith("AWS_ENDPOINT_URL")})
    plan = _exec(tuple(plan_args), cwd, plan_env)
    assert plan.code == 0 and plan.json is not None and plan.json.get("changes") == [], (
        "`up` exited 0 but AWS has not converged: a fresh plan is not empty\n" + plan.describe())


def run_cli(*args: str, cwd: Path | str | None = None, env: dict | None = None,
            check_converged: bool = True) -> CliResult:
    """Runs the CLI. After an `up` that exits 0, asserts that a fresh `plan` is empty
    (`check_converged=False` for the rare test that changes AWS behind the CLI's back first)."""
    if not BIN.exists():
        pytest.fail(f"cortex-net binary not found at {BIN} (set CORTEX_NET_BIN or build it: "
                    f"cargo build -p cortex-net)")
    full_env = dict(os.environ)
    if env:
        for k, v in env.items():
            if v is None:
                full_env.pop(k, None)
            else:
                full_env[k] = v
    args = tuple(map(str, args))
    command = subcommand(args)
    with listening() as calls:
        result = _exec(args, cwd, full_env)
    if calls and command is not None and command[1] in POLICY_CHECKED:
        assert_allowed_by_iam_policy(args, command[0], cwd, full_env, calls)
    if check_converged and result.code == 0 and command is not None and command[1] == "up":
        assert_converged_after_up(args, cwd, full_env)
    return result


# The commands whose AWS calls must all be allowed by `iam-policy` for the same configuration.
POLICY_CHECKED = {"discover", "plan", "up", "down", "status", "endpoints", "doctor", "keys", "diagram", "adopt", "export"}


def assert_allowed_by_iam_policy(args: tuple, index: int, cwd, env: dict, calls: list) -> None:
    """Least privilege, for the whole suite: every call a CLI run made (as recorded by any proxy of
    this process) is allowed by the policy `iam-policy` prints, offline, for the same files,
    flags and environment."""
    rest, skip = [], False
    # `keys list|show NAME|rotate NAME`, `diagram ...`, `export ...`: the configuration's policy.
    for a in (args[index + 1:] if args[index] not in ("keys", "diagram", "export") else ()):
        if skip:
            skip = False
        elif a in ("--url", "--api-key-env", "--api-id", "--vpc-link-id", "--domain"):  # doctor's, adopt's
            skip = True
        elif a not in ("--yes", "--detailed-exitcode"):
            rest.append(a)
    policy_args = ["-o", "json", *_without_output(args[:index]), "iam-policy", *_without_output(tuple(rest))]
    printed = _exec(tuple(policy_args), cwd, env)
    assert printed.code == 0 and isinstance(printed.json, dict), \
        "`iam-policy` failed for a configuration that made AWS calls\n" + printed.describe()
    missing = []
    for call in {id(c): c for c in calls}.values():
        region = call.region or ""
        action, resource = required(call, region)
        if not allowed(printed.json, action, resource, region):
            missing.append(f"{call.op}: {action} on {resource} ({call.method} {call.path})")
    assert not missing, ("calls that the policy `iam-policy` prints for this configuration does not "
                         "allow:\n  " + "\n  ".join(sorted(set(missing))) + "\n" + printed.describe())


@pytest.fixture
def cli():
    """cli(*args, cwd=None, env=None) -> CliResult(code, stdout, stderr, json, args)."""
    return run_cli


# ---------------------------------------------------------------------------
# Shared assertions
# ---------------------------------------------------------------------------

def change_set(result_json: dict) -> set[tuple[str, str]]:
    """{(action, kind)} of a plan/up/down JSON answer."""
    return {(c["action"], c["kind"]) for c in result_json["changes"]}


# Every resource kind a plan may name (gw_core::ResourceKind).
KINDS = ("vpc-link", "domain-name", "api", "integration", "route", "resource", "method",
         "stage", "deployment", "api-mapping")


def assert_changes_shape(result_json: Any, what: str) -> list[dict]:
    assert isinstance(result_json, dict) and isinstance(result_json.get("changes"), list), \
        f"{what}: expected {{'changes': [...]}}, got {result_json!r}"
    for c in result_json["changes"]:
        assert c.get("action") in ("create", "update", "delete"), f"{what}: bad action in {c}"
        assert c.get("kind") in KINDS, f"{what}: bad kind in {c}"
        assert isinstance(c.get("name"), str) and c["name"], f"{what}: change without name: {c}"
    return result_json["changes"]


def invoke_url(api_id: str, region: str) -> str:
    return f"https://{api_id}.execute-api.{region}.amazonaws.com"


# ---------------------------------------------------------------------------
# LocalStack, accounts, backends, proxies
# ---------------------------------------------------------------------------

@pytest.fixture(scope="session")
def localstack_up() -> str:
    """Fail (not skip) early with a clear message when LocalStack is not reachable."""
    import urllib.request

    try:
        urllib.request.urlopen(f"{LOCALSTACK}/_localstack/health", timeout=5).read(1)
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"LocalStack is not reachable at {LOCALSTACK} (CORTEX_NET_LOCALSTACK_URL): {e}")
    return LOCALSTACK


@pytest.fixture
def account(localstack_up: str) -> str:
    """A fresh 12-digit access key id: LocalStack makes it an account of its own (moto ignores it).
    Give it to the CLI (`env=account_env(account)`) and to boto3 clients of LocalStack."""
    return f"{uuid.uuid4().int % 10**12:012d}".replace("000000000000", "000000000001")


def account_env(account: str, **extra: str | None) -> dict:
    return {"AWS_ACCESS_KEY_ID": account, **extra}


class Rest:
    """boto3 apigateway (REST, v1) client of LocalStack, for one account and region."""

    def __init__(self, region: str, account: str, endpoint: str = LOCALSTACK) -> None:
        self.region = region
        self.account = account
        self.client = boto3.client("apigateway", endpoint_url=endpoint, region_name=region,
                                   aws_access_key_id=account, aws_secret_access_key="test")

    def rest_apis(self) -> list[dict]:
        items, pos = [], None
        while True:
            page = self.client.get_rest_apis(limit=500, **({"position": pos} if pos else {}))
            items += page.get("items", [])
            pos = page.get("position")
            if not pos:
                return items

    def owned_rest_apis(self, cluster: str) -> list[dict]:
        return [a for a in self.rest_apis()
                if (a.get("tags") or {}).get("managed-by") == "cortex-net"
                and (a.get("tags") or {}).get("cortex.dev/cluster-name") == cluster]

    def resources(self, api_id: str) -> dict[str, dict]:
        """{path: resource (with resourceMethods embedded)}."""
        items = self.client.get_resources(restApiId=api_id, limit=500, embed=["methods"]).get("items", [])
        by_path = {r["path"]: r for r in items}
        assert len(by_path) == len(items), f"duplicate resource paths: {[r['path'] for r in items]}"
        return by_path

    def integration(self, api_id: str, resource_id: str, method: str) -> dict:
        return self.client.get_integration(restApiId=api_id, resourceId=resource_id, httpMethod=method)

    def deployments(self, api_id: str) -> list[dict]:
        return self.client.get_deployments(restApiId=api_id, limit=500).get("items", [])

    def stages(self, api_id: str) -> list[dict]:
        return self.client.get_stages(restApiId=api_id).get("item", [])

    def vpc_links(self) -> list[dict]:
        return self.client.get_vpc_links(limit=500).get("items", [])

    def vpc_link_tags(self, link_id: str) -> dict:
        arn = f"arn:aws:apigateway:{self.region}::/vpclinks/{link_id}"
        return self.client.get_tags(resourceArn=arn).get("tags", {})


@pytest.fixture
def rest(region: str, account: str) -> Rest:
    return Rest(region, account)


@pytest.fixture
def backend():
    """A stand-in Cortex API on 127.0.0.1 (a free port); records what it receives."""
    b = start_backend()
    yield b
    b.stop()


@pytest.fixture(scope="session")
def session_proxies() -> dict[str, AwsProxy]:
    """{"moto": AwsProxy, "localstack": AwsProxy}: the proxies every CLI run goes through unless
    a test gives it its own (their records, `fault_counts()`)."""
    return SESSION_PROXIES


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """A failing test's report lists the calls AWS rules refused while it ran (a product bug, or
    a test relying on an emulator's leniency, shows there first)."""
    if call.when == "setup":
        item.stash[_REFUSALS_AT] = awsproxy.refusal_count()
    outcome = yield
    report = outcome.get_result()
    if _REFUSALS_AT not in item.stash:
        return
    refused = awsproxy.refusals(item.stash[_REFUSALS_AT])
    if report.failed and call.when == "call" and refused:
        report.sections.append(("AWS rules refused (support/awsproxy.py)", _describe_refusals(refused)))
    if call.when == "teardown" and refused and not item.nodeid.split("::")[0].endswith("test_awsproxy_rules.py"):
        _REFUSALS_BY_TEST[item.nodeid] = refused


_REFUSALS_AT = pytest.StashKey[int]()
_REFUSALS_BY_TEST: dict[str, list] = {}


def _describe_refusals(calls: list) -> str:
    return "\n".join(f"{c.proxy}: {c.op} {c.method} {c.path} (region {c.region}) -> {c.status} "
                     f"{c.faulted}: {c.response.decode('utf-8', 'replace')}" for c in calls)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Which tests (other than the rules' own) met a refusal by an AWS rule: the CLI sent
    something AWS refuses, whether or not it coped. With CORTEX_NET_FAULT_RATE: the session
    proxies' fault counts."""
    if FAULT_MODE is not None:
        terminalreporter.section("fault mode of the session proxies (CORTEX_NET_FAULT_*)")
        rate, seed, after = FAULT_MODE
        terminalreporter.write_line(f"rate {rate}, seed {seed}, after share {after}")
        for name, proxy in SESSION_PROXIES.items():
            terminalreporter.write_line(f"{name}: {json.dumps(proxy.fault_counts(), sort_keys=True)}")
    if not _REFUSALS_BY_TEST:
        return
    terminalreporter.section("AWS rules refused CLI calls (support/awsproxy.py)")
    for nodeid, calls in _REFUSALS_BY_TEST.items():
        terminalreporter.write_line(f"{nodeid}:")
        for line in _describe_refusals(calls).splitlines():
            terminalreporter.write_line(f"    {line}")


@pytest.fixture
def aws_proxy():
    """Factory: aws_proxy(upstream_url, name="aws", journal=None, **AwsProxy options) -> AwsProxy,
    stopped after the test. Proxies given one Journal record into one sequence. AWS rules are on
    (`aws_rules=False` to forward what AWS would refuse); a proxy in front of moto also counts
    LocalStack's REST integrations as users of a VPC link v2, as the session proxy does."""
    proxies: list[AwsProxy] = []

    def _make(upstream: str, name: str = "aws", journal: Journal | None = None, **options: Any) -> AwsProxy:
        if upstream.rstrip("/") == ENDPOINT.rstrip("/"):
            options.setdefault("v1_upstream", LOCALSTACK)
        p = AwsProxy(upstream, name=name, journal=journal, **options)
        proxies.append(p)
        return p

    yield _make
    for p in proxies:
        p.stop()


def invoke(api_id: str, stage: str, path: str, *, method: str = "GET", body: bytes | None = None,
           query: str = "", headers: dict | None = None) -> tuple[int, dict, bytes]:
    """A request through LocalStack's REST invoke proxying:
    `<LocalStack>/_aws/execute-api/<api>/<stage>/<path>?<query>` -> (status, headers, body)."""
    import urllib.error
    import urllib.request

    url = f"{LOCALSTACK}/_aws/execute-api/{api_id}/{stage}/{path.lstrip('/')}"
    if query:
        url += f"?{query}"
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


# Issue 10's resource kinds (gw_core::ResourceKind::{Authorizer, ApiKey, UsagePlan}), for
# `assert_changes_shape` (which reads KINDS when called).
KINDS = KINDS + ("authorizer", "api-key", "usage-plan")
