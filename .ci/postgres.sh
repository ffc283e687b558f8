#!/usr/bin/env bash
# Installs (if missing) and starts Debian's PostgreSQL on loopback, with a database and role for the tests.
# Prints the environment the tests read, for `eval "$(.ci/postgres.sh)"`:
#   CHAINRULE_TEST_POSTGRES_URL, CHAINRULE_TEST_POSTGRES_USER, CHAINRULE_TEST_POSTGRES_PASSWORD
set -euo pipefail
log() { echo "postgres: $*" >&2; }

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing Debian's postgresql"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
if ! pg_lsclusters -h | grep -q "^$version main"; then
  pg_createcluster "$version" main >&2
fi
if ! pg_lsclusters -h | grep -q "^$version main .* online"; then
  pg_ctlcluster "$version" main start >&2
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')
for _ in $(seq 30); do
  su postgres -c "psql -p $port -Atqc 'select 1'" >/dev/null 2>&1 && break
  sleep 1
done
password=chainrule-test
su postgres -c "psql -p $port -v ON_ERROR_STOP=1 -q" >&2 <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'chainrule') THEN
    CREATE ROLE chainrule LOGIN PASSWORD '$password';
  END IF;
END \$\$;
SQL
if ! su postgres -c "psql -p $port -Atqc \"select 1 from pg_database where datname = 'chainrule_test'\"" | grep -q 1; then
  su postgres -c "createdb -p $port -O chainrule chainrule_test" >&2
fi
log "PostgreSQL $version on 127.0.0.1:$port, database chainrule_test"
echo "export CHAINRULE_TEST_POSTGRES_URL=jdbc:postgresql://127.0.0.1:$port/chainrule_test"
echo "export CHAINRULE_TEST_POSTGRES_USER=chainrule"
echo "export CHAINRULE_TEST_POSTGRES_PASSWORD=$password"
