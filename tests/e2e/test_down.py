"""`cortex-net down`: removes exactly what cortex-net made, nothing else."""

from __future__ import annotations

from conftest import Aws, api_spec, assert_changes_shape, change_set


def run(cli, ws, command, *extra, apis=False):
    args = ["-a", str(ws.apis_file)] if apis else []
    return cli(*args, "-o", "json", command, *extra, cwd=ws.root)


def up(cli, ws, apis=False) -> str:
    r = run(cli, ws, "up", "--yes", apis=apis).ok()
    return r.json["gateway"]["id"]


def down(cli, ws, apis=False):
    r = run(cli, ws, "down", "--yes", apis=apis).ok()
    assert_changes_shape(r.json, "down")
    return r


def assert_decoys_intact(aws: Aws, seeded: dict):
    d = seeded["decoys"]
    lbs = aws.lb_names()
    assert seeded["load_balancer"]["name"] in lbs, "the cluster's load balancer was deleted"
    assert d["other_cluster_lb"]["name"] in lbs, "another cluster's load balancer was deleted"
    assert d["untagged_lb"]["name"] in lbs, "the untagged load balancer was deleted"
    assert d["foreign_api"]["id"] in aws.api_ids(), "the foreign API was deleted"
    assert aws.api_tags(d["foreign_api"]["id"]) == {"owner": "someone-else"}


def test_down_removes_owned_api_only(cli, aws, seeded, ws):
    api_id = up(cli, ws)
    before = aws.api_ids()
    r = down(cli, ws)
    assert ("delete", "api") in change_set(r.json), r.json
    assert all(c["action"] == "delete" for c in r.json["changes"]), r.json
    assert api_id not in aws.api_ids(), "down left the owned API in place"
    assert aws.api_ids() == before - {api_id}, "down removed other APIs"
    assert aws.owned_apis(seeded["cluster"]) == []
    assert_decoys_intact(aws, seeded)

    # A second down finds nothing to do.
    after = aws.apis()
    r = down(cli, ws)
    assert r.json["changes"] == [], r.json
    assert aws.apis() == after
    assert_decoys_intact(aws, seeded)

    # And plan wants to create the API again.
    r = run(cli, ws, "plan").ok()
    assert ("create", "api") in change_set(r.json), r.json


def test_down_without_apis_file_still_removes_everything(cli, aws, seeded, ws):
    """The owned API is found by its tags, not by recomputing the desired routes."""
    ws.write_apis([api_spec("iris", "/iris")])
    api_id = up(cli, ws, apis=True)
    down(cli, ws, apis=False)
    assert api_id not in aws.api_ids()
    assert_decoys_intact(aws, seeded)


def test_down_without_yes_and_no_terminal(cli, aws, seeded, ws):
    api_id = up(cli, ws)
    r = cli("down", cwd=ws.root).fails(2)
    assert "--yes" in r.stderr, r.describe()
    assert api_id in aws.api_ids(), "down without --yes deleted the API"
    assert len(aws.routes(api_id)) == 1 and len(aws.integrations(api_id)) == 1


def test_down_never_deletes_foreign_api_with_our_name(cli, aws, seeded, ws):
    """Nothing was ever created: the foreign `cortex-<cluster>` API must survive down."""
    r = down(cli, ws)
    assert r.json["changes"] == [], f"down planned to change foreign resources: {r.json}"
    assert_decoys_intact(aws, seeded)


def test_down_spares_api_tagged_for_cluster_but_not_managed(cli, aws, seeded, ws):
    """An API tagged with the cluster name (as Cortex itself tags) but not managed-by=cortex-net."""
    cluster = seeded["cluster"]
    theirs = aws.apigw.create_api(Name=f"cortex-{cluster}", ProtocolType="HTTP",
                                  Tags={"cortex.dev/cluster-name": cluster})["ApiId"]
    ours = up(cli, ws)
    assert ours != theirs, "up adopted an API it did not create"
    down(cli, ws)
    ids = aws.api_ids()
    assert ours not in ids
    assert theirs in ids, "down deleted an API cortex-net did not create"
    assert_decoys_intact(aws, seeded)


def test_down_spares_other_clusters_api(cli, aws, seeded, workspace):
    """Two clusters in one region, both brought up; down for one leaves the other alone."""
    other = seeded["decoys"]["other_cluster_lb"]
    ws1 = workspace(seeded["cluster"], seeded["region"], subdir="one")
    ws2 = workspace(other["cluster"], seeded["region"], subdir="two")
    api1 = up(cli, ws1)
    api2 = up(cli, ws2)
    assert api1 != api2
    assert aws.api(api2)["Name"] == f"cortex-{other['cluster']}"

    down(cli, ws1)
    ids = aws.api_ids()
    assert api1 not in ids
    assert api2 in ids, "down for one cluster deleted another cluster's API"
    assert len(aws.routes(api2)) == 1, "the other cluster's routes were touched"
    assert_decoys_intact(aws, seeded)


def test_down_after_load_balancer_is_gone(cli, aws, seeded, ws):
    """The Cortex cluster (and its LB) was deleted first: down still removes the owned API."""
    api_id = up(cli, ws)
    aws.elbv2.delete_load_balancer(LoadBalancerArn=seeded["load_balancer"]["arn"])
    down(cli, ws)
    assert api_id not in aws.api_ids()
    assert seeded["decoys"]["foreign_api"]["id"] in aws.api_ids()
    lbs = aws.lb_names()
    assert seeded["decoys"]["other_cluster_lb"]["name"] in lbs and seeded["decoys"]["untagged_lb"]["name"] in lbs
