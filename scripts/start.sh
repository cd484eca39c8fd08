#!/usr/bin/env bash
# `npm start`: the whole platform on this machine, in the background.
#   deps (npm ci/install if needed) -> infrastructure (scripts/infra/up.sh) -> dev model server
#   (unless OPENAI_API_KEY or OPENAI_BASE_URL is set) -> sidekiq, thread, chat, gateway.
# Returns once every service answers GET /readyz; prints the gateway URL and a dev token.
# Running it again restarts the services (and the dev model server) so code changes apply.
# Logs: .data/logs/<name>.log   pids: .data/pids/<name>.pid   stop: npm run stop
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA="$ROOT/.data"
PIDS="$DATA/pids"
LOGS="$DATA/logs"
mkdir -p "$PIDS" "$LOGS"
READY_TIMEOUT="${START_READY_TIMEOUT:-60}"

log() { echo "[start] $*"; }
die() { echo "[start] ERROR: $*" >&2; exit 1; }

# 1. Dependencies: install when node_modules is missing or older than the lockfile.
if [[ ! -d node_modules || ! -f node_modules/.package-lock.json ]] \
  || [[ -f package-lock.json && package-lock.json -nt node_modules/.package-lock.json ]]; then
  if [[ -f package-lock.json ]]; then
    log "installing dependencies (npm ci)"
    npm ci --no-audit --no-fund
  else
    log "installing dependencies (npm install)"
    npm install --no-audit --no-fund
  fi
fi
TSX="$ROOT/node_modules/.bin/tsx"
[[ -x "$TSX" ]] || die "tsx is missing from node_modules/.bin; run npm install"

# 2. Infrastructure.
bash scripts/infra/up.sh
# The URLs up.sh settled on (the compose path differs from the local defaults).
INFRA_AMQP_URL=""; INFRA_MONGO_URL=""
[[ -f .data/infra.env ]] && source .data/infra.env
export AMQP_URL="${AMQP_URL:-${INFRA_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}}"
export MONGO_URL="${MONGO_URL:-${INFRA_MONGO_URL:-mongodb://127.0.0.1:27017}}"
export JWT_SECRET="${JWT_SECRET:-dev-secret-change-me-please}"

http_ok() { curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; }
if ! command -v curl >/dev/null 2>&1; then
  http_ok() { node -e 'fetch(process.argv[1],{signal:AbortSignal.timeout(2000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$1"; }
fi

# stop_pids NAME...: stops the process groups recorded in .data/pids/NAME.pid (TERM all, then
# wait up to 10s, then KILL what is left).
stop_pids() {
  local name pid pids=()
  for name in "$@"; do
    [[ -f "$PIDS/$name.pid" ]] || continue
    pid="$(cat "$PIDS/$name.pid")"
    rm -f "$PIDS/$name.pid"
    kill -0 "$pid" 2>/dev/null || continue
    log "stopping $name (pid $pid)"
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "pid $pid did not stop within 10s; killing it"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# launch NAME FILE: starts `tsx FILE` in its own session (so stop_pids can end its whole tree).
launch() {
  local name="$1" file="$2" logfile="$LOGS/$1.log"
  stop_pids "$name"
  [[ -f "$logfile" ]] && mv -f "$logfile" "$logfile.prev"
  echo "=== $(date -Is) starting $name: tsx $file" >"$logfile"
  nohup setsid "$TSX" "$file" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

# wait_ready NAME URL: waits for 200 from URL; on failure shows the end of the log and exits 1.
wait_ready() {
  local name="$1" url="$2" pid start=$SECONDS
  pid="$(cat "$PIDS/$name.pid")"
  until http_ok "$url"; do
    if ! kill -0 "$pid" 2>/dev/null || (( SECONDS - start >= READY_TIMEOUT )); then
      if kill -0 "$pid" 2>/dev/null; then
        echo "[start] ERROR: $name is not ready at $url after ${READY_TIMEOUT}s; end of $LOGS/$name.log:" >&2
      else
        echo "[start] ERROR: $name exited before it was ready; end of $LOGS/$name.log:" >&2
      fi
      tail -n 40 "$LOGS/$name.log" >&2
      echo "[start] (what did start keeps running; npm run stop ends it)" >&2
      exit 1
    fi
    sleep 0.5
  done
  log "$name ready ($url) after $((SECONDS - start))s"
}

# 3. The model: a configured OpenAI-compatible endpoint, or the dev model server.
if [[ -n "${OPENAI_API_KEY:-}" || -n "${OPENAI_BASE_URL:-}" ]]; then
  export OPENAI_API_KEY="${OPENAI_API_KEY:-dev}"
  # A key alone means OpenAI itself (the services' own default URL is the dev model server).
  export OPENAI_BASE_URL="${OPENAI_BASE_URL:-https://api.openai.com/v1}"
  stop_pids model-server
  log "using the configured model endpoint $OPENAI_BASE_URL (no dev model server)"
else
  MODEL_SERVER_PORT="${MODEL_SERVER_PORT:-8090}"
  export MODEL_SERVER_PORT
  launch model-server dev/model-server/src/main.ts
  wait_ready model-server "http://127.0.0.1:$MODEL_SERVER_PORT/healthz"
  export OPENAI_BASE_URL="http://127.0.0.1:$MODEL_SERVER_PORT/v1"
  export OPENAI_API_KEY=dev
fi

# 4. The services.
export SIDEKIQ_PORT="${SIDEKIQ_PORT:-8081}" THREAD_PORT="${THREAD_PORT:-8082}" CHAT_PORT="${CHAT_PORT:-8083}" GATEWAY_PORT="${GATEWAY_PORT:-8080}"
declare -A PORT_OF=([sidekiq]="$SIDEKIQ_PORT" [thread]="$THREAD_PORT" [chat]="$CHAT_PORT" [gateway]="$GATEWAY_PORT")
# START_SERVICES="sidekiq thread" starts a subset (e.g. while a service is being written).
read -r -a SERVICES <<<"${START_SERVICES:-sidekiq thread chat gateway}"
for name in "${SERVICES[@]}"; do
  [[ -f "services/$name/src/main.ts" ]] || die "services/$name/src/main.ts does not exist"
done
stop_pids "${SERVICES[@]}"
for name in "${SERVICES[@]}"; do
  launch "$name" "services/$name/src/main.ts"
done
for name in "${SERVICES[@]}"; do
  wait_ready "$name" "http://127.0.0.1:${PORT_OF[$name]}/readyz"
done

# 5. How to use it.
TOKEN="$("$TSX" scripts/dev-token.ts dev-user)" || die "could not make a dev token (scripts/dev-token.ts)"
cat <<EOF

[start] Sidekiq is running.
  gateway:    http://127.0.0.1:$GATEWAY_PORT   (WebSocket: ws://127.0.0.1:$GATEWAY_PORT/ws)
  model:      $OPENAI_BASE_URL
  dev token:  (user dev-user, valid 12h)
$TOKEN

  try:
    npm run chat -- "hello"
    curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$GATEWAY_PORT/api/sidekiqs
  new token:  npx tsx scripts/dev-token.ts <user-id>
  logs:       .data/logs/<service>.log      stop: npm run stop
EOF
