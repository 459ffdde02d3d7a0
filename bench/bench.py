#!/usr/bin/env python3
"""cortex-net under API Gateway's quotas: the benchmark of issue 9 (`cargo xtask bench`).

Every AWS call of the CLI goes through two recording proxies (tests/e2e/support/awsproxy.py), one
in front of moto (ELB, STS, apigatewayv2) and one in front of LocalStack (apigateway), sharing one
`QuotaGate` (tests/e2e/support/quota.py): a latency per call (default 50 ms) and API Gateway's
fixed control-plane quotas (429 TooManyRequestsException over quota, nothing forwarded).

Scenarios: {http, rest} x {internet-facing, internal} x N Cortex APIs with per-API routes (a
generated cortex.yaml) x latency. Internal clusters get their VPC link held PENDING for 60 s
(`--pending-s`). Each run of a scenario is a cycle in an account of its own (a fresh 12-digit
access key: LocalStack keeps accounts apart, and the gate tells moto the account with
`x-moto-account-id`), so runs never see each other's resources: seed the cluster
(localstack/seed.py, without decoys), then `up` from scratch, converged `up`, `plan`, `down`.
Every command starts with full quota buckets (as if run on its own).

Per command: reads, writes, 429s received, the longest chain of calls that waited on each other
(the most calls each starting after the previous one ended, from the proxies' start/end times),
wall time, peak RSS of the cortex-net process (`os.wait4`). Short scenarios (every command under
`--short-s`, 10 s) run `--repeat` times (default 5) and report medians; longer ones run once.

Emulator gaps: LocalStack leaves `connectionId` out of embedded integrations (AWS includes it): the
LocalStack proxy adds it (`emulate_embedded_connection_ids`), so REST reads count what AWS would
answer. Not emulated: AWS pages GetResources by 500 and apigatewayv2 listings by page; the
emulators answer in one page, so at N=500 AWS would need a few more reads.

Baselines in the same run, HTTP API internet-facing: the console steps (create the API, per API two
integrations and two routes, the `$default` stage; then delete the API) with the AWS CLI
(bench/baseline_aws_cli.sh, awscli from PyPI in .emulators/venv-bench) and in one boto3 process
(bench/baseline_boto3.py), through the same proxies.

Writes `report.json` (every raw number), `report.md` (tables, the issue's targets with measured
value and met / not met) and `report.svg` (wall time and calls of `up` against N) under `--out`
(default .emulators/bench).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
REPO = Path(os.environ.get("CORTEX_NET_REPO") or HERE.parent).resolve()
E2E = REPO / "tests" / "e2e"
if str(E2E) not in sys.path:
    sys.path.insert(0, str(E2E))
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from support.awsproxy import AwsProxy, Call, is_read  # noqa: E402
from support.quota import QuotaGate  # noqa: E402

import report as reporting  # noqa: E402  (bench/report.py)

# The emulators themselves (under pytest, conftest points AWS_ENDPOINT_URL at its session proxy
# and keeps moto's URL in CORTEX_NET_E2E_MOTO_URL).
MOTO = (os.environ.get("CORTEX_NET_E2E_MOTO_URL") or os.environ.get("CORTEX_NET_MOTO_URL")
        or os.environ.get("AWS_ENDPOINT_URL") or "http://127.0.0.1:5000").rstrip("/")
LOCALSTACK = (os.environ.get("CORTEX_NET_LOCALSTACK_URL") or os.environ.get("AWS_ENDPOINT_URL_API_GATEWAY")
              or "http://127.0.0.1:4566").rstrip("/")
SEED_SCRIPT = REPO / "localstack" / "seed.py"
BENCH_VENV = REPO / ".emulators" / "venv-bench"
REQUIREMENTS = HERE / "requirements.txt"
REGION = "us-west-2"  # every run has an account of its own, so one region does
STEPS = (("up", ("up", "--yes")), ("up_converged", ("up", "--yes")), ("plan", ("plan",)),
         ("down", ("down", "--yes")))
KINDS = ("http", "rest")
SCHEMES = ("internet-facing", "internal")
FULL_N = (1, 10, 100, 500)
QUICK_N = (1, 10)
CLI_TIMEOUT = 3600.0


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def fresh_account() -> str:
    """A 12-digit access key: an account of its own in LocalStack, and in moto through the gate."""
    return f"{uuid.uuid4().int % 10**12:012d}".replace("000000000000", "000000000001")


# ---------------------------------------------------------------------------
# Metrics of one command from the proxies' record
# ---------------------------------------------------------------------------

def longest_chain(calls: list[Call]) -> int:
    """The most calls that form a chain, each starting after the previous one ended: calls that
    waited on each other. (The most pairwise non-overlapping intervals: earliest end first.)"""
    count, free_at = 0, float("-inf")
    for c in sorted(calls, key=lambda c: (c.ended or 0.0)):
        if c.started is not None and c.ended is not None and c.started >= free_at:
            count += 1
            free_at = c.ended
    return count


def call_metrics(calls: list[Call]) -> dict[str, Any]:
    """reads, writes (calls answered without a quota refusal), 429s, chain, by service, by op."""
    throttled = [c for c in calls if c.status == 429]
    done = [c for c in calls if c.status != 429]
    by_service: dict[str, int] = {}
    by_op: dict[str, int] = {}
    for c in calls:
        service = c.service or "?"
        by_service[service] = by_service.get(service, 0) + 1
        by_op[c.op] = by_op.get(c.op, 0) + 1
    quota: dict[str, int] = {}
    for c in throttled:
        label = (c.faulted or "").removeprefix("quota:") or "?"
        quota[label] = quota.get(label, 0) + 1
    return {
        "calls": len(calls),
        "reads": sum(1 for c in done if is_read(c.op)),
        "writes": sum(1 for c in done if not is_read(c.op)),
        "throttled": len(throttled),
        "throttled_by_quota": quota,
        "chain": longest_chain(calls),
        "errors": sum(1 for c in done if c.status >= 400),
        "by_service": by_service,
        "by_op": dict(sorted(by_op.items())),
    }


# ---------------------------------------------------------------------------
# Running a process: wall time and peak RSS
# ---------------------------------------------------------------------------

@dataclass
class Proc:
    code: int
    wall: float
    rss_mib: float
    stdout: str
    stderr: str


def run_process(cmd: list[str], env: dict[str, str], cwd: Path | None = None,
                timeout: float = CLI_TIMEOUT) -> Proc:
    """Runs `cmd` (stdin closed), returns exit code, wall time and the peak RSS of the process
    tree's biggest waited-for member (`os.wait4`: the child's rusage)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                             cwd=str(cwd) if cwd else None)
        timer = threading.Timer(timeout, p.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(p.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Proc(p.returncode, wall, usage.ru_maxrss / 1024.0,
                    out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


class Spawner:
    """bench/spawner.py: starts the measured commands from a small process of their own, so
    that their peak RSS is theirs (see there). Thread-safe: requests run concurrently."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-I", "-S", str(HERE / "spawner.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        self._lock = threading.Lock()
        self._waiting: dict[int, tuple[threading.Event, list]] = {}
        self._next = 0
        threading.Thread(target=self._read, name="spawner", daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            answer = json.loads(line)
            with self._lock:
                event, box = self._waiting.pop(answer["id"])
            box.append(answer)
            event.set()

    def run(self, cmd: list[str], env: dict[str, str], cwd: Path | None = None,
            timeout: float = CLI_TIMEOUT) -> Proc:
        event, box = threading.Event(), []
        with self._lock:
            self._next += 1
            rid = self._next
            self._waiting[rid] = (event, box)
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps({"id": rid, "cmd": cmd, "env": env, "timeout": timeout,
                                              "cwd": str(cwd) if cwd else None}) + "\n")
            self.proc.stdin.flush()
        if not event.wait(timeout + 60):
            raise RuntimeError(f"the spawner did not answer for {cmd}")
        a = box[0]
        self.floor_mib = a["floor_mib"]
        return Proc(a["code"], a["wall"], a["rss_mib"], a["stdout"], a["stderr"])

    def stop(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)


SPAWNER: Spawner | None = None


# ---------------------------------------------------------------------------
# The proxies, seeding, workspaces
# ---------------------------------------------------------------------------

class Aws:
    """The two gated proxies every command and baseline goes through."""

    def __init__(self, latency_ms: float, aws_rules: bool = True) -> None:
        self.gate = QuotaGate(latency_ms, moto_accounts=True)
        self.moto = AwsProxy(MOTO, name="moto", gate=self.gate, aws_rules=aws_rules)
        self.localstack = AwsProxy(LOCALSTACK, name="localstack", gate=self.gate, aws_rules=aws_rules)
        # AWS embeds an integration's connectionId, LocalStack does not: without this, REST reads
        # would count one GetIntegration per private integration that AWS never needs.
        self.localstack.emulate_embedded_connection_ids()

    def stop(self) -> None:
        self.moto.stop()
        self.localstack.stop()

    def proxies(self) -> tuple[AwsProxy, AwsProxy]:
        return self.moto, self.localstack

    def start_command(self, latency_ms: float) -> None:
        """Full buckets, an empty record, this latency."""
        self.gate.reset()
        self.gate.latency_ms = latency_ms
        self.gate.enforce = True
        for p in self.proxies():
            p.reset_calls()

    def calls(self) -> list[Call]:
        return sorted(self.moto.snapshot() + self.localstack.snapshot(), key=lambda c: c.started or 0.0)

    def env(self, account: str) -> dict[str, str]:
        """The environment of a client of the proxies: the account, no AWS configuration of the
        user's, every endpoint variable pointing at the proxies."""
        # No CORTEX_NET_* setting of the user's shell either: every run reads only its files.
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_RETRY",
                                    "AWS_MAX_ATTEMPTS", "AWS_SESSION_TOKEN", "AWS_ROLE", "AWS_WEB_IDENTITY",
                                    "CORTEX_NET_", "PYTHONPYCACHEPREFIX"))}
        # (PYTHONPYCACHEPREFIX, which xtask sets, would make every `aws` of the baseline ignore
        # the venv's compiled modules: 2.4 s a process instead of 0.7 s.)
        env.update({"AWS_ACCESS_KEY_ID": account, "AWS_SECRET_ACCESS_KEY": "test",
                    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                    "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
                    "AWS_ENDPOINT_URL": self.moto.url, "AWS_ENDPOINT_URL_API_GATEWAY": self.localstack.url})
        return env

    def seed(self, account: str, cluster: str, scheme: str) -> dict:
        """localstack/seed.py through the moto proxy (no latency, no quotas: not measured)."""
        self.gate.latency_ms, self.gate.enforce = 0, False
        cmd = [sys.executable, str(SEED_SCRIPT), "--endpoint-url", self.moto.url, "--region", REGION,
               "--cluster", cluster, "--scheme", scheme, "--no-decoys"]
        p = run_process(cmd, self.env(account), timeout=300)
        if p.code != 0:
            raise RuntimeError(f"seed failed ({p.code}): {' '.join(cmd)}\n{p.stderr[-2000:]}")
        return json.loads(p.stdout)


