#!/usr/bin/env bash
# Start Debian's PostgreSQL on loopback (creating a cluster if there is none), make sure a
# superuser role "tracker" exists for the tests, and print the DATABASE_URL to use.
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
  version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
  $SUDO pg_createcluster "$version" main >/dev/null
fi
read -r version cluster port status _ < <(pg_lsclusters -h | head -n 1)
if [ "$status" != "online" ]; then
  $SUDO pg_ctlcluster "$version" "$cluster" start >&2
fi
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 1
done
$SUDO runuser -u postgres -- psql -q -p "$port" -v ON_ERROR_STOP=1 >&2 <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'tracker') THEN
    CREATE ROLE tracker LOGIN SUPERUSER PASSWORD 'tracker';
  END IF;
END $$;
SQL
if ! $SUDO runuser -u postgres -- psql -p "$port" -tAc "SELECT 1 FROM pg_database WHERE datname='tracker'" | grep -q 1; then
  $SUDO runuser -u postgres -- createdb -p "$port" -O tracker tracker
fi
echo "postgres://tracker:tracker@127.0.0.1:${port}/tracker"
