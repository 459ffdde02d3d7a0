#!/usr/bin/env python3
"""Benchmark (not a test): building a REST API with individual calls vs one PutRestApi.

Measures, against a LocalStack endpoint, the wall time and the number of API calls needed to
build the gateway cortex-net's REST provider makes (resources, ANY methods, HTTP_PROXY
integrations, a deployment and a stage), for two shapes:

- catch-all: `/{proxy+}` plus the root `/`;
- three APIs: `/iris`, `/v1/text-gen`, `/sentiment`, each with `E` and `E/{proxy+}`.

Each way is run REPEAT times (median reported). Then it checks what an OpenAPI import keeps of a
VPC_LINK integration (`connectionType`, `connectionId`).

Usage:
    python put_rest_api_vs_calls.py [--endpoint http://127.0.0.1:4610] [--repeat 5]
"""

import argparse
import json
import statistics
import time

import boto3

BACKEND = "http://api-lb-1.elb.us-east-1.amazonaws.com"
SHAPES = {
    "catch-all": [None],
    "three-apis": ["/iris", "/v1/text-gen", "/sentiment"],
}


class Counting:
    """Wraps a boto3 client and counts the AWS calls made through it."""

    def __init__(self, client):
        self.client = client
        self.calls = 0

    def __getattr__(self, name):
        attr = getattr(self.client, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            self.calls += 1
            return attr(*args, **kwargs)

        return call


def published_paths(endpoints):
    """(resource path, integration uri) pairs, the same as gw-rest's desired_resources."""
    out = []
    for endpoint in endpoints:
        if endpoint is None:
            out.append(("/", f"{BACKEND}/"))
            out.append(("/{proxy+}", f"{BACKEND}/{{proxy}}"))
        else:
            out.append((endpoint, f"{BACKEND}{endpoint}"))
            out.append((f"{endpoint}/{{proxy+}}", f"{BACKEND}{endpoint}/{{proxy}}"))
    return out


def build_with_calls(api, name, endpoints, vpc_link_id=None):
    rest = api.create_rest_api(
        name=name,
        endpointConfiguration={"types": ["REGIONAL"]},
        tags={"managed-by": "cortex-net", "cortex.dev/cluster-name": "bench"},
    )
    api_id = rest["id"]
    resources = api.get_resources(restApiId=api_id)["items"]
    ids = {r["path"]: r["id"] for r in resources}
    for path, uri in published_paths(endpoints):
        # Create missing parents, then the resource itself.
        if path not in ids:
            parts = path.strip("/").split("/")
            for i in range(len(parts)):
                sub = "/" + "/".join(parts[: i + 1])
                if sub in ids:
                    continue
                parent = "/" + "/".join(parts[:i]) if i else "/"
                created = api.create_resource(
                    restApiId=api_id, parentId=ids[parent], pathPart=parts[i]
                )
                ids[sub] = created["id"]
        proxy = "{proxy+}" in path
        api.put_method(
            restApiId=api_id,
            resourceId=ids[path],
            httpMethod="ANY",
            authorizationType="NONE",
            requestParameters={"method.request.path.proxy": True} if proxy else {},
        )
        integration = dict(
            restApiId=api_id,
            resourceId=ids[path],
            httpMethod="ANY",
            type="HTTP_PROXY",
            integrationHttpMethod="ANY",
            uri=uri,
        )
        if proxy:
            integration["requestParameters"] = {
                "integration.request.path.proxy": "method.request.path.proxy"
            }
        if vpc_link_id:
            integration["connectionType"] = "VPC_LINK"
            integration["connectionId"] = vpc_link_id
        api.put_integration(**integration)
    deployment = api.create_deployment(restApiId=api_id, description="cortex-net bench")
    api.create_stage(restApiId=api_id, stageName="dev", deploymentId=deployment["id"])
    return api_id


def openapi(endpoints, vpc_link_id=None):
    paths = {}
    for path, uri in published_paths(endpoints):
        proxy = "{proxy+}" in path
        integration = {
            "type": "http_proxy",
            "httpMethod": "ANY",
            "uri": uri,
            "passthroughBehavior": "when_no_match",
        }
        if proxy:
            integration["requestParameters"] = {
                "integration.request.path.proxy": "method.request.path.proxy"
            }
        if vpc_link_id:
            integration["connectionType"] = "VPC_LINK"
            integration["connectionId"] = vpc_link_id
        method = {
            "responses": {},
            "x-amazon-apigateway-integration": integration,
        }
        if proxy:
            method["parameters"] = [
                {"name": "proxy", "in": "path", "required": True, "schema": {"type": "string"}}
            ]
        paths[path] = {"x-amazon-apigateway-any-method": method}
    return {
        "openapi": "3.0.1",
        "info": {"title": "bench", "version": "1"},
        "paths": paths,
    }


def build_with_put(api, name, endpoints, vpc_link_id=None):
    rest = api.create_rest_api(
        name=name,
        endpointConfiguration={"types": ["REGIONAL"]},
        tags={"managed-by": "cortex-net", "cortex.dev/cluster-name": "bench"},
    )
    api_id = rest["id"]
    api.put_rest_api(
        restApiId=api_id,
        mode="overwrite",
        body=json.dumps(openapi(endpoints, vpc_link_id)).encode(),
    )
    deployment = api.create_deployment(restApiId=api_id, description="cortex-net bench")
    api.create_stage(restApiId=api_id, stageName="dev", deploymentId=deployment["id"])
    return api_id


def integrations_of(client, api_id):
    """{(path, method): integration} as the control plane reports it."""
    out = {}
    for resource in client.get_resources(restApiId=api_id, embed=["methods"])["items"]:
        for method in resource.get("resourceMethods", {}):
            out[(resource["path"], method)] = client.get_integration(
                restApiId=api_id, resourceId=resource["id"], httpMethod=method
            )
    return out


def measure(client, builder, endpoints, repeat):
    times, calls = [], []
    for i in range(repeat):
        counting = Counting(client)
        start = time.perf_counter()
        api_id = builder(counting, f"bench-{builder.__name__}-{i}", endpoints)
        times.append(time.perf_counter() - start)
        calls.append(counting.calls)
        client.delete_rest_api(restApiId=api_id)
    return statistics.median(times), statistics.median(calls)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", default="http://127.0.0.1:4610")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--region", default="us-east-1")
    args = parser.parse_args()
    client = boto3.client(
        "apigateway",
        endpoint_url=args.endpoint,
        region_name=args.region,
        aws_access_key_id="111122223333",
        aws_secret_access_key="test",
    )
    client.get_rest_apis()  # warm-up: the first call loads the service

    print(f"{'shape':<12} {'way':<20} {'median s':>9} {'calls':>6}")
    for shape, endpoints in SHAPES.items():
        for builder in (build_with_calls, build_with_put):
            seconds, calls = measure(client, builder, endpoints, args.repeat)
            print(f"{shape:<12} {builder.__name__:<20} {seconds:>9.3f} {calls:>6}")

    # What an import keeps of a private integration.
    link = client.create_vpc_link(
        name="bench-link",
        targetArns=[
            "arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/lb/1"
        ],
    )
    for builder in (build_with_calls, build_with_put):
        api_id = builder(client, f"bench-vpc-{builder.__name__}", ["/iris"], link["id"])
        kept = {
            f"{method} {path}": (i.get("connectionType"), i.get("connectionId"))
            for (path, method), i in integrations_of(client, api_id).items()
        }
        print(f"VPC_LINK via {builder.__name__}: {kept}")
        client.delete_rest_api(restApiId=api_id)
    client.delete_vpc_link(vpcLinkId=link["id"])


if __name__ == "__main__":
    main()
