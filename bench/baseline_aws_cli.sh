#!/usr/bin/env bash
# The console steps for an HTTP API in front of an internet-facing Cortex load balancer, with
# per-API routes, as a person would script them with the AWS CLI: one `aws` process per call.
#
#   baseline_aws_cli.sh create --endpoint-url URL --region R --cluster C --n N --lb-dns DNS
#       create the API, per Cortex API `/api-<i>` two HTTP_PROXY integrations and the routes
#       `ANY /api-<i>` and `ANY /api-<i>/{proxy+}` (the path preserved, as cortex-net does), and
#       the `$default` stage with auto-deploy; prints the API id last
#   baseline_aws_cli.sh delete ... --api-id ID
#       delete the API (AWS deletes its routes, integrations and stage with it)
#
# `aws` comes from the benchmark's venv (bench/requirements.txt); credentials from the
# environment. bench/bench.py times each phase through the quota proxy.
set -euo pipefail

phase=${1:?create or delete}
shift
endpoint="" region="" cluster="" n="" lb="" api=""
while [ $# -gt 0 ]; do
    case "$1" in
        --endpoint-url) endpoint=$2 ;;
        --region) region=$2 ;;
        --cluster) cluster=$2 ;;
        --n) n=$2 ;;
        --lb-dns) lb=$2 ;;
        --api-id) api=$2 ;;
        *) echo "baseline_aws_cli.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift 2
done

# AWS CLI v1 fetches parameter values that look like URLs (our integration URIs) unless told not to.
config=$(mktemp)
trap 'rm -f "$config"' EXIT
printf '[default]\ncli_follow_urlparam = false\n' > "$config"
export AWS_CONFIG_FILE=$config

aws_() { aws --endpoint-url "$endpoint" --region "$region" --output text "$@"; }

case "$phase" in
    create)
        api=$(aws_ apigatewayv2 create-api --name "cortex-$cluster" --protocol-type HTTP --query ApiId)
        for i in $(seq 1 "$n"); do
            for suffix in "" "/{proxy+}"; do
                uri="http://$lb/api-$i${suffix:+/{proxy\}}"
                integration=$(aws_ apigatewayv2 create-integration --api-id "$api" \
                    --integration-type HTTP_PROXY --integration-method ANY --integration-uri "$uri" \
                    --payload-format-version 1.0 --query IntegrationId)
                aws_ apigatewayv2 create-route --api-id "$api" --route-key "ANY /api-$i$suffix" \
                    --target "integrations/$integration" > /dev/null
            done
        done
        aws_ apigatewayv2 create-stage --api-id "$api" --stage-name '$default' --auto-deploy > /dev/null
        echo "$api"
        ;;
    delete)
        aws_ apigatewayv2 delete-api --api-id "${api:?--api-id}"
        ;;
    *) echo "baseline_aws_cli.sh: phase must be create or delete" >&2; exit 2 ;;
esac
