"""Ctrl-C during `up`: the run stops with exit 130 and says how to resume, and what it made is
tagged, so the next `up` finds it, finishes the job and makes no duplicate.

The interrupt lands while `up` waits for its VPC link (the proxy keeps the link PENDING), the
longest wait on real AWS and so where users press Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from conftest import BIN, ENDPOINT
from support.gateways import run_json, v2_links

pytestmark = pytest.mark.shared_region


def test_ctrl_c_while_waiting_for_the_link_then_up_finishes_with_the_same_link(cli, aws, seed,
                                                                              workspace, aws_proxy):
    seeded = seed(scheme="internal", decoys=False)
    cluster = seeded["cluster"]
    ws = workspace(cluster, seeded["region"], api_load_balancer_scheme="internal")
    proxy = aws_proxy(ENDPOINT, "moto")
    proxy.vpc_link_pending(None)  # PENDING until the fault is cleared
    env = dict(os.environ, AWS_ENDPOINT_URL_APIGATEWAYV2=proxy.url)

    p = subprocess.Popen([str(BIN), "-o", "json", "up", "--yes"], cwd=str(ws.root), env=env,
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        deadline = time.monotonic() + 60
        while proxy.count("GetVpcLink") < 1:
            assert p.poll() is None, f"up ended before waiting for the link: {p.communicate()}"
            assert time.monotonic() < deadline, f"up never polled its VPC link: {proxy.ops()}"
            time.sleep(0.1)
        p.send_signal(signal.SIGINT)
        _, stderr = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
    assert p.returncode == 130, (p.returncode, stderr)
    assert "interrupted" in stderr and "run the same command again" in stderr, stderr

    # Half-made: the link exists (tagged as ours), the API does not yet.
    links = v2_links(aws, cluster)
    assert len(links) == 1, links
    assert aws.owned_apis(cluster) == []

    # The next run finishes with that link and makes no second one.
    proxy.clear_faults()
    r = run_json(cli, ws, "up", "--yes", env={"AWS_ENDPOINT_URL_APIGATEWAYV2": proxy.url}).ok()
    assert ("create", "vpc-link") not in {(c["action"], c["kind"]) for c in r.json["changes"]}, r.json
    assert [l["VpcLinkId"] for l in v2_links(aws, cluster)] == [links[0]["VpcLinkId"]]
    assert proxy.count("CreateVpcLink") == 1, proxy.ops()
    assert len(aws.owned_apis(cluster)) == 1
    assert run_json(cli, ws, "up", "--yes").ok().json["changes"] == []
    assert run_json(cli, ws, "down", "--yes").ok().json["changes"]
    assert v2_links(aws, cluster) == []

