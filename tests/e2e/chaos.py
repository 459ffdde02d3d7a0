#!/usr/bin/env python3
"""Chaos driver: does cortex-net converge under AWS's ordinary weather?

For each gateway path (HTTP internet-facing, HTTP internal with a VPC link v2, REST
internet-facing, REST internal with a VPC link v1) it runs N cycles of:

1. seed a cluster (localstack/seed.py, with decoys; REST paths also get a foreign REST API named
   like ours) and snapshot the decoys;
2. `up --yes` through fault proxies (support/awsproxy.py, seeded fault mode: 429/500/503/resets,
   half of the 5xx and resets after the effect; AWS's conflict rules on) in front of API Gateway
   and ELB; the user retries a failed `up` at most `--retries` times;
3. a fault-free `plan`: converged when it exits 0 with no change;
4. read back (boto3, straight to the emulators): duplicates are more than one owned API, VPC link
   or stage;
5. `down --yes` through the fault proxies, retried the same way; read back: orphans are owned
   resources left; the decoys compared with the snapshot; a fault-free `down` cleans up after a
   failed cycle (not counted).

It prints a Markdown table and writes JSON (`--report`). `cargo xtask chaos` runs it with the
emulators' environment; `test_chaos_short.py` runs `run()` in-process for a short CI run. The
module also holds what the convergence, concurrency and crash tests share: the paths, seeding,
running the CLI, reading back what cortex-net owns, decoy snapshots.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:  # run as a script: `support` is next to this file
    sys.path.insert(0, str(HERE))

import boto3  # noqa: E402
import yaml  # noqa: E402

from support.awsproxy import AwsProxy  # noqa: E402

REPO = Path(os.environ.get("CORTEX_NET_REPO") or HERE.parents[1]).resolve()
BIN = Path(os.environ.get("CORTEX_NET_BIN") or REPO / "target" / "debug" / "cortex-net")
# The emulators themselves (conftest.py points AWS_ENDPOINT_URL* at its session proxies and keeps
# the emulators in CORTEX_NET_E2E_MOTO_URL / CORTEX_NET_LOCALSTACK_URL): these runs bring their
# own proxies, and their fault-free `plan` and read-back must not meet the suite's fault mode.
ENDPOINT = (os.environ.get("CORTEX_NET_E2E_MOTO_URL") or os.environ.get("AWS_ENDPOINT_URL")
            or "http://127.0.0.1:5000").rstrip("/")
LOCALSTACK = (os.environ.get("CORTEX_NET_LOCALSTACK_URL") or os.environ.get("AWS_ENDPOINT_URL_API_GATEWAY")
              or "http://127.0.0.1:4566").rstrip("/")
SEED_SCRIPT = REPO / "localstack" / "seed.py"
CLI_TIMEOUT = 240
# The regions the e2e suite shares between tests that identify their own resources by tags
# (conftest.SHARED_REGIONS): the chaos runs do the same, so they can run beside the suite.
SHARED_REGIONS = ("mx-central-1", "ap-southeast-6", "ap-east-2")
# What `up` says when it did not converge (another run changed the cluster meanwhile).
RUN_AGAIN = "run `cortex-net up` again"

OWNER_TAGS = {"managed-by": "cortex-net"}


# ---------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class GatewayPath:
    id: str
    kind: str  # http | rest
    scheme: str  # internet-facing | internal

    @property
    def internal(self) -> bool:
        return self.scheme == "internal"

    @property
    def stage(self) -> str:
        return "$default" if self.kind == "http" else "dev"

    @property
    def link_version(self) -> str | None:
        if not self.internal:
            return None
        return "v2" if self.kind == "http" else "v1"

    @property
    def endpoint_var(self) -> str:
        """The environment variable that points the CLI's API Gateway client elsewhere."""
        return "AWS_ENDPOINT_URL_APIGATEWAYV2" if self.kind == "http" else "AWS_ENDPOINT_URL_API_GATEWAY"

    @property
    def upstream(self) -> str:
        return ENDPOINT if self.kind == "http" else LOCALSTACK


PATHS = (
    GatewayPath("http-internet-facing", "http", "internet-facing"),
    GatewayPath("http-internal", "http", "internal"),
    GatewayPath("rest-internet-facing", "rest", "internet-facing"),
    GatewayPath("rest-internal", "rest", "internal"),
)
PATH_BY_ID = {p.id: p for p in PATHS}

