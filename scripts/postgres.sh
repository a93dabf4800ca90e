#!/usr/bin/env bash
# Start the local PostgreSQL server and create the test role and database; safe to run again.
# Needs root (or the postgres user's rights), as on the project's development and CI machines.
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "Installing PostgreSQL…"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

read -r version cluster _port status _ < <(pg_lsclusters --no-header | head -n 1) || true
if [ -z "${version:-}" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  cluster=main
  pg_createcluster "$version" "$cluster" >/dev/null
  status=down
fi
if [ "$status" != "online" ]; then
  pg_ctlcluster "$version" "$cluster" start
fi

for _ in $(seq 1 100); do
  pg_isready -q -h 127.0.0.1 && break
  sleep 0.1
done
if ! pg_isready -q -h 127.0.0.1; then
  echo "PostgreSQL did not start: see /var/log/postgresql/postgresql-${version}-${cluster}.log" >&2
  exit 1
fi

as_postgres() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ -z "$(as_postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'ddq'")" ]; then
  as_postgres -c "CREATE ROLE ddq LOGIN PASSWORD 'ddq'"
fi
for database in ddq_test ddq_test_migrations; do
  if [ -z "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
    as_postgres -c "CREATE DATABASE $database OWNER ddq"
  fi
done
echo "PostgreSQL ${version} is running on 127.0.0.1:5432 with databases ddq_test and ddq_test_migrations"
