#!/usr/bin/env bash
# Two throwaway SCIM 2.0 servers (scim2-server, in memory) for the SCIM adapter's tests
# against a real server, on loopback only.
#
#   eval "$(.ci/scim-server.sh start)"  # installs scim2-server if missing, starts both
#                                       # servers, prints export lines for them last
#   .ci/scim-server.sh env              # prints the export lines of the running servers
#   .ci/scim-server.sh stop             # stops both (also what an interrupted run left);
#                                       # nothing to stop is fine
#   .ci/scim-server.sh stop --purge     # the same, and removes the virtual environment
#
# The servers:
#   full      127.0.0.1:$USER_PROVISIONER_CI_SCIM_PORT (default 18091): every feature
#             scim2-server announces by default (patch, etag, filter, sort, bulk,
#             changePassword).
#   put-only  127.0.0.1:$USER_PROVISIONER_CI_SCIM_PUT_ONLY_PORT (default 18092): announces
#             patch, etag, changePassword and bulk unsupported
#             (tests/fixtures/scim-server/put-only-config.json), so updates must be PUTs,
#             and serves a smaller User schema (schemas-small.json), as many applications
#             do: no nickName, phoneNumbers, roles, entitlements, ims, photos or
#             x509Certificates,
#             and emails required.
# Both accept one random bearer token, drawn at each start, and nothing else; both serve
# the RFC 7643 schemas (the User one as above) plus an extension the client does not
# know, urn:example:params:scim:schemas:extension:acme:2.0:User (tests/fixtures/scim-server/).
# The token is on the servers' command lines, as scim2-server takes it no other way; it
# opens nothing but these two loopback servers and is drawn again at each start.
# The bearer token scheme is not in put-only-config.json: --bearer-token adds it to the
# announced configuration, and listing it there too would announce it twice.
#
# Everything lives in $USER_PROVISIONER_CI_SCIM_STATE (default
# /tmp/user-provisioner-ci-scim): the virtual environment, the token, the logs and the
# pid files. The environment is kept across stops, as installing it is the slow part.
# $USER_PROVISIONER_CI_SCIM_PYTHON (default python3, 3.11 or later) makes it.
set -euo pipefail

STATE="${USER_PROVISIONER_CI_SCIM_STATE:-/tmp/user-provisioner-ci-scim}"
PORT="${USER_PROVISIONER_CI_SCIM_PORT:-18091}"
PUT_ONLY_PORT="${USER_PROVISIONER_CI_SCIM_PUT_ONLY_PORT:-18092}"
PYTHON="${USER_PROVISIONER_CI_SCIM_PYTHON:-python3}"
SCIM2_SERVER_VERSION=0.8.3
VENV="$STATE/venv"
# Written once pip has finished, so that a half-made environment is never used.
INSTALLED="$VENV/.user-provisioner-scim2-server-$SCIM2_SERVER_VERSION"
TOKEN_FILE="$STATE/token"
# Marks a folder this script made, so that `stop --purge` never removes anything else.
MARKER="$STATE/.user-provisioner-ci-scim"
FIXTURES="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/fixtures/scim-server"
INSTANCES="full put-only"
T0=$(date +%s)

log() { printf '[ci-scim %3ss] %s\n' "$(( $(date +%s) - T0 ))" "$*" >&2; }
die() { echo "ci-scim: $*" >&2; exit 1; }

port_of() { case "$1" in full) echo "$PORT" ;; put-only) echo "$PUT_ONLY_PORT" ;; esac; }
pid_file() { echo "$STATE/$1.pid"; }
log_file() { echo "$STATE/$1.log"; }

# A zombie counts as gone: the servers outlive the shell that started them, so their
# parent is init, which may take its time to reap them.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  # The state follows the command name, which is in parentheses and may hold spaces.
  [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" != Z ]
}

# The pid recorded for an instance, if that process is alive and still scim2-server (a
# recycled pid belongs to somebody else).
live_pid() {
  local file pid
  file="$(pid_file "$1")"
  [ -s "$file" ] || return 1
  pid="$(head -1 "$file" 2>/dev/null || true)"
  case "$pid" in ''|*[!0-9]*) return 1 ;; esac
  alive "$pid" || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q 'scim2-server' || return 1
  echo "$pid"
}

