"""Shared steps of the protection tests (issue 10: authorization, API keys and usage plans,
throttles, access logs): reading keys, plans, stage settings and log groups back with boto3,
making decoys cortex-net must leave alone, recording a CLI run's calls through fresh proxies."""

from __future__ import annotations

import json
import uuid
from typing import Any

import boto3

from support.awsproxy import Call, Journal, is_read
from support.gateways import is_owned

OWNER_TAG, MANAGED_TAG = "cortex.dev/cluster-name", "managed-by"


def owned_by(tags: dict | None, cluster: str) -> bool:
    return is_owned(tags, cluster)


# ---------------------------------------------------------------------------
# REST: API keys and usage plans (LocalStack)
# ---------------------------------------------------------------------------

def api_keys(rest) -> list[dict]:
    items, pos = [], None
    while True:
        page = rest.client.get_api_keys(limit=500, includeValues=True, **({"position": pos} if pos else {}))
        items += page.get("items", [])
        pos = page.get("position")
        if not pos:
            return items


def usage_plans(rest) -> list[dict]:
    items, pos = [], None
    while True:
        page = rest.client.get_usage_plans(limit=500, **({"position": pos} if pos else {}))
        items += page.get("items", [])
        pos = page.get("position")
        if not pos:
            return items


def owned_keys(rest, cluster: str) -> dict[str, dict]:
    """{name: key (with its value)} of the API keys tagged for the cluster."""
    keys = [k for k in api_keys(rest) if owned_by(k.get("tags"), cluster)]
    names = [k["name"] for k in keys]
    assert len(names) == len(set(names)), f"duplicate owned API keys: {names}"
    return {k["name"]: k for k in keys}


def owned_plans(rest, cluster: str) -> dict[str, dict]:
    plans = [p for p in usage_plans(rest) if owned_by(p.get("tags"), cluster)]
    names = [p["name"] for p in plans]
    assert len(names) == len(set(names)), f"duplicate owned usage plans: {names}"
    return {p["name"]: p for p in plans}


def plan_key_ids(rest, plan_id: str) -> set[str]:
    return {k["id"] for k in rest.client.get_usage_plan_keys(usagePlanId=plan_id, limit=500).get("items", [])}


def method_settings(rest, api_id: str, stage: str = "dev") -> dict[str, dict]:
    return rest.client.get_stage(restApiId=api_id, stageName=stage).get("methodSettings") or {}


def methods(rest, api_id: str) -> dict[str, dict]:
    """{"<path> <METHOD>": method} of every method but the CORS OPTIONS mocks."""
    return {f"{r['path']} {verb}": m for r in rest.resources(api_id).values()
            for verb, m in (r.get("resourceMethods") or {}).items() if verb != "OPTIONS"}


def make_rest_decoys(rest, cluster: str) -> dict:
    """API keys and usage plans cortex-net must not touch: untagged ones named like ours, and
    ones tagged for another cluster (both ownership tags)."""
    other = {OWNER_TAG: f"{cluster}-other", MANAGED_TAG: "cortex-net"}
    keys = [rest.client.create_api_key(name="partner-a", enabled=True)["id"],
            rest.client.create_api_key(name="partner-b", enabled=True, tags=other)["id"],
            rest.client.create_api_key(name="decoy", enabled=False, tags={OWNER_TAG: cluster})["id"]]
    plans = [rest.client.create_usage_plan(name="partners")["id"],
             rest.client.create_usage_plan(name="partners", tags=other,
                                           throttle={"rateLimit": 1, "burstLimit": 1})["id"]]
    found = {k: rest.client.get_api_key(apiKey=k, includeValue=True) for k in keys}
    return {"keys": keys, "plans": plans, "key_tags": {k: v.get("tags") or {} for k, v in found.items()},
            "values": {v["name"]: v["value"] for v in found.values()}}


