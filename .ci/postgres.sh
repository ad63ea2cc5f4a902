#!/usr/bin/env bash
# A throwaway PostgreSQL server for the SCIM bridge's PostgreSQL tests, on loopback only.
#
#   .ci/postgres.sh start   # installs PostgreSQL if missing, starts a fresh cluster,
#                           # prints its URL last (postgres://user:pass@127.0.0.1:port/db)
#   .ci/postgres.sh url     # prints the URL of the running cluster
#   .ci/postgres.sh stop    # stops it and removes its state (also what an interrupted
#                           # run left); nothing to stop is fine
#
# Everything lives in $USER_PROVISIONER_CI_POSTGRES_STATE (default
# /tmp/user-provisioner-ci-postgres): the cluster, its unix socket, its log and the
# role's password. The server listens on 127.0.0.1:$USER_PROVISIONER_CI_POSTGRES_PORT
# (default 15432) and nowhere else, so a developer's own PostgreSQL is left alone. Run
# as root, the server runs as the `postgres` system user (PostgreSQL refuses root),
# created if the binaries came without it. The test role may create databases, so that
# each test can have a database of its own.
set -euo pipefail

STATE="${USER_PROVISIONER_CI_POSTGRES_STATE:-/tmp/user-provisioner-ci-postgres}"
PORT="${USER_PROVISIONER_CI_POSTGRES_PORT:-15432}"
DB=provisioner_ci
ROLE=provisioner_ci
DATA="$STATE/data"
SOCKETS="$STATE/sockets"
LOG="$STATE/postgres.log"
PASSWORD_FILE="$STATE/password"
# Marks a folder this script made, so that `stop` never removes anything else.
MARKER="$STATE/.user-provisioner-ci-postgres"
T0=$(date +%s)