running() {
  local name
  [ -f "$MARKER" ] && [ -s "$TOKEN_FILE" ] || return 1
  for name in $INSTANCES; do live_pid "$name" >/dev/null || return 1; done
}

exports() {
  printf 'export USER_PROVISIONER_TEST_SCIM_URL=http://127.0.0.1:%s\n' "$PORT"
  printf 'export USER_PROVISIONER_TEST_SCIM_PUT_ONLY_URL=http://127.0.0.1:%s\n' "$PUT_ONLY_PORT"
  printf 'export USER_PROVISIONER_TEST_SCIM_TOKEN=%s\n' "$(cat "$TOKEN_FILE")"
}

env_cmd() {
  running || die "no servers running from $STATE (run: $0 start)"
  exports
}

# ---- stop: both servers, whatever a run left, the environment on --purge -----------
stop() {
  local purge="${1:-}" name pid
  if [ ! -e "$STATE" ]; then return 0; fi
  if [ ! -f "$MARKER" ] && [ -n "$(ls -A "$STATE" 2>/dev/null)" ]; then
    die "$STATE exists but was not made by this script; left alone"
  fi
  for name in $INSTANCES; do
    if pid="$(live_pid "$name")"; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do alive "$pid" || break; sleep 0.25; done
      if alive "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
      log "stopped $name on 127.0.0.1:$(port_of "$name") (pid $pid)"
    fi
    rm -f "$(pid_file "$name")"
  done
  rm -f "$TOKEN_FILE"
  if [ "$purge" = --purge ]; then
    rm -rf "$STATE"
    log "removed $STATE"
  elif [ -d "$VENV" ] && [ ! -f "$INSTALLED" ]; then
    # An install that was interrupted, or one of another version.
    rm -rf "$VENV"
    log "removed the unfinished environment $VENV"
  fi
}

# ---- the environment ----------------------------------------------------------------
need_venv() {
  if [ -f "$INSTALLED" ] && [ -x "$VENV/bin/scim2-server" ]; then return 0; fi
  command -v "$PYTHON" >/dev/null || die "$PYTHON not found (set USER_PROVISIONER_CI_SCIM_PYTHON)"
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || die "scim2-server $SCIM2_SERVER_VERSION needs Python 3.11 or later; $PYTHON is $("$PYTHON" --version 2>&1)"
  rm -rf "$VENV"
  log "creating $VENV"
  "$PYTHON" -m venv "$VENV" >"$STATE/venv.log" 2>&1 \
    || { tail -20 "$STATE/venv.log" >&2; die "$PYTHON -m venv failed (Debian: apt-get install python3-venv)"; }
  log "pip install scim2-server==$SCIM2_SERVER_VERSION"
  "$VENV/bin/python" -m pip install --disable-pip-version-check -q \
    "scim2-server==$SCIM2_SERVER_VERSION" >>"$STATE/venv.log" 2>&1 \
    || { tail -20 "$STATE/venv.log" >&2; die "pip install failed; see $STATE/venv.log"; }
  [ -x "$VENV/bin/scim2-server" ] || die "pip installed scim2-server but no $VENV/bin/scim2-server"
  touch "$INSTALLED"
}

# ---- start --------------------------------------------------------------------------
answers() {
  curl -fsS --max-time 2 -H "Authorization: Bearer $(cat "$TOKEN_FILE")" \
    "http://127.0.0.1:$1$2" 2>/dev/null
}

launch() {
  local name="$1" port
  port="$(port_of "$name")"
  shift
  log "starting $name on 127.0.0.1:$port"
  # stdin, stdout and stderr away from the caller's, so that `$(... start)` returns; its
  # own session, so that the caller's Ctrl-C or exiting terminal does not reach it. The
  # shell records its own pid and becomes the server, whatever setsid does about forking.
  setsid sh -c 'echo $$ > "$0"; exec "$@"' "$(pid_file "$name")" \
    "$VENV/bin/scim2-server" --hostname 127.0.0.1 --port "$port" \
    --bearer-token "$(cat "$TOKEN_FILE")" \
    --resource-type "$FIXTURES/resource-types.json" \
    "$@" </dev/null >"$(log_file "$name")" 2>&1 &
}

