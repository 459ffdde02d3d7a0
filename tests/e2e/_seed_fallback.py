"""Minimal stand-in for localstack/seed.py (same JSON output shape).

Only used when the harness script does not exist. Creates, in one region of moto:
a VPC with two subnets and a security group, the cluster's API load balancer
(NLB with a TCP:80 listener, or a classic ELB), and unless `decoys=False`:
another cluster's NLB, an untagged NLB, and a foreign HTTP API named
`cortex-<cluster>` tagged only `owner=someone-else`.
"""

from __future__ import annotations

import uuid

import boto3


def _short() -> str:
    return uuid.uuid4().hex[:6]


def _nlb(elbv2, name, subnets, sg, scheme, vpc_id, tags):
    args = dict(Name=name, Subnets=subnets, SecurityGroups=[sg], Scheme=scheme, Type="network")
    if tags:
        args["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    lb = elbv2.create_load_balancer(**args)["LoadBalancers"][0]
    tg = elbv2.create_target_group(
        Name=f"tg-{_short()}", Protocol="TCP", Port=31000, VpcId=vpc_id, TargetType="instance"
    )["TargetGroups"][0]
    listener = elbv2.create_listener(
        LoadBalancerArn=lb["LoadBalancerArn"],
        Protocol="TCP",
        Port=80,
        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg["TargetGroupArn"]}],
    )["Listeners"][0]
    return lb, listener


def seed(endpoint_url: str, region: str, cluster: str, scheme: str = "internet-facing",
         decoys: bool = True, legacy_tags: bool = False, classic: bool = False) -> dict:
    kw = dict(endpoint_url=endpoint_url, region_name=region)
    ec2 = boto3.client("ec2", **kw)
    elbv2 = boto3.client("elbv2", **kw)
    elb = boto3.client("elb", **kw)
    apigw = boto3.client("apigatewayv2", **kw)

    vpc_id = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    azs = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]][:2]
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=az)["Subnet"]["SubnetId"]
        for i, az in enumerate(azs)
    ]
    sg = ec2.create_security_group(GroupName=f"{cluster}-sg", Description="e2e", VpcId=vpc_id)["GroupId"]

    if legacy_tags:
        tags = {"kubernetes.io/service-name": "istio-system/ingressgateway-apis",
                f"kubernetes.io/cluster/{cluster}": "owned"}
    else:
        tags = {"cortex.dev/cluster-name": cluster, "cortex.dev/load-balancer": "api"}

    name = f"a{_short()}{_short()}"[:32]
    if classic:
        d = elb.create_load_balancer(
            LoadBalancerName=name,
            Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 80, "InstanceProtocol": "TCP", "InstancePort": 31000}],
            Subnets=subnet_ids,
            SecurityGroups=[sg],
            Scheme=scheme,
            Tags=[{"Key": k, "Value": v} for k, v in tags.items()],
        )
        main = {"name": name, "arn": None, "dns_name": d["DNSName"], "scheme": scheme, "listener_arn": None}
    else:
        lb, listener = _nlb(elbv2, name, subnet_ids, sg, scheme, vpc_id, tags)
        main = {"name": name, "arn": lb["LoadBalancerArn"], "dns_name": lb["DNSName"], "scheme": scheme,
                "listener_arn": listener["ListenerArn"]}

    out_decoys = None
    if decoys:
        other_cluster = f"{cluster}-2"
        other, _ = _nlb(elbv2, f"o{_short()}{_short()}", subnet_ids, sg, "internet-facing", vpc_id,
                        {"cortex.dev/cluster-name": other_cluster, "cortex.dev/load-balancer": "api"})
        untagged, _ = _nlb(elbv2, f"u{_short()}{_short()}", subnet_ids, sg, "internet-facing", vpc_id, {})
        api = apigw.create_api(Name=f"cortex-{cluster}", ProtocolType="HTTP", Tags={"owner": "someone-else"})
        out_decoys = {
            "other_cluster_lb": {"name": other["LoadBalancerName"], "arn": other["LoadBalancerArn"],
                                 "cluster": other_cluster},
            "untagged_lb": {"name": untagged["LoadBalancerName"], "arn": untagged["LoadBalancerArn"]},
            "foreign_api": {"id": api["ApiId"], "name": api["Name"]},
        }

    return {"region": region, "cluster": cluster, "vpc_id": vpc_id, "subnet_ids": subnet_ids,
            "security_group_id": sg, "load_balancer": main, "decoys": out_decoys}
