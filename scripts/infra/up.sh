#!/usr/bin/env bash
# Brings up the infrastructure the services and tests need: RabbitMQ and a MongoDB-wire server.
#
#   1. AMQP_URL and MONGO_URL both set and answering: nothing to do.
#   2. A Docker engine answers: `docker compose up -d rabbitmq mongo` (real RabbitMQ and MongoDB).
#   3. Otherwise, on this machine: Debian's rabbitmq-server (installed with apt-get if missing)
#      and FerretDB v1 with SQLite, built from infra/ferretdb into .data/bin/ferretdb.
#
# Idempotent: whatever already answers is used as is. Prints the AMQP_URL / MONGO_URL in use.
# What this script started is recorded under .data/pids so scripts/infra/down.sh stops only that.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DATA="$ROOT/.data"
PIDS="$DATA/pids"
LOGS="$DATA/logs"
mkdir -p "$PIDS" "$LOGS" "$DATA/bin"

DEFAULT_AMQP_URL="amqp://guest:guest@127.0.0.1:5672"
DEFAULT_MONGO_URL="mongodb://127.0.0.1:27017"
RABBIT_TIMEOUT="${INFRA_RABBIT_TIMEOUT:-90}"
FERRET_TIMEOUT="${INFRA_FERRET_TIMEOUT:-60}"

log() { echo "[infra] $*"; }
die() { echo "[infra] ERROR: $*" >&2; exit 1; }

# host and port of a URL (first host of a list; credentials, path and query dropped).
url_host() { local r="${1#*://}"; r="${r##*@}"; r="${r%%[/?]*}"; r="${r%%,*}"; echo "${r%%:*}"; }
url_port() {
  local r="${1#*://}"; r="${r##*@}"; r="${r%%[/?]*}"; r="${r%%,*}"
  if [[ "$r" == *:* ]]; then echo "${r##*:}"; else echo "$2"; fi
}
is_local() { [[ "$1" == 127.* || "$1" == localhost || "$1" == "::1" || "$1" == "0.0.0.0" ]]; }

# Does something accept TCP connections at host:port (within 2s)?
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

# wait_port NAME HOST PORT TIMEOUT [PID]: waits until host:port answers; fails early if PID dies.
wait_port() {
  local name="$1" host="$2" port="$3" limit="$4" pid="${5:-}" start=$SECONDS
  until port_open "$host" "$port"; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      return 2
    fi
    if (( SECONDS - start >= limit )); then
      return 1
    fi
    sleep 1
  done
  log "$name ready on $host:$port after $((SECONDS - start))s"
}

AMQP_URL="${AMQP_URL:-}"
MONGO_URL="${MONGO_URL:-}"
# While compose brokers started by this script run, unset URLs keep what that run settled on
# (MongoDB needs ?directConnection=true there).
if [[ -f "$PIDS/docker-compose.started" && -f "$DATA/infra.env" ]]; then
  INFRA_AMQP_URL=""; INFRA_MONGO_URL=""
  source "$DATA/infra.env" || true
  AMQP_URL="${AMQP_URL:-$INFRA_AMQP_URL}"
  MONGO_URL="${MONGO_URL:-$INFRA_MONGO_URL}"
fi
AMQP_HOST="$(url_host "${AMQP_URL:-$DEFAULT_AMQP_URL}")"; AMQP_PORT="$(url_port "${AMQP_URL:-$DEFAULT_AMQP_URL}" 5672)"
MONGO_HOST="$(url_host "${MONGO_URL:-$DEFAULT_MONGO_URL}")"; MONGO_PORT="$(url_port "${MONGO_URL:-$DEFAULT_MONGO_URL}" 27017)"

# Prints the URLs in use and records them in .data/infra.env, which scripts/start.sh and
# scripts/test.sh read for their defaults (the compose path needs ?directConnection=true).
print_urls() {
  log "AMQP_URL=${AMQP_URL:-$DEFAULT_AMQP_URL}"
  log "MONGO_URL=${MONGO_URL:-$DEFAULT_MONGO_URL}"
  printf 'INFRA_AMQP_URL=%q\nINFRA_MONGO_URL=%q\n' "${AMQP_URL:-$DEFAULT_AMQP_URL}" "${MONGO_URL:-$DEFAULT_MONGO_URL}" >"$DATA/infra.env"
}

need_rabbit=1; need_mongo=1
port_open "$AMQP_HOST" "$AMQP_PORT" && need_rabbit=0
port_open "$MONGO_HOST" "$MONGO_PORT" && need_mongo=0

