import { REDIS_PATHS, REDIS_PORT, SENTINEL_PORT, DEFAULT_USER_DENIED } from './config';

/** What the start script of one Redis needs to know; none of it is secret. */
export interface NodeScriptSettings {
  /** The Redis's name, also the Sentinel master name. */
  readonly masterName: string;
  /**
   * printf format of a node's host name from its ordinal, e.g.
   * `redis-0.redis-headless.agents.svc.cluster.local` from `redis-%s.redis-headless.agents.svc.cluster.local`.
   */
  readonly nodeAddressFormat: string;
  /** Whether the nodes replicate under Sentinels (otherwise: one node, no Sentinel). */
  readonly replicated: boolean;
  /** Seconds a primary that is stopped waits for the Sentinels to hand its role over. */
  readonly switchoverTimeoutSeconds: number;
  /** Seconds a node with an empty volume that the Sentinels still name as master waits for their failover. */
  readonly failoverWaitSeconds: number;
}

/** The ACL of the Sentinels' user: what Sentinel sends to monitor and reconfigure a node (from the Redis docs). */
const SENTINEL_ACL = 'allchannels +multi +exec +slaveof +replicaof +ping +subscribe +publish +config|rewrite +role +info +client|setname +client|kill +script|kill';
/** The ACL of the replicas' user: replication only. */
const REPLICATION_ACL = '+psync +replconf +ping';
/** Clients, probes and the exporter: everything but what would change the topology or the config. */
const DEFAULT_ACL = `~* &* +@all ${DEFAULT_USER_DENIED.map((c) => `-${c}`).join(' ')}`;

function settingsBlock(settings: NodeScriptSettings): string[] {
  return [
    '# --- settings (generated) ---',
    `MASTER_NAME='${settings.masterName}'`,
    `NODE_ADDRESS='${settings.nodeAddressFormat}'`,
    "LOCAL_ADDRESS='127.0.0.1'",
    `REDIS_PORT=${REDIS_PORT}`,
    `SENTINEL_PORT=${SENTINEL_PORT}`,
    `CONFIG_DIR='${REDIS_PATHS.config}'`,
    `DATA_DIR='${REDIS_PATHS.data}'`,
    `RUN_DIR='${REDIS_PATHS.run}'`,
    'QUERY_TIMEOUT_SECONDS=2',
    `SWITCHOVER_TIMEOUT_SECONDS=${settings.switchoverTimeoutSeconds}`,
    `FAILOVER_WAIT_SECONDS=${settings.failoverWaitSeconds}`,
    `DEFAULT_ACL='${DEFAULT_ACL}'`,
    `SENTINEL_ACL='${SENTINEL_ACL}'`,
    `REPLICATION_ACL='${REPLICATION_ACL}'`,
    '# ----------------------------',
  ];
}

/** Helpers every subcommand uses. The password only ever travels through pipes and files, never argv. */
const COMMON = String.raw`
log() { echo "node.sh: $*" >&2; }

# A config value holding any bytes of $1 as a double-quoted string of \xHH escapes (printf is a
# shell builtin: the value is never in a process's arguments).
config_string() {
  printf '"%s"' "$(printf '%s' "$1" | od -An -tx1 -v | tr -d ' \n' | sed 's/../\\x&/g')"
}

# redis-cli reads the password from REDISCLI_AUTH, never from its arguments.
cli() {
  timeout "$QUERY_TIMEOUT_SECONDS" redis-cli --no-auth-warning --raw -h "$@"
}

node_address() {
  printf "$NODE_ADDRESS" "$1"
}

ordinal="${'$'}{POD_NAME##*-}"
self=$(node_address "$ordinal")
`;

const STANDALONE = String.raw`
start_redis() {
  mkdir -p "$RUN_DIR"
  umask 077
  {
    echo "include $CONFIG_DIR/redis.conf"
    echo "requirepass $(config_string "$REDIS_PASSWORD")"
  } > "$RUN_DIR/redis.conf"
  exec redis-server "$RUN_DIR/redis.conf"
}

case "${'$'}{1:-}" in
  redis) start_redis ;;
  *) echo "usage: node.sh redis" >&2; exit 2 ;;
esac
`;

