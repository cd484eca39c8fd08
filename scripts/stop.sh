#!/usr/bin/env bash
# `npm run stop`: stops what `npm start` started (services, dev model server), then the
# infrastructure that scripts/infra/up.sh started.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PIDS="$ROOT/.data/pids"

log() { echo "[stop] $*"; }

for name in gateway chat thread sidekiq model-server; do
  pidfile="$PIDS/$name.pid"
  [[ -f "$pidfile" ]] || continue
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    log "stopping $name (pid $pid)"
    # Each was started in its own session: end the whole group (tsx and its node child).
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  fi
done
for name in gateway chat thread sidekiq model-server; do
  pidfile="$PIDS/$name.pid"
  [[ -f "$pidfile" ]] || continue
  pid="$(cat "$pidfile")"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name did not stop within 10s; killing it"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
done

bash "$ROOT/scripts/infra/down.sh"
