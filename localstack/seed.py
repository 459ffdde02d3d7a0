#!/usr/bin/env python3
"""Seed a simulated Cortex cluster into a running moto server.

Creates a VPC, two subnets in two availability zones, a security group and the cluster's API
load balancer (an NLB tagged like Cortex tags it, or a classic ELB with --classic), plus decoys
that cortex-net must not pick up or touch:

- another cluster's NLB, tagged for cluster "<cluster>-2" (a prefix trap),
- an untagged NLB,
- an HTTP API (apigatewayv2) named "cortex-<cluster>", tagged only owner=someone-else.

Prints one JSON object on stdout (the end-to-end tests parse it). Everything else goes to stderr.
Run it twice in one region and you get a second, independent set (names carry a random suffix).

Usually run through `cargo xtask seed`, which uses the moto venv's python and the emulator env.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import secrets
import sys

import boto3

LB_NAME_MAX = 32


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--endpoint-url",
        default=os.environ.get("AWS_ENDPOINT_URL") or "http://127.0.0.1:5000",
        help="moto endpoint (default: $AWS_ENDPOINT_URL or http://127.0.0.1:5000)",
    )
    p.add_argument("--region", default="us-east-1")
    p.add_argument("--cluster", default="demo", help="Cortex cluster name (default: demo)")
    p.add_argument("--scheme", choices=["internet-facing", "internal"], default="internet-facing")
    p.add_argument("--no-decoys", action="store_true", help="create only the cluster's own load balancer")
    p.add_argument(
        "--legacy-tags",
        action="store_true",
        help="tag like older Cortex: kubernetes.io/service-name=istio-system/ingressgateway-apis "
        "and kubernetes.io/cluster/<cluster>=owned",
    )
    p.add_argument("--classic", action="store_true", help="a classic ELB instead of an NLB")
    p.add_argument(
        "--port",
        type=int,
        default=80,
        help="port of the load balancer's listener (default 80); tests that send requests through "
        "the gateway use the port of a local backend here",
    )
    args = p.parse_args(argv)
    if not 1 <= args.port <= 65535:
        p.error(f"--port must be 1-65535, got {args.port}")
    if not args.cluster.strip():
        p.error("--cluster must not be empty")
    return args


def cluster_tags(cluster: str, legacy: bool) -> dict[str, str]:
    if legacy:
        return {
            "kubernetes.io/service-name": "istio-system/ingressgateway-apis",
            f"kubernetes.io/cluster/{cluster}": "owned",
        }
    return {"cortex.dev/cluster-name": cluster, "cortex.dev/load-balancer": "api"}


def as_tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def lb_name(stem: str, tail: str) -> str:
    """A load balancer / target group name: alphanumerics and hyphens, <= 32 chars, no leading or
    trailing hyphen, not starting with "internal-". The stem is truncated, the tail kept whole
    (it carries the per-run suffix and what tells the names of one run apart)."""
    clean = re.sub(r"[^A-Za-z0-9-]+", "-", stem).strip("-") or "lb"
    room = LB_NAME_MAX - len(tail) - 1
    clean = clean[:room].strip("-") or "lb"
    if clean.lower().startswith("internal-"):
        clean = "c" + clean[: room - 1]
    name = f"{clean}-{tail}"
    assert len(name) <= LB_NAME_MAX, name
    return name


def log(msg: str) -> None:
    print(f"seed: {msg}", file=sys.stderr)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    kwargs = {"region_name": args.region, "endpoint_url": args.endpoint_url}
    if not os.environ.get("AWS_ACCESS_KEY_ID"):
        kwargs.update(aws_access_key_id="000000000000", aws_secret_access_key="test")
    session = boto3.session.Session()
    ec2 = session.client("ec2", **kwargs)
    elbv2 = session.client("elbv2", **kwargs)
    elb = session.client("elb", **kwargs)
    apigw2 = session.client("apigatewayv2", **kwargs)

    suffix = secrets.token_hex(3)  # 6 hex chars: unique per run
    cluster = args.cluster

    # Network: a 10.x.0.0/16 VPC (x random, so a second run does not overlap), two subnets in
    # the region's first two availability zones, one security group.
    second_octet = random.randint(1, 254)
    vpc = ec2.create_vpc(
        CidrBlock=f"10.{second_octet}.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": as_tag_list({"Name": f"cortex-{cluster}-{suffix}"})}],
    )["Vpc"]
    vpc_id = vpc["VpcId"]
    zones = [
        z["ZoneName"]
        for z in ec2.describe_availability_zones()["AvailabilityZones"]
        if z.get("State", "available") == "available"
    ]
    if len(zones) < 2:
        raise SystemExit(f"seed: region {args.region} has fewer than two availability zones: {zones}")
    subnet_ids = []
    for i, zone in enumerate(sorted(zones)[:2]):
        subnet = ec2.create_subnet(
            VpcId=vpc_id, CidrBlock=f"10.{second_octet}.{i + 1}.0/24", AvailabilityZone=zone
        )["Subnet"]
        subnet_ids.append(subnet["SubnetId"])
    sg_id = ec2.create_security_group(
        GroupName=f"cortex-{cluster}-lb-{suffix}",
        Description=f"load balancer of Cortex cluster {cluster}",
        VpcId=vpc_id,
    )["GroupId"]
    log(f"vpc {vpc_id}, subnets {subnet_ids}, security group {sg_id}")

    tags = cluster_tags(cluster, args.legacy_tags)

    def create_nlb(name: str, tag_map: dict[str, str]) -> dict:
        create = {
            "Name": name,
            "Subnets": subnet_ids,
            "SecurityGroups": [sg_id],
            "Scheme": args.scheme,
            "Type": "network",
        }
        if tag_map:
            create["Tags"] = as_tag_list(tag_map)
        return elbv2.create_load_balancer(**create)["LoadBalancers"][0]

    # The cluster's own API load balancer.
    if args.classic:
        name = lb_name(cluster, f"api-{suffix}")
        elb.create_load_balancer(
            LoadBalancerName=name,
            Listeners=[
                {"Protocol": "TCP", "LoadBalancerPort": args.port, "InstanceProtocol": "TCP", "InstancePort": 80}
            ],
            Subnets=subnet_ids,
            SecurityGroups=[sg_id],
            Scheme=args.scheme,
            Tags=as_tag_list(tags),
        )
        desc = elb.describe_load_balancers(LoadBalancerNames=[name])["LoadBalancerDescriptions"][0]
        load_balancer = {
            "name": name,
            "arn": None,
            "dns_name": desc["DNSName"],
            "scheme": desc.get("Scheme", args.scheme),
            "listener_arn": None,
            "port": args.port,
        }
    else:
        lb = create_nlb(lb_name(cluster, f"api-{suffix}"), tags)
        tg = elbv2.create_target_group(
            Name=lb_name(cluster, f"tg-{suffix}"),
            Protocol="TCP",
            Port=80,
            VpcId=vpc_id,
            TargetType="instance",
        )["TargetGroups"][0]
        listener = elbv2.create_listener(
            LoadBalancerArn=lb["LoadBalancerArn"],
            Protocol="TCP",
            Port=args.port,
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
        )["Listeners"][0]
        load_balancer = {
            "name": lb["LoadBalancerName"],
            "arn": lb["LoadBalancerArn"],
            "dns_name": lb["DNSName"],
            "scheme": lb.get("Scheme", args.scheme),
            "listener_arn": listener["ListenerArn"],
            "port": args.port,
        }
    log(f"load balancer {load_balancer['name']} ({'classic' if args.classic else 'network'}, {args.scheme})")

    decoys = None
    if not args.no_decoys:
        other_cluster = f"{cluster}-2"
        other = create_nlb(lb_name(other_cluster, f"other-{suffix}"), cluster_tags(other_cluster, args.legacy_tags))
        untagged = create_nlb(lb_name("untagged", suffix), {})
        api = apigw2.create_api(
            Name=f"cortex-{cluster}",
            ProtocolType="HTTP",
            Tags={"owner": "someone-else"},
        )
        decoys = {
            "other_cluster_lb": {
                "name": other["LoadBalancerName"],
                "arn": other["LoadBalancerArn"],
                "cluster": other_cluster,
            },
            "untagged_lb": {"name": untagged["LoadBalancerName"], "arn": untagged["LoadBalancerArn"]},
            "foreign_api": {"id": api["ApiId"], "name": api["Name"]},
        }
        log(f"decoys: {other['LoadBalancerName']}, {untagged['LoadBalancerName']}, HTTP API {api['ApiId']}")

    out = {
        "region": args.region,
        "cluster": cluster,
        "vpc_id": vpc_id,
        "subnet_ids": subnet_ids,
        "security_group_id": sg_id,
        "load_balancer": load_balancer,
        "decoys": decoys,
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