# Environment variables that point the CLI's ELB clients elsewhere.
ELB_VARS = ("AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING")


def fresh_account() -> str:
    """A 12-digit access key id: LocalStack makes it an account of its own (moto ignores it)."""
    return f"{uuid.uuid4().int % 10**12:012d}".replace("000000000000", "000000000001")


_PLAIN_PROXIES: dict[str, AwsProxy] = {}


def plain_moto() -> str:
    """A fault-free proxy in front of moto, started once: "straight to the emulators" still
    needs the apigatewayv2 operations moto lacks (GetAuthorizers, UpdateStage, ...), which the
    proxy answers as AWS would (support/protection_rules.py)."""
    if "moto" not in _PLAIN_PROXIES:
        _PLAIN_PROXIES["moto"] = AwsProxy(ENDPOINT, name="moto-plain", v1_upstream=LOCALSTACK)
    return _PLAIN_PROXIES["moto"].url


def base_env() -> dict[str, str]:
    """The process environment with the suite's isolation defaults (see conftest.py)."""
    env = dict(os.environ)
    for k, v in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull,
                 "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_REGION": "us-gov-west-1"}.items():
        env.setdefault(k, v)
    env["AWS_ENDPOINT_URL"] = plain_moto()
    env["AWS_ENDPOINT_URL_API_GATEWAY"] = LOCALSTACK
    for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN"):
        env.pop(k, None)
    return env


# ---------------------------------------------------------------------------
# A seeded cluster
# ---------------------------------------------------------------------------

class Cluster:
    """A seeded cluster for one path: its workspace (cluster.yaml, cortex-net.yaml), the account
    (LocalStack), boto3 clients reading the emulators directly, and the CLI's environment."""

    def __init__(self, path: GatewayPath, region: str, account: str, root: Path, seeded: dict) -> None:
        self.path = path
        self.region = region
        self.account = account
        self.root = root
        self.seeded = seeded
        self.name = seeded["cluster"]
        moto = dict(endpoint_url=ENDPOINT, region_name=region, aws_access_key_id=account,
                    aws_secret_access_key="test")
        self.apigw2 = boto3.client("apigatewayv2", **moto)
        self.elbv2 = boto3.client("elbv2", **moto)
        self.apigw1 = boto3.client("apigateway", endpoint_url=LOCALSTACK, region_name=region,
                                   aws_access_key_id=account, aws_secret_access_key="test")

    def env(self, gateway_url: str | None = None, elb_url: str | None = None,
            **extra: str | None) -> dict[str, str]:
        """The CLI's environment: this cluster's account, API Gateway calls to `gateway_url` (a
        proxy) and ELB calls to `elb_url` when given, else straight to the emulators."""
        env = base_env()
        env["AWS_ACCESS_KEY_ID"] = self.account
        env["AWS_SECRET_ACCESS_KEY"] = "test"
        if gateway_url:
            env[self.path.endpoint_var] = gateway_url
        if elb_url:
            for var in ELB_VARS:
                env[var] = elb_url
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env


def seed_cluster(path: GatewayPath, region: str, account: str, root: Path, *, decoys: bool = True,
                 python: str = sys.executable, cluster: str | None = None) -> Cluster:
    """Seeds a cluster with localstack/seed.py and writes its workspace under `root`."""
    cluster = cluster or f"ch-{uuid.uuid4().hex[:6]}"
    cmd = [python, str(SEED_SCRIPT), "--endpoint-url", ENDPOINT, "--region", region,
           "--cluster", cluster, "--scheme", path.scheme]
    if not decoys:
        cmd.append("--no-decoys")
    env = base_env()
    env["AWS_ACCESS_KEY_ID"] = account
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, env=env)
    if p.returncode != 0:
        raise RuntimeError(f"seed failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}")
    seeded = json.loads(p.stdout)
    root.mkdir(parents=True, exist_ok=True)
    (root / "cluster.yaml").write_text(yaml.safe_dump({
        "cluster_name": cluster, "region": region, "api_load_balancer_scheme": path.scheme,
        "api_gateway": "public"}, sort_keys=False))
    (root / "cortex-net.yaml").write_text(yaml.safe_dump({"gateway": {"type": path.kind}}))
    c = Cluster(path, region, account, root, seeded)
    if decoys and path.kind == "rest":
        # A REST API named like ours, not ours: `up` and `down` must leave it alone.
        api = c.apigw1.create_rest_api(name=f"cortex-{cluster}", tags={"owner": "someone-else"})
        seeded["decoys"]["foreign_rest_api"] = {"id": api["id"], "name": api["name"]}
    return c


