#!/usr/bin/env bash
# Stops the infrastructure that scripts/infra/up.sh started (and only that): FerretDB by its pid
# file, RabbitMQ if up.sh started the node, the compose services if up.sh started them.
# Servers that were already running before up.sh are left alone.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PIDS="$ROOT/.data/pids"
export PATH="$PATH:/usr/sbin:/sbin"

log() { echo "[infra] $*"; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else echo "[infra] need root to run: $*" >&2; return 1
  fi
}

stopped=0

if [[ -f "$PIDS/ferretdb.pid" ]]; then
  pid="$(cat "$PIDS/ferretdb.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping FerretDB (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "FerretDB did not stop within 10s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  else
    log "FerretDB pid $pid is not running"
  fi
  rm -f "$PIDS/ferretdb.pid"
  stopped=1
fi

if [[ -f "$PIDS/rabbitmq.started" ]]; then
  log "stopping RabbitMQ (rabbitmqctl stop)"
  as_root timeout 60 rabbitmqctl -q stop >/dev/null 2>&1 || log "rabbitmqctl stop failed (node already down?)"
  rm -f "$PIDS/rabbitmq.started"
  stopped=1
fi

if [[ -f "$PIDS/docker-compose.started" ]]; then
  log "stopping compose services rabbitmq and mongo"
  (cd "$ROOT" && docker compose stop rabbitmq mongo) || log "docker compose stop failed"
  rm -f "$PIDS/docker-compose.started"
  stopped=1
fi

(( stopped )) || log "nothing started by scripts/infra/up.sh is running"
