#!/usr/bin/env bash
# Installs the real programs the tests check generated configs with, from Debian's packages:
# promtool (prometheus), amtool and alertmanager (prometheus-alertmanager), redis-server,
# redis-cli and redis-sentinel; haproxy (the proxy in front of a replicated Redis); the programs
# the MCP tests run a stdio server with: the static BusyBox that is the stdio relay
# (busybox-static) and python3 for a server in another runtime (the inference tests also run the
# vLLM container's user lookup with it as an arbitrary uid; unshare and setpriv come with
# util-linux); and lua5.1 (Argo CD runs its health checks on Lua 5.1).
# Needs root (CI runs as root); skips what is already there.
set -euo pipefail
needed=()
command -v promtool >/dev/null 2>&1 || needed+=(prometheus)
command -v amtool >/dev/null 2>&1 || needed+=(prometheus-alertmanager)
command -v redis-server >/dev/null 2>&1 || needed+=(redis-server)
command -v redis-sentinel >/dev/null 2>&1 || needed+=(redis-sentinel)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || needed+=(haproxy)
command -v busybox >/dev/null 2>&1 || needed+=(busybox-static)
command -v python3 >/dev/null 2>&1 || needed+=(python3)
command -v lua5.1 >/dev/null 2>&1 || needed+=(lua5.1)
if [ ${#needed[@]} -eq 0 ]; then
  echo "setup-system: promtool, amtool, redis-server, redis-sentinel, haproxy, busybox, python3 and lua5.1 are installed"
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
