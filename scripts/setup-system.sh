#!/usr/bin/env bash
# Installs the real programs the tests check generated configs with, from Debian's packages:
# promtool (prometheus), amtool and alertmanager (prometheus-alertmanager), redis-server,
# redis-cli and redis-sentinel, and haproxy (the proxy in front of a replicated Redis). Needs root
# (CI runs as root); skips what is already there.
set -euo pipefail
needed=()
command -v promtool >/dev/null 2>&1 || needed+=(prometheus)
command -v amtool >/dev/null 2>&1 || needed+=(prometheus-alertmanager)
command -v redis-server >/dev/null 2>&1 || needed+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || needed+=(redis-sentinel)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || needed+=(haproxy)
if [ ${#needed[@]} -eq 0 ]; then
  echo "setup-system: promtool, amtool, redis-server, redis-sentinel and haproxy are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-system: missing ${needed[*]}; run as root: apt-get update && apt-get install -y ${needed[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The packages' services are not started: there is no init system in CI containers, and the
# tests start their own instances on 127.0.0.1 with free ports.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy"
  trap 'rm -f "$policy"' EXIT
fi
apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
echo "setup-system: installed ${needed[*]}"