# ---------------------------------------------------------------------------
# Running the CLI
# ---------------------------------------------------------------------------

@dataclass
class Run:
    args: tuple
    code: int
    stdout: str
    stderr: str
    seconds: float

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.stdout) if self.stdout.strip() else None
        except json.JSONDecodeError:
            return None

    @property
    def changes(self) -> list | None:
        doc = self.json
        return doc.get("changes") if isinstance(doc, dict) else None

    def describe(self) -> str:
        return (f"$ cortex-net {' '.join(self.args)}\nexit {self.code} ({self.seconds:.1f} s)\n"
                f"--- stdout ---\n{self.stdout[-4000:]}\n--- stderr ---\n{self.stderr[-4000:]}")


def start_cli(cluster: Cluster, *args: str, env: dict | None = None) -> subprocess.Popen:
    """Starts `cortex-net -o json ARGS` in the cluster's workspace (stdin closed)."""
    if not BIN.exists():
        raise FileNotFoundError(f"cortex-net binary not found at {BIN} (set CORTEX_NET_BIN or build it: "
                                f"cargo build -p cortex-net)")
    p = subprocess.Popen([str(BIN), "-o", "json", *args], cwd=str(cluster.root), env=env or cluster.env(),
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    p.started = time.monotonic()  # type: ignore[attr-defined]
    p.cli_args = ("-o", "json", *args)  # type: ignore[attr-defined]
    return p


def finish_cli(p: subprocess.Popen, timeout: float = CLI_TIMEOUT) -> Run:
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        err += f"\n[chaos: killed after {timeout} s]"
    return Run(p.cli_args, p.returncode, out, err, time.monotonic() - p.started)  # type: ignore[attr-defined]


def run_cli(cluster: Cluster, *args: str, env: dict | None = None, timeout: float = CLI_TIMEOUT) -> Run:
    return finish_cli(start_cli(cluster, *args, env=env), timeout)


def plan(cluster: Cluster) -> Run:
    """A fault-free `plan -o json`, straight to the emulators."""
    return run_cli(cluster, "plan")


def converged(r: Run) -> bool:
    return r.code == 0 and r.changes == []


# ---------------------------------------------------------------------------
# Reading back what cortex-net owns
# ---------------------------------------------------------------------------

def is_owned(tags: dict | None, cluster: str) -> bool:
    tags = tags or {}
    return tags.get("cortex.dev/cluster-name") == cluster and tags.get("managed-by") == "cortex-net"


@dataclass
class ApiState:
    id: str
    kind: str  # http | rest
    created: str
    stages: list[str]
    problems: list[str] = field(default_factory=list)  # unrouted integrations, duplicate routes, ...


@dataclass
class LinkState:
    id: str
    version: str  # v1 | v2
    created: str  # "" when AWS gives no date (v1)
    users: int = 0  # integrations of owned APIs that use it


@dataclass
class State:
    apis: list[ApiState]
    links: list[LinkState]

    def of(self, kind: str) -> list[ApiState]:
        return [a for a in self.apis if a.kind == kind]

    def summary(self) -> dict:
        return {"apis": [f"{a.kind}:{a.id} stages={a.stages}" + (f" problems={a.problems}" if a.problems else "")
                         for a in self.apis],
                "links": [f"{l.version}:{l.id} users={l.users}" for l in self.links]}

    def empty(self) -> bool:
        return not self.apis and not self.links

    def one_gateway_problems(self, path: GatewayPath) -> list[str]:
        """Why this is not exactly one consistent gateway for `path` (empty: it is)."""
        out = []
        mine = self.of(path.kind)
        if len(mine) != 1:
            out.append(f"{len(mine)} owned {path.kind} APIs (expected 1)")
        other = [a.id for a in self.apis if a.kind != path.kind]
        if other:
            out.append(f"owned APIs of the other kind left: {other}")
        for a in mine:
            if a.stages != [path.stage]:
                out.append(f"API {a.id} has stages {a.stages} (expected [{path.stage!r}])")
            out += [f"API {a.id}: {p}" for p in a.problems]
        want = 1 if path.internal else 0
        links = [l for l in self.links if l.version == path.link_version]
        if len(links) != want:
            out.append(f"{len(links)} owned VPC links {path.link_version or ''} (expected {want})")
        stray = [l.id for l in self.links if l.version != path.link_version]
        if stray:
            out.append(f"owned VPC links of another version: {stray}")
        return out

    def duplicates(self) -> dict[str, int]:
        """Extra owned APIs, links and stages beyond one of each."""
        return {"apis": max(0, len(self.apis) - 1), "links": max(0, len(self.links) - 1),
                "stages": sum(max(0, len(a.stages) - 1) for a in self.apis)}


def _created(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _pages(call: Callable, key: str, token_in: str, token_out: str, **kw) -> list[dict]:
    items, token = [], None
    for _ in range(1000):
        page = call(**kw, **({token_in: token} if token else {}))
        items += page.get(key, [])
        token = page.get(token_out)
        if not token:
            break
    return items


def http_apis(c: Cluster) -> list[dict]:
    return [a for a in _pages(c.apigw2.get_apis, "Items", "NextToken", "NextToken")
            if is_owned(a.get("Tags"), c.name)]


def rest_apis(c: Cluster) -> list[dict]:
    return [a for a in _pages(c.apigw1.get_rest_apis, "items", "position", "position", limit=500)
            if is_owned(a.get("tags"), c.name)]


def v2_links(c: Cluster) -> list[dict]:
    return [l for l in c.apigw2.get_vpc_links().get("Items", []) if is_owned(l.get("Tags"), c.name)]


def v1_links(c: Cluster) -> list[dict]:
    out = []
    for link in _pages(c.apigw1.get_vpc_links, "items", "position", "position", limit=500):
        tags = link.get("tags")
        if not tags:
            arn = f"arn:aws:apigateway:{c.region}::/vpclinks/{link['id']}"
            try:
                tags = c.apigw1.get_tags(resourceArn=arn).get("tags", {})
            except Exception:  # noqa: BLE001 - deleted meanwhile
                tags = {}
        if is_owned(tags, c.name):
            out.append({**link, "tags": tags})
    return out


def _http_api_state(c: Cluster, api: dict, link_ids: set[str]) -> tuple[ApiState, list[str]]:
    api_id = api["ApiId"]
    stages = sorted(s["StageName"] for s in c.apigw2.get_stages(ApiId=api_id).get("Items", []))
    integrations = c.apigw2.get_integrations(ApiId=api_id).get("Items", [])
    routes = c.apigw2.get_routes(ApiId=api_id).get("Items", [])
    problems = []
    keys = [r["RouteKey"] for r in routes]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        problems.append(f"duplicate route keys {dup}")
    by_id = {i["IntegrationId"] for i in integrations}
    targeted = set()
    for r in routes:
        target = (r.get("Target") or "").removeprefix("integrations/")
        if target not in by_id:
            problems.append(f"route {r['RouteKey']} targets a missing integration {target!r}")
        targeted.add(target)
    unrouted = sorted(by_id - targeted)
    if unrouted:
        problems.append(f"unrouted integrations {unrouted}")
    if not routes:
        problems.append("no routes")
    used = []
    for i in integrations:
        if i.get("ConnectionType") == "VPC_LINK":
            used.append(i.get("ConnectionId") or "")
            if i.get("ConnectionId") not in link_ids:
                problems.append(f"integration {i['IntegrationId']} uses VPC link {i.get('ConnectionId')!r}, "
                                f"not an owned one")
    return ApiState(api_id, "http", _created(api.get("CreatedDate")), stages, problems), used


def _rest_api_state(c: Cluster, api: dict, link_ids: set[str]) -> tuple[ApiState, list[str]]:
    api_id = api["id"]
    stages = sorted(s["stageName"] for s in c.apigw1.get_stages(restApiId=api_id).get("item", []))
    resources = _pages(c.apigw1.get_resources, "items", "position", "position", restApiId=api_id,
                       limit=500, embed=["methods"])
    problems = []
    paths = [r["path"] for r in resources]
    dup = sorted({p for p in paths if paths.count(p) > 1})
    if dup:
        problems.append(f"duplicate resource paths {dup}")
    if "/{proxy+}" not in paths:
        problems.append(f"no /{{proxy+}} resource (paths {sorted(paths)})")
    used = []
    for r in resources:
        for verb, method in (r.get("resourceMethods") or {}).items():
            if verb == "OPTIONS":
                continue
            integ = (method or {}).get("methodIntegration")
            if not integ:
                try:
                    integ = c.apigw1.get_integration(restApiId=api_id, resourceId=r["id"], httpMethod=verb)
                except Exception:  # noqa: BLE001
                    integ = None
            if not integ:
                problems.append(f"method {verb} {r['path']} has no integration")
                continue
            if integ.get("connectionType") == "VPC_LINK" and "connectionId" not in integ:
                integ = c.apigw1.get_integration(restApiId=api_id, resourceId=r["id"], httpMethod=verb)
            if integ.get("connectionType") == "VPC_LINK":
                used.append(integ.get("connectionId") or "")
                if integ.get("connectionId") not in link_ids:
                    problems.append(f"{verb} {r['path']} uses VPC link {integ.get('connectionId')!r}, "
                                    f"not an owned one")
    return ApiState(api_id, "rest", _created(api.get("createdDate")), stages, problems), used


def read_state(c: Cluster) -> State:
    """Everything cortex-net owns for this cluster, both gateway kinds and both link versions,
    read straight from the emulators."""
    links = [LinkState(l["VpcLinkId"], "v2", _created(l.get("CreatedDate"))) for l in v2_links(c)]
    links += [LinkState(l["id"], "v1", "") for l in v1_links(c)]
    ids = {l.id for l in links}
    apis, used = [], []
    for api in http_apis(c):
        try:
            st, u = _http_api_state(c, api, ids)
        except c.apigw2.exceptions.NotFoundException:
            continue  # deleted while reading
        apis.append(st)
        used += u
    for api in rest_apis(c):
        try:
            st, u = _rest_api_state(c, api, ids)
        except c.apigw1.exceptions.NotFoundException:
            continue
        apis.append(st)
        used += u
    for link in links:
        link.users = used.count(link.id)
    return State(apis, links)


def survivor(items: list, created: Callable[[Any], str], ident: Callable[[Any], str]):
    """Which of several duplicates every run must keep: the oldest, then the lowest id (items
    without a creation date, such as VPC links v1, compare by id)."""
    return min(items, key=lambda x: (created(x) or "", ident(x)))


# ---------------------------------------------------------------------------
# Decoys
# ---------------------------------------------------------------------------

def decoys_snapshot(c: Cluster) -> dict:
    """What must never change: the cluster's load balancer, the seed's decoys (another cluster's
    and an untagged load balancer, a foreign HTTP API named like ours) and, on REST paths, a
    foreign REST API named like ours. Missing ones are recorded as missing."""
    snap: dict[str, Any] = {}
    lbs = {"cluster_lb": c.seeded["load_balancer"]["name"]}
    decoys = c.seeded.get("decoys") or {}
    for key in ("other_cluster_lb", "untagged_lb"):
        if key in decoys:
            lbs[key] = decoys[key]["name"]
    for key, name in lbs.items():
        try:
            lb = c.elbv2.describe_load_balancers(Names=[name])["LoadBalancers"][0]
            tags = c.elbv2.describe_tags(ResourceArns=[lb["LoadBalancerArn"]])["TagDescriptions"][0]["Tags"]
            snap[key] = {"arn": lb["LoadBalancerArn"], "scheme": lb.get("Scheme"), "type": lb.get("Type"),
                         "tags": sorted((t["Key"], t["Value"]) for t in tags)}
        except Exception as e:  # noqa: BLE001
            snap[key] = f"missing: {type(e).__name__}"
    if "foreign_api" in decoys:
        api_id = decoys["foreign_api"]["id"]
        try:
            api = c.apigw2.get_api(ApiId=api_id)
            snap["foreign_api"] = {
                "name": api["Name"], "tags": api.get("Tags") or {},
                "routes": sorted(r["RouteKey"] for r in c.apigw2.get_routes(ApiId=api_id).get("Items", [])),
                "integrations": len(c.apigw2.get_integrations(ApiId=api_id).get("Items", [])),
                "stages": sorted(s["StageName"] for s in c.apigw2.get_stages(ApiId=api_id).get("Items", []))}
        except Exception as e:  # noqa: BLE001
            snap["foreign_api"] = f"missing: {type(e).__name__}"
    if "foreign_rest_api" in decoys:
        api_id = decoys["foreign_rest_api"]["id"]
        try:
            api = c.apigw1.get_rest_api(restApiId=api_id)
            snap["foreign_rest_api"] = {
                "name": api["name"], "tags": api.get("tags") or {},
                "paths": sorted(r["path"] for r in c.apigw1.get_resources(restApiId=api_id).get("items", [])),
                "stages": sorted(s["stageName"] for s in c.apigw1.get_stages(restApiId=api_id).get("item", []))}
        except Exception as e:  # noqa: BLE001
            snap["foreign_rest_api"] = f"missing: {type(e).__name__}"
    return snap


def decoys_touched(before: dict, after: dict) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


# ---------------------------------------------------------------------------
# One chaos cycle
# ---------------------------------------------------------------------------

def _retrying(c: Cluster, command: str, env: dict, attempts: int) -> list[Run]:
    runs = []
    for _ in range(attempts):
        r = run_cli(c, command, "--yes", env=env)
        runs.append(r)
        if r.code == 0:
            break
    return runs


def _cleanup(c: Cluster) -> bool:
    """A fault-free `down` through a rules-only proxy; True when nothing owned is left."""
    proxy = AwsProxy(c.path.upstream, name="cleanup")
    try:
        for _ in range(3):
            if run_cli(c, "down", "--yes", env=c.env(proxy.url)).code == 0:
                break
    finally:
        proxy.stop()
    return read_state(c).empty()


def cycle(path: GatewayPath, region: str, account: str, workdir: Path, *, rate: float, seed: int,
          retries: int = 3, after_share: float = 0.5, python: str = sys.executable,
          log: Callable[[str], None] = lambda s: None) -> dict:
    """One seed / up / plan / down cycle under faults; returns its record."""
    t0 = time.monotonic()
    rec: dict[str, Any] = {"path": path.id, "seed": seed, "rate": rate, "region": region, "account": account}
    try:
        c = seed_cluster(path, region, account, workdir, python=python)
        before = decoys_snapshot(c)
    except Exception as e:  # noqa: BLE001 - the emulator failed us, not cortex-net
        rec.update(error=f"seeding: {type(e).__name__}: {e}", failed=True, decoys_touched=[],
                   seconds=round(time.monotonic() - t0, 1))
        log(f"{path.id} seed {seed}: {rec['error']}")
        return rec
    rec["cluster"] = c.name
    gw = AwsProxy(path.upstream, name=f"{path.kind}-gateway")
    elb = AwsProxy(ENDPOINT, name="elb")
    counts: list[dict] = []
    try:
        gw.faults(rate, seed, after_share=after_share)
        elb.faults(rate, seed + 7919, after_share=after_share)
        env = c.env(gw.url, elb.url)
        ups = _retrying(c, "up", env, 1 + retries)
        rec["up_codes"] = [r.code for r in ups]
        rec["up_ok"] = ups[-1].code == 0
        rec["up_retries"] = len(ups) - 1
        rec["up_seconds"] = [round(r.seconds, 1) for r in ups]
        rec["up_stderr_tail"] = ups[-1].stderr[-1500:] if not rec["up_ok"] else ""
        counts += [gw.fault_counts(), elb.fault_counts()]
        gw.clear_faults()
        elb.clear_faults()
        p = plan(c)
        rec["converged"] = converged(p)
        rec["plan"] = p.changes if p.code == 0 else f"exit {p.code}: {p.stderr[-800:]}"
        state = read_state(c)
        rec["after_up"] = state.summary()
        rec["gateway_problems"] = state.one_gateway_problems(path)
        rec["duplicates"] = state.duplicates()
        # `up` said done on a gateway that is not converged (invariant 1).
        rec["false_success"] = rec["up_ok"] and not (rec["converged"] and not rec["gateway_problems"])
        gw.faults(rate, seed + 1, after_share=after_share)
        elb.faults(rate, seed + 7920, after_share=after_share)
        downs = _retrying(c, "down", env, 1 + retries)
        rec["down_codes"] = [r.code for r in downs]
        rec["down_ok"] = downs[-1].code == 0
        rec["down_retries"] = len(downs) - 1
        rec["down_seconds"] = [round(r.seconds, 1) for r in downs]
        rec["down_stderr_tail"] = downs[-1].stderr[-1500:] if not rec["down_ok"] else ""
        counts += [gw.fault_counts(), elb.fault_counts()]
        gw.clear_faults()
        elb.clear_faults()
        left = read_state(c)
        rec["orphans"] = len(left.apis) + len(left.links)
        rec["after_down"] = left.summary()
        rec["faults"] = sum(x.get("faulted", 0) for x in counts)
        rec["fault_kinds"] = {k: sum(x.get(k, 0) for x in counts)
                              for k in sorted({k for x in counts for k in x} - {"eligible", "faulted"})}
        rec["calls"] = len(gw.calls) + len(elb.calls)
        if rec["orphans"]:
            rec["cleaned_up"] = _cleanup(c)
    except Exception as e:  # noqa: BLE001 - a broken cycle is a failure, not the end of the run
        rec["error"] = f"{type(e).__name__}: {e}"
    finally:
        gw.stop()
        elb.stop()
    try:
        rec["decoys_touched"] = decoys_touched(before, decoys_snapshot(c))
    except Exception as e:  # noqa: BLE001
        rec["decoys_touched"] = [f"unreadable: {e}"]
    rec["failed"] = bool(rec.get("error")) or not rec.get("up_ok") or not rec.get("down_ok") \
        or not rec.get("converged") or bool(rec.get("gateway_problems"))
    rec["seconds"] = round(time.monotonic() - t0, 1)
    log(f"{path.id} seed {seed}: converged={rec.get('converged')} up={rec.get('up_codes')} "
        f"down={rec.get('down_codes')} faults={rec.get('faults')} dup={rec.get('duplicates')} "
        f"orphans={rec.get('orphans')} decoys={rec['decoys_touched']} {rec['seconds']} s"
        + (f" error={rec['error']}" if rec.get("error") else ""))
    return rec


def summarize(records: list[dict]) -> dict:
    n = len(records)
    return {
        "runs": n,
        "converged": sum(1 for r in records if r.get("converged") and not r.get("gateway_problems")),
        "up_exit_0": sum(1 for r in records if r.get("up_ok")),
        "false_success": sum(1 for r in records if r.get("false_success")),
        "duplicates": sum(1 for r in records if any((r.get("duplicates") or {}).values())),
        "orphans": sum(1 for r in records if r.get("orphans")),
        "decoys_touched": sum(1 for r in records if r.get("decoys_touched")),
        "up_retries": sum(r.get("up_retries", 0) for r in records),
        "down_retries": sum(r.get("down_retries", 0) for r in records),
        "down_failed": sum(1 for r in records if not r.get("down_ok")),
        "faults": sum(r.get("faults", 0) for r in records),
        "failures": sum(1 for r in records if r.get("failed")),
        "errors": sum(1 for r in records if r.get("error")),
        "seconds": round(sum(r.get("seconds", 0) for r in records), 1),
    }


COLUMNS = [("path", "path"), ("runs", "runs"), ("converged", "converged"), ("up_exit_0", "up exit 0"),
           ("false_success", "exit 0, not converged"), ("duplicates", "duplicates"), ("orphans", "orphans"),
           ("decoys_touched", "decoys touched"), ("up_retries", "up retries"), ("down_retries", "down retries"),
           ("down_failed", "down failed"), ("faults", "faults injected"), ("failures", "failures"),
           ("seconds", "time (s)")]


def markdown(report: dict) -> str:
    cfg = report["config"]
    lines = [f"cortex-net chaos: {cfg['runs']} runs per path, fault rate {cfg['rate']}, seed {cfg['seed']}, "
             f"user retries <= {cfg['retries']}, after-effect share {cfg['after_share']}, "
             f"wall time {cfg.get('wall_seconds', '?')} s" + (" (paths in parallel)" if cfg.get("parallel") else ""), "",
             "| " + " | ".join(h for _, h in COLUMNS) + " |",
             "|" + "|".join("---" if k == "path" else "---:" for k, _ in COLUMNS) + "|"]
    for pid, data in report["paths"].items():
        s = data["summary"]
        lines.append("| " + " | ".join(pid if k == "path" else str(s[k]) for k, _ in COLUMNS) + " |")
    return "\n".join(lines)


def run(paths: list[GatewayPath], *, runs: int, rate: float, seed: int, workdir: Path,
        regions: list[str] | None = None, account: str | None = None, retries: int = 3,
        after_share: float = 0.5, python: str = sys.executable, parallel: bool = False,
        log: Callable[[str], None] = lambda s: None) -> dict:
    """The whole chaos run: `runs` cycles per path; returns the report (config, per path the
    summary and every cycle's record). `parallel`: the paths run side by side (one thread each;
    the cycles of a path one after the other), which shortens the wall time: most of it is the
    CLI waiting out retries."""
    regions = list(regions or SHARED_REGIONS)
    account = account or fresh_account()
    report: dict[str, Any] = {"config": {"runs": runs, "rate": rate, "seed": seed, "retries": retries,
                                         "after_share": after_share, "account": account, "regions": regions,
                                         "binary": str(BIN)},
                              "paths": {}}
    report["config"]["parallel"] = parallel

    def one_path(index: int, path: GatewayPath) -> list[dict]:
        records = []
        for i in range(runs):
            cycle_seed = seed * 100_000 + index * 1000 + i
            region = regions[(index + i) % len(regions)]
            records.append(cycle(path, region, account, workdir / f"{path.id}-{i}", rate=rate, seed=cycle_seed,
                                 retries=retries, after_share=after_share, python=python, log=log))
        return records

    t0 = time.monotonic()
    if parallel:
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(max_workers=len(paths)) as pool:
            results = list(pool.map(lambda ip: one_path(*ip), enumerate(paths)))
    else:
        results = [one_path(i, p) for i, p in enumerate(paths)]
    for path, records in zip(paths, results):
        report["paths"][path.id] = {"summary": summarize(records), "runs": records}
    report["config"]["wall_seconds"] = round(time.monotonic() - t0, 1)
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="chaos.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=10, help="cycles per path (default 10)")
    ap.add_argument("--rate", type=float, default=0.1, help="share of calls faulted (default 0.1)")
    ap.add_argument("--seed", type=int, default=1, help="seed of the fault sequences (default 1)")
    ap.add_argument("--paths", nargs="+", default=[p.id for p in PATHS],
                    help=f"paths to run (default all): {', '.join(PATH_BY_ID)} (comma-separated works too)")
    ap.add_argument("--retries", type=int, default=3, help="user retries of a failed up/down (default 3)")
    ap.add_argument("--after-share", type=float, default=0.5,
                    help="share of 5xx/resets that come after the effect (default 0.5)")
    ap.add_argument("--region", action="append", help="moto region(s) (default: the suite's shared ones)")
    ap.add_argument("--parallel", action="store_true", help="run the paths side by side (one thread each)")
    ap.add_argument("--report", type=Path, default=REPO / ".emulators" / "chaos" / "report.json",
                    help="JSON report (default .emulators/chaos/report.json)")
    args = ap.parse_args(argv)
    ids = [x for p in args.paths for x in p.split(",") if x]
    unknown = [x for x in ids if x not in PATH_BY_ID]
    if unknown:
        ap.error(f"unknown path(s) {unknown}; choose from {', '.join(PATH_BY_ID)}")
    if not 0 <= args.rate <= 1 or args.runs < 1 or args.retries < 0:
        ap.error("--rate must be within 0..1, --runs at least 1, --retries at least 0")
    workdir = args.report.parent / "work" / time.strftime("%Y%m%d-%H%M%S")
    report = run([PATH_BY_ID[x] for x in ids], runs=args.runs, rate=args.rate, seed=args.seed,
                 workdir=workdir, regions=args.region, retries=args.retries, after_share=args.after_share,
                 parallel=args.parallel, log=lambda s: print(s, file=sys.stderr, flush=True))
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text(json.dumps(report, indent=2, default=str))
    print(markdown(report))
    print(f"\nreport: {args.report}")
    bad = any(d["summary"]["runs"] != d["summary"]["converged"] or d["summary"]["duplicates"]
              or d["summary"]["orphans"] or d["summary"]["decoys_touched"] for d in report["paths"].values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