# 1. Both given and answering (or the defaults already answering): nothing to start.
if (( need_rabbit == 0 && need_mongo == 0 )); then
  log "RabbitMQ answers on $AMQP_HOST:$AMQP_PORT, MongoDB-wire server on $MONGO_HOST:$MONGO_PORT: nothing to start"
  print_urls
  exit 0
fi
if (( need_rabbit )) && ! is_local "$AMQP_HOST"; then
  die "AMQP_URL points at $AMQP_HOST:$AMQP_PORT, which does not answer; fix AMQP_URL or unset it to use a local RabbitMQ"
fi
if (( need_mongo )) && ! is_local "$MONGO_HOST"; then
  die "MONGO_URL points at $MONGO_HOST:$MONGO_PORT, which does not answer; fix MONGO_URL or unset it to use a local server"
fi

# 2. A container engine: the repo's docker-compose.yml.
if command -v docker >/dev/null 2>&1 && timeout 10 docker info >/dev/null 2>&1 && [[ -f "$ROOT/docker-compose.yml" ]]; then
  services=()
  (( need_rabbit )) && services+=(rabbitmq)
  (( need_mongo )) && services+=(mongo)
  # docker-compose.yml keeps the brokers' ports inside the compose network; publish them on
  # loopback for the host's services and tests with a small override.
  cat >"$DATA/compose.host-ports.yml" <<YAML
services:
  rabbitmq:
    ports: ["127.0.0.1:$AMQP_PORT:5672"]
  mongo:
    ports: ["127.0.0.1:$MONGO_PORT:27017"]
YAML
  log "Docker answers: docker compose up -d --wait ${services[*]}"
  (cd "$ROOT" && docker compose -f docker-compose.yml -f "$DATA/compose.host-ports.yml" up -d --wait --wait-timeout "$RABBIT_TIMEOUT" "${services[@]}") \
    || die "docker compose up ${services[*]} failed (docker compose logs ${services[*]})"
  touch "$PIDS/docker-compose.started"
  # MongoDB runs as a one-node replica set whose member is named "mongo": connect directly.
  if (( need_mongo )) && [[ -z "$MONGO_URL" ]]; then MONGO_URL="mongodb://127.0.0.1:$MONGO_PORT/?directConnection=true"; fi
  if (( need_rabbit )); then
    wait_port RabbitMQ "$AMQP_HOST" "$AMQP_PORT" "$RABBIT_TIMEOUT" || die "RabbitMQ did not answer on $AMQP_HOST:$AMQP_PORT within ${RABBIT_TIMEOUT}s (docker compose logs rabbitmq)"
  fi
  if (( need_mongo )); then
    wait_port MongoDB "$MONGO_HOST" "$MONGO_PORT" "$FERRET_TIMEOUT" || die "MongoDB did not answer on $MONGO_HOST:$MONGO_PORT within ${FERRET_TIMEOUT}s (docker compose logs mongo)"
  fi
  print_urls
  exit 0
fi

as_root() {
  if [[ $(id -u) -eq 0 ]]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $*"
  fi
}

# 3a. RabbitMQ from Debian.
rabbit_node_running() { id rabbitmq >/dev/null 2>&1 && pgrep -u rabbitmq -x beam.smp >/dev/null 2>&1; }
start_rabbitmq() {
  export PATH="$PATH:/usr/sbin:/sbin"
  if ! command -v rabbitmq-server >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 || die "rabbitmq-server is not installed and there is no apt-get; install RabbitMQ or set AMQP_URL"
    log "installing Debian's rabbitmq-server (apt-get)"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rabbitmq-server >"$LOGS/apt-rabbitmq.log" 2>&1 \
      || { tail -n 30 "$LOGS/apt-rabbitmq.log" >&2; die "apt-get install rabbitmq-server failed (full log: $LOGS/apt-rabbitmq.log)"; }
    log "rabbitmq-server installed"
  fi
  # A node that is booting (started a moment ago by another run) is waited for, not started twice;
  # one that is halting (beam still there, listener gone) is started again once it is gone.
  local start=$SECONDS started_at=-1
  until port_open "$AMQP_HOST" "$AMQP_PORT"; do
    if ! rabbit_node_running; then
      if (( started_at >= 0 && SECONDS - started_at > 15 )); then
        tail -n 30 /var/log/rabbitmq/rabbit@*.log 2>/dev/null >&2 || true
        die "the RabbitMQ node exited during boot (logs: /var/log/rabbitmq/)"
      fi
      if (( started_at < 0 )); then
        log "starting RabbitMQ (rabbitmq-server -detached)"
        as_root rabbitmq-server -detached >"$LOGS/rabbitmq-start.log" 2>&1 \
          || { cat "$LOGS/rabbitmq-start.log" >&2; die "rabbitmq-server -detached failed"; }
        touch "$PIDS/rabbitmq.started"
        started_at=$SECONDS
      fi
    elif (( started_at < 0 && SECONDS == start )); then
      log "a RabbitMQ node is running but not listening yet; waiting"
    fi
    if (( SECONDS - start >= RABBIT_TIMEOUT )); then
      tail -n 30 /var/log/rabbitmq/rabbit@*.log 2>/dev/null >&2 || true
      die "RabbitMQ did not answer on $AMQP_HOST:$AMQP_PORT within ${RABBIT_TIMEOUT}s (logs: /var/log/rabbitmq/)"
    fi
    sleep 1
  done
  log "RabbitMQ ready on $AMQP_HOST:$AMQP_PORT after $((SECONDS - start))s"
  # The AMQP listener opens at the end of the boot; await_startup confirms the node is fully up.
  timeout 30 rabbitmqctl -q await_startup >/dev/null 2>&1 || log "note: rabbitmqctl await_startup did not confirm (listener answers, continuing)"
}

