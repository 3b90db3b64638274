# Sourced by .ci/run: a throwaway PostgreSQL cluster for the PostgreSQL tests (store contract, replicas).
# Installs Debian's postgresql when missing, initdb's a cluster into a temporary directory as the postgres user, starts it
# on a free loopback port with trust auth, exports PLOTLINE_TEST_PG_URL, and stops it when .ci/run exits.
# An already set PLOTLINE_TEST_PG_URL is used as it is.

plotline_pg_setup() {
  if [ -n "${PLOTLINE_TEST_PG_URL:-}" ]; then
    echo "PostgreSQL tests use PLOTLINE_TEST_PG_URL as given."
    return 0
  fi
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "Installing Debian's postgresql for the PostgreSQL tests..."
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq && $sudo apt-get install -y -qq postgresql >/dev/null || { echo "could not install postgresql"; return 1; }
  fi
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  PLOTLINE_PG_DATA=$(mktemp -d /tmp/plotline-ci-pg.XXXXXX)
  local as=()
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$PLOTLINE_PG_DATA"
    as=(runuser -u postgres --)
  fi
  local port
  port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  "${as[@]}" "$bin/initdb" -D "$PLOTLINE_PG_DATA/data" -U postgres -A trust --no-sync >/dev/null || { echo "initdb failed"; return 1; }
  # Throwaway data: no fsync (a killed server process still loses nothing, the OS keeps its writes).
  "${as[@]}" "$bin/pg_ctl" -D "$PLOTLINE_PG_DATA/data" -l "$PLOTLINE_PG_DATA/log" -w -t 60 \
    -o "-p $port -k $PLOTLINE_PG_DATA -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null \
    || { cat "$PLOTLINE_PG_DATA/log"; echo "PostgreSQL did not start"; return 1; }
  PLOTLINE_PG_CTL=("${as[@]}" "$bin/pg_ctl")
  "${as[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres plotline_test || return 1
  export PLOTLINE_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/plotline_test"
  echo "PostgreSQL for tests: $PLOTLINE_TEST_PG_URL"
}

plotline_pg_stop() {
  [ -n "${PLOTLINE_PG_DATA:-}" ] || return 0
  "${PLOTLINE_PG_CTL[@]}" -D "$PLOTLINE_PG_DATA/data" -m immediate stop >/dev/null 2>&1
  rm -rf "$PLOTLINE_PG_DATA"
}

plotline_pg_setup || exit 1
plotline_pg_previous_exit_trap=$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")
trap "plotline_pg_stop; ${plotline_pg_previous_exit_trap}" EXIT
