"""The benchmark's driver (bench/bench.py, `cargo xtask bench`) keeps working: one scenario (HTTP
API, internet-facing, N=1, 0 ms a call, one run, no baselines) through the quota proxies, with
the debug binary. Checks the report's fields and that its counts are sane; never its times
(tests time nothing)."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import BIN, REPO

STEPS = ("up", "up_converged", "plan", "down")
NUMBERS = ("wall_s", "rss_mib", "calls", "reads", "writes", "throttled", "chain")


def test_bench_driver_quick_scenario(tmp_path, moto_up, localstack_up):
    out = tmp_path / "bench"
    cmd = [sys.executable, str(REPO / "bench" / "bench.py"), "--n", "1", "--latency-ms", "0",
           "--sweep-latency-ms", "", "--kinds", "http", "--schemes", "internet-facing", "--repeat", "1",
           "--baselines", "none", "--bin", str(BIN), "--out", str(out)]
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=180)
    assert p.returncode == 0, f"{' '.join(cmd)}\nexit {p.returncode}\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    report = json.loads((out / "report.json").read_text())

    assert report["config"]["n"] == [1] and report["config"]["latency_ms"] == 0
    [sc] = report["scenarios"]
    assert (sc["kind"], sc["scheme"], sc["n"], sc["runs"]) == ("http", "internet-facing", 1, 1)
    for step in STEPS:
        s = sc["steps"][step]
        assert all(isinstance(s[k], (int, float)) and s[k] >= 0 for k in NUMBERS), (step, s)
        assert s["exit"] == 0 and s["failures"] == 0, (step, sc["raw"][0]["steps"][step].get("stderr_tail"))
        assert s["calls"] == s["reads"] + s["writes"] + s["throttled"], (step, s)
        assert 1 <= s["chain"] <= s["calls"], (step, s)
        assert s["reads"] >= 1 and s["rss_mib"] > 0, (step, s)
        raw = sc["raw"][0]["steps"][step]
        assert sum(raw["by_op"].values()) == s["calls"], (step, raw["by_op"])
    steps = sc["steps"]
    # An API, at least one integration and route, and a stage; nothing written when converged.
    assert steps["up"]["writes"] >= 3, steps["up"]
    assert steps["up_converged"]["writes"] == 0 and steps["plan"]["writes"] == 0, steps
    assert steps["down"]["writes"] >= 1, steps["down"]
    assert {"CreateApi", "CreateRoute"} <= set(sc["raw"][0]["steps"]["up"]["by_op"])
    assert "DeleteApi" in sc["raw"][0]["steps"]["down"]["by_op"]

    targets = {t["target"]: t for t in report["targets"]}
    assert len(targets) == 10 and all({"measured", "met"} <= set(t) for t in targets.values())
    reads_target = next(t for name, t in targets.items() if "at most 6 reads" in name)
    assert reads_target["met"] in (True, False)  # measured here: N=1, internet-facing
    md = (out / "report.md").read_text()
    assert "## Targets (issue 9)" in md and "| http | internet-facing | 1 | 0 | 1 |" in md
    svg = (out / "report.svg").read_text()
    assert svg.startswith("<svg") and "<polyline" in svg and svg.rstrip().endswith("</svg>")