wait_ready() {
  local name="$1" port deadline
  port="$(port_of "$name")"
  deadline=$(( $(date +%s) + 30 ))
  while :; do
    # The pid file is written by the launched shell, so it may be a moment late.
    if [ -s "$(pid_file "$name")" ] && ! live_pid "$name" >/dev/null; then
      tail -20 "$(log_file "$name")" >&2 || true
      die "$name exited; see $(log_file "$name")"
    fi
    if live_pid "$name" >/dev/null && answers "$port" /ServiceProviderConfig >/dev/null; then
      return 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      tail -20 "$(log_file "$name")" >&2 || true
      die "$name did not answer on 127.0.0.1:$port within 30 s; see $(log_file "$name")"
    fi
    sleep 0.25
  done
}

start() {
  local name port file user_type config
  if running; then
    log "already running from $STATE"
    exports
    return 0
  fi
  stop
  for file in schemas.json schemas-small.json resource-types.json put-only-config.json; do
    [ -f "$FIXTURES/$file" ] || die "missing fixture $FIXTURES/$file"
  done
  command -v curl >/dev/null || die "curl is needed to check the servers"
  command -v setsid >/dev/null || die "setsid (util-linux) is needed to detach the servers"
  for name in $INSTANCES; do
    port="$(port_of "$name")"
    if curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$port/"; then
      die "something already listens on 127.0.0.1:$port (set USER_PROVISIONER_CI_SCIM_PORT / _PUT_ONLY_PORT)"
    fi
  done
  mkdir -p "$STATE"
  touch "$MARKER"
  chmod 700 "$STATE"
  need_venv
  log "scim2-server $("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("scim2-server"))') from $VENV"

  # Letters and digits only, so the export line needs no quoting.
  ( umask 077; head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n' | cut -c1-32 > "$TOKEN_FILE" )

  # A start that fails half-way stops what it started (the logs stay).
  trap 'rc=$?; [ "$rc" -eq 0 ] || (stop) >/dev/null 2>&1 || true; exit "$rc"' EXIT
  launch full --schema "$FIXTURES/schemas.json"
  launch put-only --schema "$FIXTURES/schemas-small.json" \
    --service-provider-config "$FIXTURES/put-only-config.json"
  for name in $INSTANCES; do wait_ready "$name"; done

  if command -v ss >/dev/null; then
    for name in $INSTANCES; do
      port="$(port_of "$name")"
      if ss -Hltn "sport = :$port" | awk '{print $4}' | grep -vq '^127\.0\.0\.1:'; then
        ss -ltn "sport = :$port" >&2
        die "$name listens beyond loopback"
      fi
    done
  fi

  # The fixtures took: the token opens the resources, the extension is served, and the
  # put-only server announces no PATCH.
  user_type="$(answers "$PORT" /ResourceTypes/User || true)"
  case "$user_type" in
    *'urn:example:params:scim:schemas:extension:acme:2.0:User'*) ;;
    *) die "full does not serve the acme extension with the token; see $(log_file full)" ;;
  esac
  config="$(answers "$PUT_ONLY_PORT" /ServiceProviderConfig | tr -d ' \n' || true)"
  case "$config" in
    *'"patch":{"supported":false'*) ;;
    *) die "put-only announces PATCH; see $(log_file put-only)" ;;
  esac
  trap - EXIT
  log "full on 127.0.0.1:$PORT, put-only on 127.0.0.1:$PUT_ONLY_PORT, ready"
  exports
}

case "${1:-}" in
  start) start ;;
  stop)
    case "${2:-}" in
      ''|--purge) stop "${2:-}" ;;
      *) echo "usage: $0 stop [--purge]" >&2; exit 2 ;;
    esac ;;
  env) env_cmd ;;
  *) echo "usage: $0 start|env|stop [--purge]" >&2; exit 2 ;;
esac
