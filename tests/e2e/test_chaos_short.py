"""A short chaos run in CI (issue 7): the driver of `cargo xtask chaos` (chaos.py), in-process, a
few cycles per path at a 10% fault rate (429, 500, 503, resets; half of the 5xx and resets after
the effect; AWS's conflict rules on). Every cycle must converge (the user retrying `up` at most
3 times, then a fault-free `plan` is empty), with no duplicate API, VPC link or stage, nothing
owned left after `down`, and no decoy touched.

The four paths run side by side (threads; most of a cycle is the CLI waiting out retries).
CORTEX_NET_CHAOS_RUNS (default 2) and CORTEX_NET_CHAOS_RATE (default 0.1) change the size; the
long run for the note is `cargo xtask chaos --runs 100`.
"""

from __future__ import annotations

import json
import os

import pytest

import chaos

pytestmark = pytest.mark.shared_region

RUNS = int(os.environ.get("CORTEX_NET_CHAOS_RUNS", "2"))
RATE = float(os.environ.get("CORTEX_NET_CHAOS_RATE", "0.1"))
SEED = int(os.environ.get("CORTEX_NET_CHAOS_SEED", "7"))


def test_short_chaos_run_converges(region, account, tmp_path, moto_up, localstack_up):
    report = chaos.run(list(chaos.PATHS), runs=RUNS, rate=RATE, seed=SEED, workdir=tmp_path,
                       regions=[region], account=account, parallel=True, log=print)
    (tmp_path / "report.json").write_text(json.dumps(report, indent=2, default=str))
    table = chaos.markdown(report)
    print(table)
    bad = {}
    for path_id, data in report["paths"].items():
        s = data["summary"]
        if s["converged"] != s["runs"] or s["duplicates"] or s["orphans"] or s["decoys_touched"] or s["errors"]:
            bad[path_id] = [{k: r.get(k) for k in ("seed", "cluster", "up_codes", "plan", "gateway_problems",
                                                   "duplicates", "down_codes", "orphans", "after_down",
                                                   "decoys_touched", "fault_kinds", "error", "up_stderr_tail",
                                                   "down_stderr_tail")}
                            for r in data["runs"] if r.get("failed") or r.get("orphans") or r.get("decoys_touched")
                            or any((r.get("duplicates") or {}).values())]
    injected = sum(d["summary"]["faults"] for d in report["paths"].values())
    assert injected > 0, f"no fault was injected: the run proves nothing\n{table}"
    assert not bad, f"{table}\n\n{json.dumps(bad, indent=2, default=str)}"