const REPLICATED = String.raw`
password_hash() {
  printf '%s' "$REDIS_PASSWORD" | sha256sum | cut -c1-64
}

# "host port rank" of the master one Sentinel names; nothing when it does not answer. The address
# is get-master-addr-by-name's, which names the promoted replica as soon as a failover has promoted
# it (SENTINEL master keeps the old address until the failover ends). The rank orders the answers:
# twice the configuration epoch, plus one while that Sentinel is failing over (a newer decision
# than any other answer of the same epoch).
sentinel_view() {
  sentinel="$1"
  address=$(cli "$sentinel" -p "$SENTINEL_PORT" SENTINEL get-master-addr-by-name "$MASTER_NAME" 2>/dev/null | tr '\n' ' ' || true)
  set -- $address
  [ "$#" -eq 2 ] || return 0
  rank=$(cli "$sentinel" -p "$SENTINEL_PORT" SENTINEL master "$MASTER_NAME" 2>/dev/null \
    | awk 'NR % 2 == 1 { key = $0; next } { value[key] = $0 } END { print value["config-epoch"] * 2 + (value["flags"] ~ /failover_in_progress/ ? 1 : 0) }' || true)
  echo "$1 $2 ${'$'}{rank:-0}"
}

# "host port" of the master the Sentinels name: the highest rank wins, and on a tie another node
# rather than this one (never two masters); nothing when no Sentinel answers, as on the very first start.
known_master() {
  best=''
  best_rank=-1
  i=0
  while [ "$i" -lt "$REDIS_NODES" ]; do
    view=$(sentinel_view "$(node_address "$i")")
    if [ -n "$view" ]; then
      set -- $view
      if [ "$3" -gt "$best_rank" ] || { [ "$3" -eq "$best_rank" ] && [ "$1" != "$self" ]; }; then
        best="$1 $2"
        best_rank=$3
      fi
    fi
    i=$((i + 1))
  done
  echo "$best"
}

has_dataset() {
  [ -e "$DATA_DIR/dump.rdb" ] || [ -d "$DATA_DIR/appendonlydir" ] || [ -e "$DATA_DIR/appendonly.aof" ]
}

# The master to start with: the one the Sentinels know, else node 0. A node the Sentinels still name
# as master but whose volume is empty (a lost disk) waits for their failover instead of serving, and
# replicating, an empty dataset.
choose_master() {
  waited=0
  while :; do
    master=$(known_master)
    if [ -z "$master" ]; then
      log "no Sentinel knows a master: node 0 is the master"
      echo "$(node_address 0) $REDIS_PORT"
      return
    fi
    set -- $master
    if [ "$1" != "$self" ] || has_dataset; then
      echo "$master"
      return
    fi
    if [ "$waited" -ge "$FAILOVER_WAIT_SECONDS" ]; then
      log "the Sentinels still name this empty node as the master after $waited s; restarting to ask again"
      exit 1
    fi
    log "the Sentinels name this node as the master, but its volume is empty: waiting for a failover"
    sleep 2
    waited=$((waited + 2))
  done
}

start_redis() {
  set -- $(choose_master)
  hash=$(password_hash)
  mkdir -p "$RUN_DIR"
  umask 077
  {
    echo "include $CONFIG_DIR/redis.conf"
    echo "user default on #$hash $DEFAULT_ACL"
    echo "user sentinel on #$hash $SENTINEL_ACL"
    echo "user replicator on #$hash $REPLICATION_ACL"
    echo "masteruser replicator"
    echo "masterauth $(config_string "$REDIS_PASSWORD")"
    echo "replica-announce-ip $self"
    if [ "$1" != "$self" ]; then
      echo "replicaof $1 $2"
    fi
  } > "$RUN_DIR/redis.conf"
  if [ "$1" = "$self" ]; then log "starting as the master ($self)"; else log "starting as a replica of $1:$2"; fi
  exec redis-server "$RUN_DIR/redis.conf"
}

start_sentinel() {
  master=$(known_master)
  if [ -z "$master" ]; then
    master="$(node_address 0) $REDIS_PORT"
  fi
  set -- $master
  quorum=$((REDIS_NODES / 2 + 1))
  # A stable id per pod: a restarted Sentinel is the same Sentinel to the others, so the count of
  # known Sentinels (and the majority a failover needs) does not grow with every restart.
  myid=$(printf '%s' "$self" | sha1sum | cut -c1-40)
  mkdir -p "$RUN_DIR"
  umask 077
  {
    awk -v monitor="sentinel monitor $MASTER_NAME $1 $2 $quorum" '/^sentinel monitor / { print monitor; next } { print }' "$CONFIG_DIR/sentinel.conf"
    echo "sentinel myid $myid"
    echo "sentinel announce-ip $self"
    echo "sentinel auth-pass $MASTER_NAME $(config_string "$REDIS_PASSWORD")"
    echo "requirepass $(config_string "$REDIS_PASSWORD")"
  } > "$RUN_DIR/sentinel.conf"
  log "Sentinel monitoring $1:$2 with quorum $quorum"
  exec redis-sentinel "$RUN_DIR/sentinel.conf"
}

info_field() {
  cli "$LOCAL_ADDRESS" -p "$REDIS_PORT" INFO replication 2>/dev/null | tr -d '\r' | awk -F: -v field="$1" '$1 == field { print $2 }'
}

# Replicas whose acknowledged offset is behind the primary's.
replicas_behind() {
  cli "$LOCAL_ADDRESS" -p "$REDIS_PORT" INFO replication 2>/dev/null | tr -d '\r' | awk -F'[:,=]' '
    $1 == "master_repl_offset" { master = $2 }
    $1 ~ /^slave[0-9]+$/ { for (i = 2; i < NF; i += 2) if ($i == "offset") offsets[$1] = $(i + 1) }
    END { behind = 0; for (s in offsets) if (offsets[s] + 0 < master + 0) behind++; print behind }'
}

# The host name of another node that reports itself master: the replica the Sentinels promoted.
promoted_peer() {
  i=0
  while [ "$i" -lt "$REDIS_NODES" ]; do
    if [ "$i" != "$ordinal" ] && [ "$(cli "$(node_address "$i")" -p "$REDIS_PORT" ROLE 2>/dev/null | head -n 1)" = "master" ]; then
      node_address "$i"
      return
    fi
    i=$((i + 1))
  done
}

# A stopping primary hands its role over first: client writes are held, the replicas catch up, a
# Sentinel of another pod promotes one of them, and this node follows it at once (as the Sentinels'
# user, the only one allowed REPLICAOF). Without this, every rolling update would leave clients
# without a primary until the Sentinels notice it is gone (down-after-milliseconds).
pre_stop() {
  [ "$(info_field role)" = "master" ] || exit 0
  [ "$(info_field connected_slaves)" -gt 0 ] 2>/dev/null || exit 0
  cli "$LOCAL_ADDRESS" -p "$REDIS_PORT" CLIENT PAUSE $((SWITCHOVER_TIMEOUT_SECONDS * 1000)) WRITE >/dev/null || true
  started=$(date +%s)
  while [ "$(replicas_behind)" != "0" ] && [ $(($(date +%s) - started)) -lt 5 ]; do
    sleep 0.1
  done
  asked=''
  i=0
  while [ "$i" -lt "$REDIS_NODES" ] && [ -z "$asked" ]; do
    if [ "$i" != "$ordinal" ] && [ "$(cli "$(node_address "$i")" -p "$SENTINEL_PORT" SENTINEL failover "$MASTER_NAME" 2>/dev/null)" = "OK" ]; then
      asked=$i
    fi
    i=$((i + 1))
  done
  if [ -n "$asked" ]; then
    log "the Sentinel of node $asked is handing the master role over"
    started=$(date +%s)
    while [ $(($(date +%s) - started)) -lt "$SWITCHOVER_TIMEOUT_SECONDS" ]; do
      promoted=$(promoted_peer)
      if [ -n "$promoted" ]; then
        cli "$LOCAL_ADDRESS" --user sentinel -p "$REDIS_PORT" REPLICAOF "$promoted" "$REDIS_PORT" >/dev/null || true
        cli "$LOCAL_ADDRESS" --user sentinel -p "$REDIS_PORT" CLIENT KILL TYPE normal >/dev/null || true
        log "following the new master $promoted:$REDIS_PORT"
        break
      fi
      sleep 0.1
    done
  fi
  cli "$LOCAL_ADDRESS" -p "$REDIS_PORT" CLIENT UNPAUSE >/dev/null 2>&1 || true
  log "role at stop: $(info_field role)"
}

case "${'$'}{1:-}" in
  redis) start_redis ;;
  sentinel) start_sentinel ;;
  pre-stop) pre_stop ;;
  *) echo "usage: node.sh redis|sentinel|pre-stop" >&2; exit 2 ;;
esac
`;

/**
 * node.sh, the start script of every Redis container (and, replicated, of every Sentinel and the
 * primary's preStop hook). It writes the runtime configuration that includes the ConfigMap's: the
 * password as \xHH escapes (any byte is safe), and, replicated, the ACL users (SHA-256 of the
 * password only), the node's announced host name and its role. The role comes from the Sentinels
 * (the newest configuration epoch any of them knows); only when none answers, node 0 is the master.
 */
export function nodeScript(settings: NodeScriptSettings): string {
  return [
    '#!/bin/sh',
    `# Generated by cdk8s-agents: starts a node of the Redis "${settings.masterName}". No secret in here:`,
    '# the password comes from the environment (REDIS_PASSWORD, from a Secret) and goes into files only.',
    'set -eu',
    '',
    ...settingsBlock(settings),
    COMMON.trimEnd(),
    (settings.replicated ? REPLICATED : STANDALONE).trimEnd(),
    '',
  ].join('\n');
}
