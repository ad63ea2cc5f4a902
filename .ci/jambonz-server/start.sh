#!/usr/bin/env bash
# Starts the real open-source jambonz API server (jambonz-api-server v0.9.6, MIT licence)
# on loopback, with its own MariaDB and Redis, seeded with the server's own SQL files. For
# the tests that must be judged by the real server rather than by the crate's emulator
# (README, "Against the real jambonz server").
#
#   .ci/jambonz-server/start.sh     # prints the env file's path last; source it for the tests
#
# The server's source is not part of this repository. It is taken from
#   1. $JAMBONZ_SERVER_SRC: the release tarball, or a folder holding the unpacked source
#      (a checkout of the tag v0.9.6 of the jambonz-api-server repository); else
#   2. ../shared/servers/jambonz/jambonz-api-server-v0.9.6.tar.gz beside the repository
#      (where the project's developers and CI have it).
#
# Installs what it needs itself (apt: mariadb-server, redis-server; npm: the server's
# dependencies), so it runs on a fresh machine. Writes nothing beside itself: state
# (unpacked source, node modules, database, logs, PIDs, env file) lives under
# $JAMBONZ_SERVER_STATE (default /tmp/jambonz-server). stop.sh stops exactly the
# processes started here.
#
# Env file: JAMBONZ_BASE_URL, JAMBONZ_API_KEY (admin), JAMBONZ_ACCOUNT_API_KEY,
# JAMBONZ_ACCOUNT_SID, JAMBONZ_SERVICE_PROVIDER_SID, JAMBONZ_SERVER_VERSION,
# JAMBONZ_SERVER_LOG, JAMBONZ_DB_SOCKET, JAMBONZ_DB_NAME.
#
# Knobs: JAMBONZ_SERVER_HTTP_PORT (3000), JAMBONZ_SERVER_DB_PORT (13306),
# JAMBONZ_SERVER_REDIS_PORT (16379), JAMBONZ_SERVER_RATE_LIMIT (requests per window,
# default 100000; the server's own default is 600), JAMBONZ_SERVER_RATE_WINDOW_MINS (5),
# JAMBONZ_SERVER_BUILD (where the source is unpacked and its node modules installed;
# default $STATE/src, share it between two states to skip a second npm install),
# JAMBONZ_SERVER_API_ONLY=1 (restart only the API server, keeping the database and
# Redis, e.g. after a request crashed it).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SHARED_TARBALL="$HERE/../../../shared/servers/jambonz/jambonz-api-server-v0.9.6.tar.gz"
ORIGIN="${JAMBONZ_SERVER_SRC:-$SHARED_TARBALL}"
STATE="${JAMBONZ_SERVER_STATE:-/tmp/jambonz-server}"
SRC="${JAMBONZ_SERVER_BUILD:-$STATE/src}"
HTTP_PORT="${JAMBONZ_SERVER_HTTP_PORT:-3000}"
DB_PORT="${JAMBONZ_SERVER_DB_PORT:-13306}"
REDIS_PORT="${JAMBONZ_SERVER_REDIS_PORT:-16379}"
RATE_LIMIT="${JAMBONZ_SERVER_RATE_LIMIT:-100000}"
RATE_WINDOW_MINS="${JAMBONZ_SERVER_RATE_WINDOW_MINS:-5}"
API_ONLY="${JAMBONZ_SERVER_API_ONLY:-0}"
# Used only when `npm ci` fails because the registry lacks a locked version: the lock
# file is dropped and these versions (which the registry has) are pinned. None of them
# serves /v1/Users.
NPM_PINS="${JAMBONZ_SERVER_NPM_PINS:-@jambonz/speech-utils=0.2.27 @jambonz/time-series=0.2.16 @jambonz/verb-specifications=0.0.122}"
ENV_FILE="$STATE/env"
PIDS="$STATE/pids"
DB_NAME=jambones
DB_USER=jambones
DB_PASS=jambones
SOCK="$STATE/mysqld.sock"
T0=$(date +%s)