def write_workspace(root: Path, cluster: str, kind: str, scheme: str, n: int) -> None:
    """cluster.yaml, cortex.yaml with N RealtimeAPIs (`/api-<i>`, public) and cortex-net.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "cluster.yaml").write_text(
        f"cluster_name: {cluster}\nregion: {REGION}\napi_load_balancer_scheme: {scheme}\napi_gateway: public\n")
    apis = "".join(f"- name: api-{i}\n  kind: RealtimeAPI\n  predictor:\n    type: python\n"
                   f"    path: predictor.py\n  networking:\n    endpoint: /api-{i}\n    api_gateway: public\n"
                   for i in range(1, n + 1))
    (root / "cortex.yaml").write_text(apis)
    (root / "cortex-net.yaml").write_text(f"gateway:\n  type: {kind}\n")


# ---------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Scenario:
    kind: str
    scheme: str
    n: int
    latency_ms: float

    @property
    def id(self) -> str:
        return f"{self.kind}-{self.scheme}-n{self.n}-{self.latency_ms:g}ms"


def throttle_failure(stderr: str) -> bool:
    """Whether a failed command says it was throttled (AWS's 429 after the SDK's retries)."""
    text = stderr.lower()
    return any(w in text for w in ("toomanyrequests", "too many requests", "throttl", "rate exceeded"))


def run_command(aws: Aws, bin_path: Path, ws: Path, account: str, args: tuple[str, ...],
                latency_ms: float) -> dict[str, Any]:
    aws.start_command(latency_ms)
    cmd = [str(bin_path), "-c", "cluster.yaml", "-a", "cortex.yaml", "--settings", "cortex-net.yaml",
           "-o", "json", *args]
    assert SPAWNER is not None, "run() starts the spawner"
    p = SPAWNER.run(cmd, aws.env(account), cwd=ws)
    rec: dict[str, Any] = {"exit": p.code, "wall_s": round(p.wall, 3), "rss_mib": round(p.rss_mib, 1),
                           **call_metrics(aws.calls())}
    if p.code != 0:
        rec["stderr_tail"] = p.stderr[-1500:]
        rec["failed_on_429"] = throttle_failure(p.stderr)
    try:
        doc = json.loads(p.stdout) if p.stdout.strip() else None
        rec["changes"] = len(doc.get("changes") or []) if isinstance(doc, dict) else None
    except json.JSONDecodeError:
        rec["changes"] = None
    return rec


def cycle(aws: Aws, sc: Scenario, bin_path: Path, work: Path, pending_s: float) -> dict[str, Any]:
    """One run of a scenario in an account of its own: seed, then every step."""
    account = fresh_account()
    cluster = f"b{uuid.uuid4().hex[:6]}"
    aws.seed(account, cluster, sc.scheme)
    ws = work / sc.id / cluster
    write_workspace(ws, cluster, sc.kind, sc.scheme, sc.n)
    for p in aws.proxies():
        if sc.scheme == "internal":
            p.vpc_link_pending_for(pending_s)
        else:
            p.clear_faults()
    steps = {}
    for name, args in STEPS:
        steps[name] = run_command(aws, bin_path, ws, account, args, sc.latency_ms)
        s = steps[name]
        log(f"  {sc.id} {name}: exit {s['exit']} {s['wall_s']:.2f} s, {s['reads']} reads, {s['writes']} writes, "
            f"{s['throttled']} 429s, chain {s['chain']}, {s['rss_mib']} MiB")
    for p in aws.proxies():
        p.clear_faults()
    return {"account": account, "cluster": cluster, "steps": steps}


def median_of(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def summarize_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per step: the median of every number over the runs, the worst exit code, 429 failures."""
    out: dict[str, Any] = {}
    for name, _ in STEPS:
        recs = [r["steps"][name] for r in runs if name in r["steps"]]
        if not recs:
            continue
        summary: dict[str, Any] = {}
        for key in ("wall_s", "rss_mib"):
            summary[key] = round(median_of([r[key] for r in recs]), 3)
        for key in ("calls", "reads", "writes", "throttled", "chain"):
            summary[key] = int(statistics.median_low([r[key] for r in recs]))
        summary["wall_s_all"] = [r["wall_s"] for r in recs]
        summary["exit"] = max((r["exit"] for r in recs), key=lambda c: c != 0)
        summary["failures"] = sum(1 for r in recs if r["exit"] != 0)
        summary["failed_on_429"] = sum(1 for r in recs if r.get("failed_on_429"))
        out[name] = summary
    return out


