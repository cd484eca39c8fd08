#!/usr/bin/env bash
# `npm run bench [-- --quick | --steps=1,100,500 | --targets=system | --profile ...]`
# Starts the infrastructure (scripts/infra/up.sh), a RabbitMQ vhost of its own ("bench"), then
# bench/bench.ts starts the model server, the four services (ports 18080-18083, fresh databases)
# and the baseline as separate processes, measures, stops them and prints the tables.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/infra/up.sh >&2
# Our own vhost: the bench's queues and events never meet a dev stack or tests on the same broker.
export PATH="$PATH:/usr/sbin:/sbin"
if [[ -z "${BENCH_AMQP_URL:-}" ]] && command -v rabbitmqctl >/dev/null 2>&1; then
  run() { if [[ $(id -u) -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
  run rabbitmqctl -q add_vhost bench >/dev/null 2>&1 || true
  run rabbitmqctl -q set_permissions -p bench guest '.*' '.*' '.*' >/dev/null
fi
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
exec node --import tsx bench/bench.ts "$@"
