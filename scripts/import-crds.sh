#!/usr/bin/env bash
# Regenerates imports/ from the CRD YAML kept in test/schemas/crds/ (the same files the
# strict validation uses). CRDs of one API group are concatenated first, because
# `cdk8s import` writes one module per group and a second import would overwrite the first.
set -euo pipefail
cd "$(dirname "$0")/.."
crds=test/schemas/crds
work=$(mktemp -d)
# `cdk8s import` also records every imported file in cdk8s.yaml; keep the committed one.
cp cdk8s.yaml "$work/cdk8s.yaml"
trap 'cp "$work/cdk8s.yaml" cdk8s.yaml; rm -rf "$work"' EXIT

group() { # group <name> <files...>
  local name=$1; shift
  for f in "$@"; do cat "$f"; echo '---'; done > "$work/$name.yaml"
  npx cdk8s import "$work/$name.yaml" --language typescript --output imports --no-check-upgrade
}

group keda "$crds/keda.sh_scaledobjects.yaml" "$crds/keda.sh_triggerauthentications.yaml"
group eso "$crds/external-secrets.io_externalsecrets.yaml"
group prom "$crds"/monitoring.coreos.com_*.yaml
group sealed "$crds/bitnami.com_sealedsecrets.yaml"
# Inference routing: only the kinds the library renders. The HTTPRoute file alone (not Gateway and
# GatewayClass, which the library only references by name) keeps the module at 320 KB instead of
# 508 KB. The LeaderWorkerSet CRD (test/schemas/crds/) is validated against but not imported: its
# 1.9 MB module would add 14 ms to every start (+8% of loading the library) and duplicates the
# Kubernetes PodSpec types; multi-node pools render it with cdk8s's ApiObject and the L1 PodSpec
# converter instead (lib/inference/vllm-multi-node-server.ts).
group gateway "$crds/gateway.networking.k8s.io_httproutes.yaml"
group inference "$crds/inference.networking.k8s.io_inferencepools.yaml"