log() { printf '[jambonz-server %3ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
pid_of() { [ -f "$PIDS" ] && awk -v n="$1" '$1==n {print $2}' "$PIDS" | tail -1; }
mysql_root() { mariadb --no-defaults --socket="$SOCK" -u root "$@"; }

mkdir -p "$STATE"

# ---- already running? -------------------------------------------------------------
if [ "$API_ONLY" = 1 ]; then
  alive "$(pid_of mariadbd)" && alive "$(pid_of redis-server)" || {
    echo "JAMBONZ_SERVER_API_ONLY=1 needs MariaDB and Redis from an earlier start.sh" >&2; exit 1; }
  if alive "$(pid_of api-server)"; then echo "the API server is still running" >&2; exit 1; fi
else
  for name in mariadbd redis-server api-server; do
    if alive "$(pid_of "$name")"; then
      echo "$name from an earlier start.sh is still running (see $PIDS); run stop.sh first" >&2
      exit 1
    fi
  done
  : > "$PIDS"
fi

# ---- packages ---------------------------------------------------------------------
if [ "$API_ONLY" != 1 ]; then
  need=()
  command -v mariadbd >/dev/null || need+=(mariadb-server mariadb-client)
  command -v redis-server >/dev/null || need+=(redis-server)
  command -v curl >/dev/null || need+=(curl)
  command -v node >/dev/null && command -v npm >/dev/null || need+=(nodejs npm)
  if [ ${#need[@]} -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  fi
fi

# ---- source and node modules ------------------------------------------------------
if [ -f "$ORIGIN" ]; then
  STAMP="$(sha256sum "$ORIGIN" | cut -c1-16)"
elif [ -f "$ORIGIN/package.json" ]; then
  # A folder: its manifest and lock file name what gets installed.
  STAMP="$(cat "$ORIGIN/package.json" "$ORIGIN/package-lock.json" 2>/dev/null | sha256sum | cut -c1-16)"
elif [ -f "$SRC/.stamp" ]; then
  # Unpacked by an earlier start.sh (JAMBONZ_SERVER_API_ONLY=1 restarts, say): keep it.
  STAMP="$(cat "$SRC/.stamp")"
else
  echo "no jambonz-api-server source at $ORIGIN: set JAMBONZ_SERVER_SRC to the v0.9.6" \
    "release tarball or to a folder with its source (README, \"Against the real jambonz server\")" >&2
  exit 1
fi
if [ ! -f "$SRC/.stamp" ] || [ "$(cat "$SRC/.stamp")" != "$STAMP" ]; then
  log "unpacking $ORIGIN to $SRC"
  rm -rf "$SRC"; mkdir -p "$SRC"
  if [ -f "$ORIGIN" ]; then
    tar -xzf "$ORIGIN" -C "$SRC"
    # A release tarball made by the code host holds one top folder; the shared one does not.
    if [ ! -f "$SRC/package.json" ] && [ "$(ls -A "$SRC" | wc -l)" = 1 ] && [ -d "$SRC/$(ls -A "$SRC")" ]; then
      top="$SRC/$(ls -A "$SRC")"
      (cd "$top" && tar -cf - .) | tar -xf - -C "$SRC"
      rm -rf "$top"
    fi
  else
    (cd "$ORIGIN" && tar --exclude=./node_modules --exclude=./.git -cf - .) | tar -xf - -C "$SRC"
  fi
  echo "$STAMP" > "$SRC/.stamp"
fi
VERSION="$(node -p "require('$SRC/package.json').version")"
if [ ! -f "$SRC/node_modules/.setup-ok" ]; then
  log "npm ci (jambonz-api-server $VERSION)"
  if ! (cd "$SRC" && npm ci --no-audit --no-fund >"$STATE/npm.log" 2>&1); then
    log "npm ci failed ($(grep -m1 -o '404 Not Found - GET [^ ]*' "$STATE/npm.log" || echo 'see npm.log'));" \
        "npm install without the lock file, pinning: $NPM_PINS"
    (cd "$SRC" && [ -f package-lock.json ] && mv package-lock.json package-lock.upstream.json) || true
    rm -rf "$SRC/node_modules"
    (cd "$SRC" && PINS="$NPM_PINS" node -e '
      const fs = require("fs");
      const p = JSON.parse(fs.readFileSync("package.json"));
      for (const pin of process.env.PINS.split(/\s+/).filter(Boolean)) {
        const i = pin.lastIndexOf("="); const name = pin.slice(0, i), v = pin.slice(i + 1);
        if (p.dependencies[name] !== undefined) { p.dependencies[name] = v; }
      }
      fs.writeFileSync("package.json", JSON.stringify(p, null, 2) + "\n");')
    (cd "$SRC" && npm install --no-audit --no-fund >>"$STATE/npm.log" 2>&1) || {
      echo "npm install failed; see $STATE/npm.log" >&2; tail -20 "$STATE/npm.log" >&2; exit 1; }
  fi
  (cd "$SRC" && node -e "require('argon2')") || { echo "argon2 native module does not load" >&2; exit 1; }
  touch "$SRC/node_modules/.setup-ok"
fi

# ---- MariaDB and Redis ------------------------------------------------------------
if [ "$API_ONLY" != 1 ]; then
  rm -rf "$STATE/mariadb"
  log "mariadb-install-db"
  mariadb-install-db --no-defaults --user=root --datadir="$STATE/mariadb" \
    --auth-root-authentication-method=normal --skip-test-db >"$STATE/mariadb-install.log" 2>&1
  log "starting mariadbd on 127.0.0.1:$DB_PORT"
  nohup mariadbd --no-defaults --user=root --datadir="$STATE/mariadb" \
    --bind-address=127.0.0.1 --port="$DB_PORT" --socket="$SOCK" \
    --pid-file="$STATE/mariadbd.pid" --log-error="$STATE/mariadb.log" >/dev/null 2>&1 &
  echo "mariadbd $!" >> "$PIDS"
  for _ in $(seq 1 60); do mysql_root -e 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done
  mysql_root -e 'select 1' >/dev/null

  log "starting redis-server on 127.0.0.1:$REDIS_PORT"
  nohup redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no \
    --dir "$STATE" --protected-mode yes >"$STATE/redis.log" 2>&1 &
  echo "redis-server $!" >> "$PIDS"
  for _ in $(seq 1 40); do redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.25; done
  redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null

  # The same files the server's installer (db/upgrade-jambonz-db.js) and its CI
  # (test/create-test-db.js) load: schema, open-source seed (permissions, one service
  # provider and account, an admin API key and an account API key), and the admin user.
  log "creating database $DB_NAME from $SRC/db"
  mysql_root <<SQL
CREATE DATABASE $DB_NAME;
CREATE USER '$DB_USER'@'localhost' IDENTIFIED BY '$DB_PASS';
CREATE USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'localhost';
GRANT ALL ON $DB_NAME.* TO '$DB_USER'@'127.0.0.1';
SQL
  mysql_root -D "$DB_NAME" < "$SRC/db/jambones-sql.sql"
  mysql_root -D "$DB_NAME" < "$SRC/db/seed-production-database-open-source.sql"
  mysql_root -D "$DB_NAME" < "$SRC/db/create-admin-user.sql"
  mysql_root -D "$DB_NAME" -e "INSERT INTO schema_version (version) VALUES ('$VERSION')"
fi

q() { mysql_root -D "$DB_NAME" -N -B -e "$1"; }
ADMIN_KEY="$(q "SELECT token FROM api_keys WHERE account_sid IS NULL AND service_provider_sid IS NULL LIMIT 1")"
ACCOUNT_KEY="$(q "SELECT token FROM api_keys WHERE account_sid IS NOT NULL LIMIT 1")"
ACCOUNT_SID="$(q "SELECT account_sid FROM accounts LIMIT 1")"
SP_SID="$(q "SELECT service_provider_sid FROM service_providers LIMIT 1")"
[ -n "$ADMIN_KEY" ] || { echo "no admin api key in api_keys" >&2; exit 1; }

# ---- the API server ---------------------------------------------------------------
SECRET_FILE="$STATE/jwt-secret"
[ -s "$SECRET_FILE" ] || (head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$SECRET_FILE")
log "starting jambonz-api-server $VERSION on 127.0.0.1:$HTTP_PORT"
(
  cd "$SRC"
  export JAMBONES_MYSQL_HOST=127.0.0.1 JAMBONES_MYSQL_PORT="$DB_PORT" \
    JAMBONES_MYSQL_USER="$DB_USER" JAMBONES_MYSQL_PASSWORD="$DB_PASS" \
    JAMBONES_MYSQL_DATABASE="$DB_NAME" JAMBONES_REDIS_HOST=127.0.0.1 \
    JAMBONES_REDIS_PORT="$REDIS_PORT" JAMBONES_TIME_SERIES_HOST=127.0.0.1 \
    JWT_SECRET="$(cat "$SECRET_FILE")" ENCRYPTION_SECRET="$(cat "$SECRET_FILE")" \
    HTTP_PORT="$HTTP_PORT" JAMBONES_LOGLEVEL="${JAMBONES_LOGLEVEL:-info}" \
    RATE_LIMIT_MAX_PER_WINDOW="$RATE_LIMIT" RATE_LIMIT_WINDOWS_MINS="$RATE_WINDOW_MINS" \
    BIND_HOST=127.0.0.1
  # bind-loopback.js makes app.listen(PORT) listen on 127.0.0.1 instead of all interfaces.
  exec nohup node -r "$HERE/bind-loopback.js" app.js >>"$STATE/api-server.log" 2>&1
) &
echo "api-server $!" >> "$PIDS"

BASE="http://127.0.0.1:$HTTP_PORT/v1"
code=000
for _ in $(seq 1 120); do
  code="$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $ADMIN_KEY" "$BASE/Users" || true)"
  [ "$code" = 200 ] && break
  alive "$(pid_of api-server)" || { echo "the API server exited; see $STATE/api-server.log" >&2; tail -20 "$STATE/api-server.log" >&2; exit 1; }
  sleep 0.5
done
[ "$code" = 200 ] || { echo "GET /v1/Users answered $code; see $STATE/api-server.log" >&2; exit 1; }
if command -v ss >/dev/null; then
  if ss -Hltn "sport = :$HTTP_PORT" | awk '{print $4}' | grep -vq '^127\.0\.0\.1:'; then
    echo "the API server listens beyond loopback:" >&2; ss -ltn "sport = :$HTTP_PORT" >&2; exit 1
  fi
fi

# smoke test: POST /v1/Users with the admin token, then delete the user again
n="setup-smoke-$$-$(date +%s)"
created="$(curl -s -w ' %{http_code}' -X POST "$BASE/Users" -H "Authorization: Bearer $ADMIN_KEY" \
  -H 'Content-Type: application/json' \
  -d "{\"name\":\"$n\",\"email\":\"$n@example.com\",\"initial_password\":\"Smoke12345!\",\"force_change\":false,\"is_active\":true}")"
case "$created" in
  *' 201') sid="$(node -p "JSON.parse(process.argv[1]).user_sid" "${created% 201}")"
           curl -s -o /dev/null -X DELETE "$BASE/Users/$sid" -H "Authorization: Bearer $ADMIN_KEY"
           log "POST /v1/Users -> 201 ($sid), deleted again" ;;
  *) echo "smoke POST /v1/Users answered: $created" >&2; exit 1 ;;
esac

cat > "$ENV_FILE" <<EOF
# written by start.sh $(date -u +%FT%TZ); jambonz-api-server $VERSION
JAMBONZ_BASE_URL=$BASE
JAMBONZ_API_KEY=$ADMIN_KEY
JAMBONZ_ACCOUNT_API_KEY=$ACCOUNT_KEY
JAMBONZ_ACCOUNT_SID=$ACCOUNT_SID
JAMBONZ_SERVICE_PROVIDER_SID=$SP_SID
JAMBONZ_SERVER_VERSION=$VERSION
JAMBONZ_SERVER_LOG=$STATE/api-server.log
JAMBONZ_DB_SOCKET=$SOCK
JAMBONZ_DB_NAME=$DB_NAME
EOF
log "ready: $BASE (PIDs in $PIDS)"
echo "$ENV_FILE"
