#!/usr/bin/env bash
# Regenerates imports/ from the CRD YAML kept in test/schemas/crds/ (the same files the
# strict validation uses). CRDs of one API group are concatenated first, because
# `cdk8s import` writes one module per group and a second import would overwrite the first.
set -euo pipefail
cd "$(dirname "$0")/.."
crds=test/schemas/crds
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

group() { # group <name> <files...>
  local name=$1; shift
  for f in "$@"; do cat "$f"; echo '---'; done > "$work/$name.yaml"
  npx cdk8s import "$work/$name.yaml" --language typescript --output imports --no-check-upgrade
}

group keda "$crds/keda.sh_scaledobjects.yaml" "$crds/keda.sh_triggerauthentications.yaml"
group eso "$crds/external-secrets.io_externalsecrets.yaml"
group prom "$crds"/monitoring.coreos.com_*.yaml
group sealed "$crds/bitnami.com_sealedsecrets.yaml"