# 3b. FerretDB (MongoDB wire protocol, SQLite storage), built from infra/ferretdb.
start_ferretdb() {
  local src="$ROOT/infra/ferretdb" bin="$DATA/bin/ferretdb" pidfile="$PIDS/ferretdb.pid" logfile="$LOGS/ferretdb.log"
  if [[ -f "$pidfile" ]]; then
    local old; old="$(cat "$pidfile")"
    if kill -0 "$old" 2>/dev/null; then
      log "FerretDB (pid $old) is running but not answering yet; waiting"
      wait_port FerretDB "$MONGO_HOST" "$MONGO_PORT" "$FERRET_TIMEOUT" "$old" && return 0
      die "FerretDB (pid $old) does not answer on $MONGO_HOST:$MONGO_PORT; see $logfile (stop it with scripts/infra/down.sh)"
    fi
    rm -f "$pidfile"
  fi
  if [[ ! -x "$bin" || "$src/main.go" -nt "$bin" || "$src/go.sum" -nt "$bin" || "$src/go.mod" -nt "$bin" ]]; then
    if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then export PATH="$PATH:/usr/local/go/bin"; fi
    command -v go >/dev/null 2>&1 || die "Go is needed to build FerretDB (infra/ferretdb); install Go >= 1.24 or set MONGO_URL to a running MongoDB"
    log "building FerretDB into .data/bin/ferretdb (go build; about a minute the first time)"
    local t=$SECONDS
    (cd "$src" && go build -buildvcs=false -o "$bin.tmp" .) >"$LOGS/ferretdb-build.log" 2>&1 \
      || { tail -n 30 "$LOGS/ferretdb-build.log" >&2; die "go build of infra/ferretdb failed (full log: $LOGS/ferretdb-build.log)"; }
    mv -f "$bin.tmp" "$bin"
    log "FerretDB built in $((SECONDS - t))s"
  fi
  mkdir -p "$DATA/ferretdb"
  log "starting FerretDB on 127.0.0.1:$MONGO_PORT (data in .data/ferretdb, log in .data/logs/ferretdb.log)"
  echo "=== $(date -Is) starting ferretdb" >>"$logfile"
  # setsid: its own session, so it outlives this shell and a Ctrl-C in the terminal.
  nohup setsid "$bin" -listen "127.0.0.1:$MONGO_PORT" -dir "$DATA/ferretdb" >>"$logfile" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$pidfile"
  local rc=0
  wait_port FerretDB "$MONGO_HOST" "$MONGO_PORT" "$FERRET_TIMEOUT" "$pid" || rc=$?
  if (( rc != 0 )); then
    tail -n 30 "$logfile" >&2
    (( rc == 2 )) && { rm -f "$pidfile"; die "FerretDB exited at start (log above: $logfile)"; }
    die "FerretDB did not answer on $MONGO_HOST:$MONGO_PORT within ${FERRET_TIMEOUT}s (log: $logfile)"
  fi
  # Another server may have taken the port meanwhile (ours then exits with "address in use").
  sleep 0.5
  if ! kill -0 "$pid" 2>/dev/null; then
    rm -f "$pidfile"
    tail -n 5 "$logfile" >&2
    log "our FerretDB exited, but another server answers on $MONGO_HOST:$MONGO_PORT; using that one"
  fi
}

if (( need_rabbit )); then start_rabbitmq; else log "RabbitMQ already answers on $AMQP_HOST:$AMQP_PORT"; fi
if (( need_mongo )); then start_ferretdb; else log "MongoDB-wire server already answers on $MONGO_HOST:$MONGO_PORT"; fi
print_urls