def run_scenario(aws: Aws, sc: Scenario, bin_path: Path, work: Path, opts: argparse.Namespace) -> dict:
    t0 = time.monotonic()
    runs = [cycle(aws, sc, bin_path, work, opts.pending_s)]
    slowest = max(s["wall_s"] for s in runs[0]["steps"].values())
    wanted = opts.repeat if slowest < opts.short_s else 1
    while len(runs) < wanted:
        runs.append(cycle(aws, sc, bin_path, work, opts.pending_s))
    rec = {"id": sc.id, "kind": sc.kind, "scheme": sc.scheme, "n": sc.n, "latency_ms": sc.latency_ms,
           "runs": len(runs), "steps": summarize_runs(runs), "raw": runs,
           "seconds": round(time.monotonic() - t0, 1)}
    log(f"{sc.id}: {len(runs)} run(s), {rec['seconds']} s")
    return rec


# ---------------------------------------------------------------------------
# Baselines: the console steps with the AWS CLI and with boto3
# ---------------------------------------------------------------------------

def ensure_bench_venv(python: str = sys.executable) -> Path:
    """.emulators/venv-bench with bench/requirements.txt (awscli, boto3 pinned); recreated when the
    requirements change. Returns its bin directory."""
    want = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    marker = BENCH_VENV / ".requirements.sha256"
    if marker.is_file() and marker.read_text().strip() == want and (BENCH_VENV / "bin" / "aws").exists():
        return BENCH_VENV / "bin"
    log(f"creating {BENCH_VENV} from {REQUIREMENTS.name}")
    base = os.environ.get("CORTEX_NET_PYTHON") or "python3"
    subprocess.run([base, "-m", "venv", "--clear", str(BENCH_VENV)], check=True)
    subprocess.run([str(BENCH_VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", "-r",
                    str(REQUIREMENTS)], check=True)
    marker.write_text(want + "\n")
    return BENCH_VENV / "bin"


def baseline_once(aws: Aws, tool: str, n: int, latency_ms: float, venv_bin: Path) -> dict[str, Any]:
    account = fresh_account()
    cluster = f"b{uuid.uuid4().hex[:6]}"
    seeded = aws.seed(account, cluster, "internet-facing")
    env = aws.env(account)
    env["PATH"] = f"{venv_bin}{os.pathsep}{env.get('PATH', '')}"
    common = ["--endpoint-url", aws.moto.url, "--region", REGION, "--cluster", cluster, "--n", str(n),
              "--lb-dns", seeded["load_balancer"]["dns_name"]]
    if tool == "aws-cli":
        aws.start_command(latency_ms)
        create = run_process(["bash", str(HERE / "baseline_aws_cli.sh"), "create", *common], env)
        create_calls = call_metrics(aws.calls())
        if create.code != 0:
            return {"error": create.stderr[-1500:], "exit": create.code}
        api_id = create.stdout.strip().splitlines()[-1]
        aws.start_command(latency_ms)
        delete = run_process(["bash", str(HERE / "baseline_aws_cli.sh"), "delete", *common, "--api-id", api_id], env)
        return {"up_s": round(create.wall, 3), "down_s": round(delete.wall, 3), "exit": max(create.code, delete.code),
                "up_calls": create_calls, "down_calls": call_metrics(aws.calls())}
    aws.start_command(latency_ms)
    p = run_process([str(venv_bin / "python"), str(HERE / "baseline_boto3.py"), *common], env)
    if p.code != 0:
        return {"error": p.stderr[-1500:], "exit": p.code}
    doc = json.loads(p.stdout.strip().splitlines()[-1])
    # The process's start (interpreter, imports) belongs to its "up", as cortex-net's does.
    return {"up_s": round(p.wall - doc["delete_s"], 3), "down_s": round(doc["delete_s"], 3), "exit": 0,
            "phases": doc, "calls": call_metrics(aws.calls())}


def run_baseline(aws: Aws, tool: str, n: int, latency_ms: float, venv_bin: Path, opts) -> dict[str, Any]:
    runs = [baseline_once(aws, tool, n, latency_ms, venv_bin)]
    ok = "error" not in runs[0]
    if ok and max(runs[0]["up_s"], runs[0]["down_s"]) < opts.short_s:
        while len(runs) < opts.repeat:
            runs.append(baseline_once(aws, tool, n, latency_ms, venv_bin))
    good = [r for r in runs if "error" not in r]
    rec = {"tool": tool, "n": n, "latency_ms": latency_ms, "runs": len(runs), "raw": runs,
           "up_s": round(median_of([r["up_s"] for r in good]), 3) if good else None,
           "down_s": round(median_of([r["down_s"] for r in good]), 3) if good else None,
           "failures": len(runs) - len(good)}
    log(f"baseline {tool} n={n}: up {rec['up_s']} s, down {rec['down_s']} s ({len(runs)} run(s))")
    return rec


# ---------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------

def int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def float_list(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(prog="bench.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int_list, help="numbers of Cortex APIs (default 1,10,100,500; --quick 1,10)")
    ap.add_argument("--latency-ms", type=float, default=50.0, help="latency per AWS call (default 50)")
    ap.add_argument("--sweep-latency-ms", type=float_list,
                    help="also run internet-facing scenarios with N <= --sweep-max-n at these latencies "
                         "(default 0,100; --quick none)")
    ap.add_argument("--sweep-max-n", type=int, default=100, help="largest N of the latency sweep (default 100)")
    ap.add_argument("--kinds", default="http,rest", help="gateway kinds (default http,rest)")
    ap.add_argument("--schemes", default="internet-facing,internal",
                    help="load balancer schemes (default internet-facing,internal)")
    ap.add_argument("--repeat", type=int, default=5, help="runs of a short scenario; the median is reported (default 5)")
    ap.add_argument("--short-s", type=float, default=10.0,
                    help="a scenario is short when every command took less (default 10)")
    ap.add_argument("--pending-s", type=float, default=60.0,
                    help="seconds an internal cluster's VPC link stays PENDING (default 60)")
    ap.add_argument("--baselines", default="aws-cli,boto3", help="baselines to run, or none (default aws-cli,boto3)")
    ap.add_argument("--baseline-max-n", type=int, default=10,
                    help="largest N of the AWS CLI baseline (about half a second per call; default 10)")
    ap.add_argument("--jobs", type=int, default=1,
                    help="scenarios run side by side, each with proxies and an account of its own (default 1)")
    ap.add_argument("--no-aws-rules", dest="aws_rules", action="store_false",
                    help="proxies without awsproxy's AWS rules (they read the emulator before some calls)")
    ap.add_argument("--quick", action="store_true", help="N=1,10, one latency, no sweep: for CI")
    ap.add_argument("--bin", type=Path, default=REPO / "target" / "release" / "cortex-net",
                    help="the cortex-net binary (default target/release/cortex-net)")
    ap.add_argument("--commit", help="the commit the binary was built from, for the report (default: HEAD)")
    ap.add_argument("--render", type=Path, metavar="REPORT.json",
                    help="measure nothing: write report.md and report.svg (to --out) from a report.json")
    ap.add_argument("--out", type=Path, default=REPO / ".emulators" / "bench",
                    help="where report.json, report.md and report.svg go (default .emulators/bench)")
    args = ap.parse_args(argv)
    args.kinds = [k for k in args.kinds.split(",") if k]
    args.schemes = [s for s in args.schemes.split(",") if s]
    args.baselines = [b for b in args.baselines.split(",") if b and b != "none"]
    if args.n is None:
        args.n = list(QUICK_N if args.quick else FULL_N)
    if args.sweep_latency_ms is None:
        args.sweep_latency_ms = [] if args.quick else [0.0, 100.0]
    bad = [k for k in args.kinds if k not in KINDS] + [s for s in args.schemes if s not in SCHEMES] \
        + [b for b in args.baselines if b not in ("aws-cli", "boto3")]
    if bad or args.repeat < 1 or not args.n or min(args.n) < 1:
        ap.error(f"bad values: {bad or 'repeat/n'}; kinds {KINDS}, schemes {SCHEMES}, baselines aws-cli,boto3")
    args.bin = args.bin.resolve()
    args.out = args.out.resolve()
    if not args.bin.is_file() and not args.render:
        ap.error(f"no cortex-net binary at {args.bin} (cargo build --release -p cortex-net, or --bin)")
    return args


def scenarios(opts: argparse.Namespace) -> list[Scenario]:
    out = [Scenario(k, s, n, opts.latency_ms) for n in sorted(opts.n) for k in opts.kinds for s in opts.schemes]
    for lat in opts.sweep_latency_ms:
        if lat != opts.latency_ms:
            out += [Scenario(k, "internet-facing", n, lat) for n in sorted(opts.n) if n <= opts.sweep_max_n
                    for k in opts.kinds if "internet-facing" in opts.schemes]
    return out


def baseline_plan(opts: argparse.Namespace) -> list[tuple[str, int, float]]:
    """(tool, N, latency): boto3 for every N at the main latency and for N <= --sweep-max-n at the
    sweep's latencies; the AWS CLI (about half a second of its own per call) for N <=
    --baseline-max-n at each of those latencies."""
    out = []
    for lat in [opts.latency_ms] + [x for x in opts.sweep_latency_ms if x != opts.latency_ms]:
        for tool in opts.baselines:
            for n in sorted(opts.n):
                if lat != opts.latency_ms and n > opts.sweep_max_n:
                    continue
                if tool == "aws-cli" and n > opts.baseline_max_n:
                    continue
                out.append((tool, n, lat))
    return out


def git_commit() -> str | None:
    try:
        p = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                           text=True, timeout=10)
        return p.stdout.strip() or None
    except OSError:
        return None


def run(opts: argparse.Namespace, on_scenario: Callable[[dict], None] = lambda r: None) -> dict[str, Any]:
    global SPAWNER
    t0 = time.monotonic()
    SPAWNER = Spawner()
    try:
        return _run(opts, on_scenario, t0)
    finally:
        SPAWNER.stop()
        SPAWNER = None


def _run(opts: argparse.Namespace, on_scenario: Callable[[dict], None], t0: float) -> dict[str, Any]:
    report: dict[str, Any] = {
        "config": {"n": sorted(opts.n), "latency_ms": opts.latency_ms, "sweep_latency_ms": opts.sweep_latency_ms,
                   "kinds": opts.kinds, "schemes": opts.schemes, "repeat": opts.repeat, "short_s": opts.short_s,
                   "pending_s": opts.pending_s, "quick": opts.quick, "jobs": opts.jobs,
                   "aws_rules": opts.aws_rules, "binary": str(opts.bin),
                   "binary_bytes": opts.bin.stat().st_size, "commit": opts.commit or git_commit(), "region": REGION,
                   "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "host": platform.node(),
                   "cpus": os.cpu_count()},
        "scenarios": [], "baselines": []}
    work = opts.out / "work" / time.strftime("%Y%m%d-%H%M%S")
    todo = scenarios(opts)
    # The longest first: with --jobs > 1 the short ones fill in beside them.
    todo.sort(key=lambda sc: (-sc.n, sc.scheme != "internal", sc.kind != "rest"))
    lock = threading.Lock()

    def worker() -> None:
        aws = Aws(opts.latency_ms, opts.aws_rules)  # proxies (and quota buckets) of this worker's own
        try:
            while True:
                with lock:
                    if not todo:
                        return
                    sc = todo.pop(0)
                rec = run_scenario(aws, sc, opts.bin, work, opts)
                with lock:
                    report["scenarios"].append(rec)
                    on_scenario(rec)
        finally:
            aws.stop()

    threads = [threading.Thread(target=worker, name=f"bench-{i}") for i in range(max(1, opts.jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    report["config"]["scenarios_seconds"] = round(time.monotonic() - t0, 1)
    if opts.baselines and "http" in opts.kinds and "internet-facing" in opts.schemes:
        venv_bin = ensure_bench_venv()
        aws = Aws(opts.latency_ms, opts.aws_rules)
        try:
            for tool, n, lat in baseline_plan(opts):
                report["baselines"].append(run_baseline(aws, tool, n, lat, venv_bin, opts))
        finally:
            aws.stop()
    report["scenarios"].sort(key=lambda s: (s["latency_ms"], s["kind"], s["scheme"], s["n"]))
    report["config"]["wall_seconds"] = round(time.monotonic() - t0, 1)
    report["config"]["rss_floor_mib"] = round(getattr(SPAWNER, "floor_mib", 0.0), 1)
    report["ratios"] = reporting.ratios(report)
    report["targets"] = reporting.targets(report)
    return report


def write_outputs(report: dict[str, Any], out: Path) -> tuple[Path, Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "report.json", out / "report.md", out / "report.svg")
    paths[0].write_text(json.dumps(report, indent=2, default=str) + "\n")
    paths[1].write_text(reporting.markdown(report))
    paths[2].write_text(reporting.svg(report))
    return paths


def main(argv: list[str] | None = None) -> int:
    opts = parse_args(argv)
    if opts.render:
        report = json.loads(opts.render.read_text())
        report["ratios"] = reporting.ratios(report)
        report["targets"] = reporting.targets(report)
        for p in write_outputs(report, opts.out):
            print(f"wrote {p}")
        return 0
    opts.out.mkdir(parents=True, exist_ok=True)
    partial = opts.out / "report.partial.json"

    partial.unlink(missing_ok=True)

    def keep(rec: dict) -> None:  # a long run that is stopped keeps what it measured
        with partial.open("a") as f:
            f.write(json.dumps(rec, default=str) + "\n")

    report = run(opts, keep)
    paths = write_outputs(report, opts.out)
    print(paths[1].read_text())
    for p in paths:
        print(f"wrote {p}")
    failed = [f"{s['id']} {name}" for s in report["scenarios"] for name, st in s["steps"].items() if st["failures"]]
    if failed:
        print(f"commands that failed: {', '.join(failed)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
