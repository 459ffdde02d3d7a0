"""`cortex-net discover`: finding the cluster's API load balancer."""

from __future__ import annotations

from conftest import ENDPOINT, unique_cluster

DISCOVER_KEYS = {"name", "arn", "dns_name", "scheme", "type", "vpc_id", "subnets", "security_groups",
                 "listeners", "state"}


def discover(cli, ws, *extra):
    return cli(*extra, "-o", "json", "discover", cwd=ws.root)


def test_discover_picks_cluster_lb_not_decoys(cli, aws, seeded, ws):
    r = discover(cli, ws).ok()
    lb = seeded["load_balancer"]
    d = r.json
    missing = DISCOVER_KEYS - set(d)
    assert not missing, f"discover JSON lacks {missing}: {d}"
    assert d["name"] == lb["name"], f"picked {d['name']}, expected {lb['name']} (decoys: {seeded['decoys']})"
    assert d["arn"] == lb["arn"]
    assert d["dns_name"] == lb["dns_name"]
    assert d["scheme"] == "internet-facing"
    assert d["type"] == "network"
    assert d["vpc_id"] == seeded["vpc_id"]
    assert sorted(d["subnets"]) == sorted(seeded["subnet_ids"])
    assert d["security_groups"] == [seeded["security_group_id"]]
    assert d["state"] == "active"
    assert len(d["listeners"]) == 1, d["listeners"]
    listener = d["listeners"][0]
    assert listener["arn"] == lb["listener_arn"]
    assert listener["port"] == 80
    assert listener["protocol"] == "TCP"


def test_verbose_keeps_json_stdout_clean(cli, seeded, ws):
    """Logging goes to stderr: -v / -vv must not corrupt `-o json` on stdout."""
    for flag in ("-v", "-vv"):
        r = cli(flag, "-o", "json", "discover", cwd=ws.root).ok()
        assert r.json["name"] == seeded["load_balancer"]["name"], r.describe()


def test_discover_legacy_tags(cli, seed, workspace):
    seeded = seed(legacy_tags=True)
    ws = workspace(seeded["cluster"], seeded["region"])
    r = discover(cli, ws).ok()
    assert r.json["name"] == seeded["load_balancer"]["name"], r.describe()


def test_discover_internal_scheme(cli, seed, workspace):
    seeded = seed(scheme="internal", decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"], api_load_balancer_scheme="internal")
    r = discover(cli, ws).ok()
    assert r.json["name"] == seeded["load_balancer"]["name"]
    assert r.json["scheme"] == "internal"


def test_discover_classic_elb(cli, seed, workspace):
    seeded = seed(classic=True, decoys=False)
    ws = workspace(seeded["cluster"], seeded["region"])
    r = discover(cli, ws).ok()
    assert r.json["name"] == seeded["load_balancer"]["name"], r.describe()
    assert r.json["dns_name"] == seeded["load_balancer"]["dns_name"]
    assert r.json["type"] != "network", f"a classic ELB reported as type network: {r.json}"


def test_no_matching_lb_exits_1(cli, seed, workspace):
    """Only decoys and another cluster's LB exist for this cluster name: nothing to pick."""
    seeded = seed()
    ws = workspace(unique_cluster("nolb"), seeded["region"])
    r = discover(cli, ws).fails(1)
    assert "load_balancer" in r.stderr, f"message should point at the load_balancer setting\n{r.describe()}"
    for decoy in (seeded["load_balancer"]["name"], seeded["decoys"]["untagged_lb"]["name"]):
        assert decoy not in r.stdout, r.describe()


def test_ambiguous_lbs_exit_1_then_explicit_choice(cli, aws, seeded, ws):
    """Two LBs tagged for the cluster: exit 1 listing both; --load-balancer (name or ARN) or
    `load_balancer` in cortex-net.yaml beside cluster.yaml picks one."""
    second = aws.add_cluster_nlb(seeded)
    r = discover(cli, ws).fails(1)
    assert seeded["load_balancer"]["name"] in r.stderr, r.describe()
    assert second["name"] in r.stderr, r.describe()
    assert seeded["decoys"]["other_cluster_lb"]["name"] not in r.stderr, r.describe()

    r = discover(cli, ws, "--load-balancer", second["name"]).ok()
    assert (r.json["name"], r.json["arn"]) == (second["name"], second["arn"]), r.describe()

    r = discover(cli, ws, "--load-balancer", seeded["load_balancer"]["arn"]).ok()
    assert r.json["name"] == seeded["load_balancer"]["name"], r.describe()

    ws.write_settings({"load_balancer": second["name"]})
    r = discover(cli, ws).ok()
    assert r.json["name"] == second["name"], r.describe()

    # --settings points at another file, which wins over the one beside cluster.yaml.
    other = ws.root / "elsewhere.yaml"
    other.write_text(f"load_balancer: {seeded['load_balancer']['name']}\n")
    r = discover(cli, ws, "--settings", str(other)).ok()
    assert r.json["name"] == seeded["load_balancer"]["name"], r.describe()


def test_region_and_endpoint_url_flags(cli, seeded, workspace):
    # cluster.yaml names a region that no test seeds; --region points at the seeded one.
    ws = workspace(seeded["cluster"], "us-gov-east-1")
    r = discover(cli, ws, "--region", seeded["region"]).ok()
    assert r.json["name"] == seeded["load_balancer"]["name"], r.describe()

    # With AWS_ENDPOINT_URL unset, --endpoint-url alone reaches the emulator.
    ws = workspace(seeded["cluster"], seeded["region"], subdir="ws2")
    r = cli("--endpoint-url", ENDPOINT, "-o", "json", "discover", cwd=ws.root,
            env={"AWS_ENDPOINT_URL": None}).ok()
    assert r.json["name"] == seeded["load_balancer"]["name"], r.describe()
