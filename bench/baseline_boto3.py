#!/usr/bin/env python3
"""The console steps for an HTTP API in front of an internet-facing Cortex load balancer, with
per-API routes, in one boto3 process: create the API, per Cortex API `/api-<i>` two HTTP_PROXY
integrations and the routes `ANY /api-<i>` and `ANY /api-<i>/{proxy+}`, the `$default` stage with
auto-deploy; then delete the API. The same steps as baseline_aws_cli.sh, one call after the
other, as a person's script would make them.

Prints one JSON line: {"api_id", "import_s", "create_s", "delete_s"} (seconds from the script's
first line: imports, then each phase). bench/bench.py times the whole process.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import argparse  # noqa: E402
import json  # noqa: E402

import boto3  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    for flag in ("--endpoint-url", "--region", "--cluster", "--lb-dns"):
        ap.add_argument(flag, required=True)
    ap.add_argument("--n", type=int, required=True)
    args = ap.parse_args()
    imported = time.perf_counter()
    client = boto3.client("apigatewayv2", endpoint_url=args.endpoint_url, region_name=args.region)
    api = client.create_api(Name=f"cortex-{args.cluster}", ProtocolType="HTTP")["ApiId"]
    for i in range(1, args.n + 1):
        for route, uri in ((f"/api-{i}", f"http://{args.lb_dns}/api-{i}"),
                           (f"/api-{i}/{{proxy+}}", f"http://{args.lb_dns}/api-{i}/{{proxy}}")):
            integration = client.create_integration(
                ApiId=api, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", IntegrationUri=uri,
                PayloadFormatVersion="1.0")["IntegrationId"]
            client.create_route(ApiId=api, RouteKey=f"ANY {route}", Target=f"integrations/{integration}")
    client.create_stage(ApiId=api, StageName="$default", AutoDeploy=True)
    created = time.perf_counter()
    client.delete_api(ApiId=api)
    deleted = time.perf_counter()
    print(json.dumps({"api_id": api, "import_s": round(imported - T0, 4), "create_s": round(created - imported, 4),
                      "delete_s": round(deleted - created, 4)}))


if __name__ == "__main__":
    main()