log() { printf '[ci-postgres %3ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { echo "ci-postgres: $*" >&2; exit 1; }

# ---- the binaries and the user that runs them -------------------------------------
BIN=""
PSQL=""
find_bin() {
  find_server_bin || return 1
  PSQL="$BIN/psql"
  [ -x "$PSQL" ] || PSQL="$(command -v psql || true)"
  [ -n "$PSQL" ]
}

find_server_bin() {
  if command -v initdb >/dev/null && command -v pg_ctl >/dev/null && command -v postgres >/dev/null; then
    BIN="$(dirname "$(readlink -f "$(command -v pg_ctl)")")"
    return 0
  fi
  local dir
  # The newest installed major version (Debian keeps them side by side).
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && [ -x "$dir/postgres" ]; then
      BIN="$dir"
      return 0
    fi
  done
  return 1
}

need_bin() {
  find_bin && return 0
  [ "$(id -u)" = 0 ] || die "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
  command -v apt-get >/dev/null || die "PostgreSQL is not installed and there is no apt-get to install it"
  log "apt-get install postgresql"
  # Without this the package creates and starts a "main" cluster on port 5432, a
  # server nobody asked for; the setting is dropped again once the package is in.
  local no_main=/etc/postgresql-common/createcluster.d/user-provisioner-ci.conf
  mkdir -p "$(dirname "$no_main")"
  echo 'create_main_cluster = false' > "$no_main"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null \
    || { rm -f "$no_main"; die "apt-get install postgresql failed"; }
  rm -f "$no_main"
  find_bin || die "apt-get installed postgresql but no initdb, pg_ctl and postgres were found"
}

RUN_AS=""
choose_user() {
  if [ "$(id -u)" != 0 ]; then RUN_AS=""; return; fi
  RUN_AS=postgres
  if ! id -u "$RUN_AS" >/dev/null 2>&1; then
    log "creating the system user $RUN_AS (PostgreSQL does not run as root)"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$RUN_AS"
  fi
}

# Runs a command as the server's user, from a folder that user can read.
as_server() {
  if [ -n "$RUN_AS" ]; then
    (cd "$STATE" && runuser -u "$RUN_AS" -- "$@")
  else
    (cd "$STATE" && "$@")
  fi
}

psql_admin() {
  as_server "$PSQL" -X -q -v ON_ERROR_STOP=1 -h "$SOCKETS" -p "$PORT" -U postgres -d postgres "$@"
}

url() {
  [ -s "$PASSWORD_FILE" ] || die "no server started from $STATE (run: $0 start)"
  printf 'postgres://%s:%s@127.0.0.1:%s/%s\n' "$ROLE" "$(cat "$PASSWORD_FILE")" "$PORT" "$DB"
}

running() {
  [ -f "$DATA/postmaster.pid" ] || return 1
  local pid
  pid="$(head -1 "$DATA/postmaster.pid" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null \
    && tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q postgres
}

# ---- stop: whatever a run left, then the folder ------------------------------------
stop() {
  if [ ! -e "$STATE" ]; then return 0; fi
  if [ ! -f "$MARKER" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
    die "$STATE exists but was not made by this script; left alone"
  fi
  if running; then
    local pid
    pid="$(head -1 "$DATA/postmaster.pid")"
    if find_bin; then
      choose_user
      as_server "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 30 stop >/dev/null 2>&1 || true
    fi
    if kill -0 "$pid" 2>/dev/null; then
      # pg_ctl could not stop it (gone binaries, another user): the postmaster by its
      # recorded pid, checked to still be a postgres process.
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    fi
    log "stopped the server on 127.0.0.1:$PORT"
  fi
  rm -rf "$STATE"
  log "removed $STATE"
}

# ---- start --------------------------------------------------------------------------
start() {
  if [ -f "$MARKER" ] && running && [ -s "$PASSWORD_FILE" ]; then
    log "already running from $STATE"
    url
    return 0
  fi
  stop
  need_bin
  choose_user
  log "PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') from $BIN${RUN_AS:+, as $RUN_AS}"

  mkdir -p "$STATE" "$SOCKETS"
  touch "$MARKER"
  chmod 700 "$STATE" "$SOCKETS"
  # Letters and digits only, so the URL needs no escaping.
  local password
  password="$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n' | cut -c1-32)"
  ( umask 077; printf '%s' "$password" > "$PASSWORD_FILE" )
  [ -z "$RUN_AS" ] || chown -R "$RUN_AS:" "$STATE"

  log "initdb $DATA"
  # The socket only the server's user can reach (trust); TCP needs the password.
  as_server "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C >"$STATE/initdb.log" 2>&1 \
    || { tail -20 "$STATE/initdb.log" >&2; die "initdb failed; see $STATE/initdb.log"; }
  cat >> "$DATA/postgresql.conf" <<CONF

# user-provisioner CI: loopback only, its own port and socket, no durability needed.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$SOCKETS'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF

  log "starting postgres on 127.0.0.1:$PORT"
  as_server "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null \
    || { tail -20 "$LOG" >&2 || true; die "the server did not start; see $LOG"; }

  if command -v ss >/dev/null; then
    if ss -Hltn "sport = :$PORT" | awk '{print $4}' | grep -vq '^127\.0\.0\.1:'; then
      ss -ltn "sport = :$PORT" >&2
      die "the server listens beyond loopback"
    fi
  fi

  psql_admin <<SQL
CREATE ROLE $ROLE LOGIN CREATEDB PASSWORD '$password';
CREATE DATABASE $DB OWNER $ROLE;
SQL
  # The URL works over TCP with the password, as the tests will use it.
  PGPASSWORD="$password" "$PSQL" -X -q -v ON_ERROR_STOP=1 \
    "postgresql://$ROLE@127.0.0.1:$PORT/$DB" -c 'SELECT 1' >/dev/null \
    || die "could not connect as $ROLE over 127.0.0.1:$PORT"
  log "database $DB and role $ROLE ready"
  url
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