def assert_rest_decoys_intact(rest, decoys: dict) -> None:
    keys = {k["id"]: k for k in api_keys(rest)}
    plans = {p["id"]: p for p in usage_plans(rest)}
    assert set(decoys["keys"]) <= set(keys), f"decoy API keys deleted: {set(decoys['keys']) - set(keys)}"
    assert set(decoys["plans"]) <= set(plans), f"decoy usage plans deleted: {set(decoys['plans']) - set(plans)}"
    for key_id in decoys["keys"]:
        assert (keys[key_id].get("tags") or {}) == decoys["key_tags"][key_id], f"decoy key re-tagged: {keys[key_id]}"
    for plan_id in decoys["plans"]:
        assert not plans[plan_id].get("apiStages"), f"a decoy plan was bound to a stage: {plans[plan_id]}"
        assert plan_key_ids(rest, plan_id) == set(), f"a decoy plan was given keys: {plan_id}"


# ---------------------------------------------------------------------------
# CloudWatch Logs (moto)
# ---------------------------------------------------------------------------

class Logs:
    """boto3 CloudWatch Logs of moto in one region: the access log destinations."""

    def __init__(self, endpoint: str, region: str) -> None:
        self.region = region
        self.client = boto3.client("logs", endpoint_url=endpoint, region_name=region)

    def create(self, name: str, tags: dict | None = None) -> str:
        self.client.create_log_group(logGroupName=name, **({"tags": tags} if tags else {}))
        return name

    def exists(self, name: str) -> bool:
        groups = self.client.describe_log_groups(logGroupNamePrefix=name).get("logGroups", [])
        return any(g["logGroupName"] == name for g in groups)

    def tags(self, name: str) -> dict:
        return self.client.list_tags_log_group(logGroupName=name).get("tags", {})

    def arn(self, name: str, account: str) -> str:
        return f"arn:aws:logs:{self.region}:{account}:log-group:{name}"

    def make_decoys(self, cluster: str) -> dict[str, dict]:
        """Log groups cortex-net must leave alone: one untagged, one tagged for another cluster,
        one tagged for this cluster without `managed-by`. {name: tags}."""
        suffix = uuid.uuid4().hex[:6]
        decoys = {f"/cortex/{cluster}/decoy-{suffix}": {},
                  f"/cortex/{cluster}-other/{suffix}": {OWNER_TAG: f"{cluster}-other", MANAGED_TAG: "cortex-net"},
                  f"/cortex/{cluster}/mine-{suffix}": {OWNER_TAG: cluster}}
        for name, tags in decoys.items():
            self.create(name, tags)
        return decoys

    def assert_intact(self, decoys: dict[str, dict]) -> None:
        for name, tags in decoys.items():
            assert self.exists(name), f"log group {name} was deleted"
            assert self.tags(name) == tags, f"log group {name} was re-tagged: {self.tags(name)}"


# ---------------------------------------------------------------------------
# Recorded runs
# ---------------------------------------------------------------------------

class Recorder:
    """Fresh proxies in front of both emulators, recording into one journal, AWS rules on:
    `env` routes a CLI run through them."""

    def __init__(self, aws_proxy, moto: str, localstack: str) -> None:
        self.journal = Journal()
        self.moto = aws_proxy(moto, "moto", self.journal)
        self.localstack = aws_proxy(localstack, "localstack", self.journal)
        self.env = {"AWS_ENDPOINT_URL": self.moto.url, "AWS_ENDPOINT_URL_API_GATEWAY": self.localstack.url}

    def clear(self) -> None:
        self.journal.clear()

    def calls(self) -> list[Call]:
        return self.journal.snapshot()

    def ok_ops(self) -> list[str]:
        """The operations that succeeded (2xx, not faulted), in order."""
        return [c.op for c in self.calls() if not c.faulted and 200 <= c.status < 300]

    def writes(self) -> list[str]:
        """Every write the CLI sent (refused ones included): anything but Get/Describe/List."""
        return [c.op for c in self.calls() if not is_read(c.op)]

    def refused(self) -> list[tuple[str, str]]:
        return [(c.op, c.faulted or "") for c in self.calls() if c.faulted]


def first(ops: list[str], *names: str) -> int | None:
    found = [i for i, op in enumerate(ops) if op in names]
    return found[0] if found else None


def last(ops: list[str], *names: str) -> int | None:
    found = [i for i, op in enumerate(ops) if op in names]
    return found[-1] if found else None


def json_format_keys(fmt: str) -> set[str]:
    """The field names of a JSON access log format."""
    doc: Any = json.loads(fmt)
    assert isinstance(doc, dict), fmt
    return set(doc)
