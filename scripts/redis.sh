#!/usr/bin/env bash
# Start a local Redis for the tests (background jobs on RQ, rate-limit counters) on its own port; safe to run again.
# Needs root to install Debian's redis-server the first time, as on the project's development and CI machines.
set -euo pipefail
port="${DDQ_TEST_REDIS_PORT:-6390}"

if ! command -v redis-server >/dev/null 2>&1; then
  echo "Installing Redis…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi
if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes >/dev/null
fi
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
  echo "Redis did not start on port $port" >&2
  exit 1
fi
echo "Redis is running on 127.0.0.1:$port"
