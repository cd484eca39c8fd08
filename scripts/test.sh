#!/usr/bin/env bash
# `npm test`: makes sure RabbitMQ and a MongoDB-wire server answer (scripts/infra/up.sh, quiet
# unless it fails), then runs jest in band (two cores and shared brokers). Arguments go to jest:
#   npm test -- services/thread      npm test -- -t 'cursor'
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
mkdir -p .data/logs

echo "[test] checking infrastructure (scripts/infra/up.sh; the first run may install RabbitMQ and build FerretDB)"
if ! bash scripts/infra/up.sh >.data/logs/infra-up.log 2>&1; then
  cat .data/logs/infra-up.log >&2
  echo "[test] ERROR: infrastructure did not come up (scripts/infra/up.sh)" >&2
  exit 1
fi
# The URLs up.sh settled on (the compose path differs from the local defaults).
INFRA_AMQP_URL=""; INFRA_MONGO_URL=""
[[ -f .data/infra.env ]] && source .data/infra.env
export AMQP_URL="${AMQP_URL:-${INFRA_AMQP_URL:-amqp://guest:guest@127.0.0.1:5672}}"
export MONGO_URL="${MONGO_URL:-${INFRA_MONGO_URL:-mongodb://127.0.0.1:27017}}"
echo "[test] infrastructure ready: AMQP_URL=$AMQP_URL MONGO_URL=$MONGO_URL"

exec npx jest --runInBand "$@"
