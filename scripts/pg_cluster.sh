#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for the test suite.
#
#   scripts/pg_cluster.sh start    start a cluster (or reuse the running one), print its URL
#   scripts/pg_cluster.sh url      print the URL of the running cluster
#   scripts/pg_cluster.sh status   exit 0 if the cluster is running, 1 otherwise
#   scripts/pg_cluster.sh stop     stop the cluster and delete its directory (idempotent)
#   scripts/pg_cluster.sh bindir   print the directory holding the server binaries
#
# The cluster lives in a fresh temporary directory (/tmp/zgw-pg-XXXXXX), listens on 127.0.0.1 on
# a free port only, keeps its unix socket in the data directory and trusts every local
# connection. Only the URL goes to stdout; everything else goes to stderr, so
# `url=$(scripts/pg_cluster.sh start)` works.
#
# When run as root, initdb/pg_ctl run as the `postgres` system user (created if missing),
# because the server refuses to run as root. Any other user runs the binaries directly.
#
# Environment knobs:
#   PG_BINDIR           directory with initdb/pg_ctl/postgres (default: found automatically)
#   ZGW_PG_DB           database to create (default: zgw_gateway_test)
#   ZGW_PG_STATE_FILE   where the state (directory, port) is kept
#                       (default: ${TMPDIR:-/tmp}/zgw-pg-<uid>-<checksum of repo path>.state)
#   ZGW_PG_START_TIMEOUT  seconds to wait for the server to accept connections (default: 60)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DB_NAME="${ZGW_PG_DB:-zgw_gateway_test}"
SUPERUSER="postgres"
START_TIMEOUT="${ZGW_PG_START_TIMEOUT:-60}"
STATE_FILE="${ZGW_PG_STATE_FILE:-${TMPDIR:-/tmp}/zgw-pg-$(id -u)-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1).state}"

# Libpq settings from the caller's environment must not redirect our own client calls.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGOPTIONS PGDATA PGSSLMODE \
    PGPASSWORD PGPASSFILE PGCONNECT_TIMEOUT 2>/dev/null || true

log() { printf 'pg_cluster: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# --- locating the binaries -----------------------------------------------------------------

find_bindir() {
    local dir
    if [[ -n "${PG_BINDIR:-}" ]]; then
        [[ -x "$PG_BINDIR/initdb" ]] || return 1
        printf '%s\n' "$PG_BINDIR"
        return 0
    fi
    # On Debian, /usr/bin/pg_config from libpq-dev answers /usr/bin, which has no initdb:
    # only accept pg_config's answer when the server binaries are really there.
    if command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then
            printf '%s\n' "$dir"
            return 0
        fi
    fi
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | while read -r d; do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && printf '%s\n' "$d"
    done | tail -n 1)"
    if [[ -n "$dir" ]]; then
        printf '%s\n' "$dir"
        return 0
    fi
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
        return 0
    fi
    return 1
}

require_bindir() {
    BINDIR="$(find_bindir)" || die "no PostgreSQL server binaries found (install postgresql-15, or set PG_BINDIR)"
}

# A client tool: from the server bindir if present there, else from PATH.
client() {
    local tool="$1"
    shift
    if [[ -x "$BINDIR/$tool" ]]; then
        "$BINDIR/$tool" "$@"
    else
        "$tool" "$@"
    fi
}

# --- running as the cluster owner ------------------------------------------------------------

ensure_postgres_user() {
    if ! id -u "$SUPERUSER" >/dev/null 2>&1; then
        log "creating system user $SUPERUSER"
        useradd --system --user-group --no-create-home --home-dir /var/lib/postgresql \
            --shell /bin/sh "$SUPERUSER"
    fi
}

# Run a command as the owner of the cluster: the postgres user when we are root, ourselves
# otherwise. Runs from / so an unreadable working directory does not bother the tools.
as_owner() {
    if [[ "$(id -u)" -eq 0 ]]; then
        if command -v runuser >/dev/null 2>&1; then
            (cd / && runuser -u "$SUPERUSER" -- "$@")
        else
            local cmd
            printf -v cmd '%q ' "$@"
            (cd / && su -s /bin/sh "$SUPERUSER" -c "$cmd")
        fi
    else
        (cd / && "$@")
    fi
}

# --- state ---------------------------------------------------------------------------------

STATE_BASE=""
STATE_PORT=""
STATE_DB=""

read_state() {
    STATE_BASE=""
    STATE_PORT=""
    STATE_DB=""
    [[ -f "$STATE_FILE" ]] || return 1
    local key value
    while IFS='=' read -r key value; do
        case "$key" in
            base) STATE_BASE="$value" ;;
            port) STATE_PORT="$value" ;;
            db) STATE_DB="$value" ;;
        esac
    done <"$STATE_FILE"
    [[ -n "$STATE_BASE" && "$STATE_PORT" =~ ^[0-9]+$ && -n "$STATE_DB" ]]
}

write_state() {
    local tmp="$STATE_FILE.tmp.$$"
    printf 'base=%s\nport=%s\ndb=%s\n' "$1" "$2" "$3" >"$tmp"
    mv -f "$tmp" "$STATE_FILE"
}

url_for() { printf 'postgresql+asyncpg://%s@127.0.0.1:%s/%s\n' "$SUPERUSER" "$1" "$2"; }

is_ready() {
    client pg_isready -q -h 127.0.0.1 -p "$1" -U "$SUPERUSER" -d postgres -t 2 >/dev/null 2>&1
}

# Only ever delete directories this script created.
remove_base() {
    local base="$1"
    case "$base" in
        /*/zgw-pg-??????) ;;
        *) die "refusing to delete unexpected directory '$base'" ;;
    esac
    [[ -d "$base" ]] && rm -rf -- "$base"
    return 0
}

# Is the postmaster recorded in the data directory still alive? A zombie (killed, not yet
# reaped) counts as dead. Unknown (e.g. pid file unreadable) counts as alive.
postmaster_alive() {
    local pidfile="$1/data/postmaster.pid" pid state
    [[ -f "$pidfile" ]] || return 1
    pid="$(head -n 1 "$pidfile" 2>/dev/null)" || return 0
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    [[ -d "/proc/$pid" ]] || return 1
    state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null || true)"
    [[ "$state" != Z ]]
}

stop_server() {
    local data="$1/data"
    postmaster_alive "$1" || return 0
    require_bindir
    if ! as_owner "$BINDIR/pg_ctl" -D "$data" -m fast -w -t 30 stop >&2; then
        log "fast shutdown failed, trying immediate shutdown"
        as_owner "$BINDIR/pg_ctl" -D "$data" -m immediate -w -t 30 stop >&2 || true
    fi
}

# --- commands ------------------------------------------------------------------------------

cmd_stop() {
    if ! read_state; then
        [[ -f "$STATE_FILE" ]] && rm -f -- "$STATE_FILE"
        log "no cluster recorded in $STATE_FILE; nothing to stop"
        return 0
    fi
    log "stopping cluster in $STATE_BASE (port $STATE_PORT)"
    stop_server "$STATE_BASE"
    remove_base "$STATE_BASE"
    rm -f -- "$STATE_FILE"
    log "stopped and removed $STATE_BASE"
}

cmd_url() {
    read_state || die "no cluster recorded in $STATE_FILE (run: $0 start)"
    require_bindir
    is_ready "$STATE_PORT" || die "cluster recorded in $STATE_FILE is not accepting connections"
    url_for "$STATE_PORT" "$STATE_DB"
}

cmd_status() {
    if read_state; then
        require_bindir
        if is_ready "$STATE_PORT"; then
            log "running: $STATE_BASE on 127.0.0.1:$STATE_PORT"
            return 0
        fi
    fi
    log "not running"
    return 1
}

free_port() {
    python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# Start the server on $port; returns 0 when it accepts connections, 2 when the port was taken
# (caller retries with another port), 1 on any other failure.
try_start() {
    local base="$1" port="$2"
    local data="$base/data" logfile="$base/server.log"
    cat >"$data/zgw.conf" <<EOF
# Written by scripts/pg_cluster.sh: throwaway cluster for tests.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$data'
max_connections = 200
shared_buffers = 32MB
max_wal_size = 256MB
log_line_prefix = '%m [%p] '
EOF
    : >"$logfile"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown "$SUPERUSER:" "$data/zgw.conf" "$logfile"
    fi

    # -W: do not wait here; we poll pg_isready below with our own deadline.
    as_owner "$BINDIR/pg_ctl" -D "$data" -l "$logfile" -W start >&2 || return 1

    local deadline=$((SECONDS + START_TIMEOUT)) started=$SECONDS
    while ((SECONDS < deadline)); do
        # pg_isready alone could be answered by someone else's server on the same port, so also
        # require our postmaster to report "ready" in its pid file (line 8).
        if is_ready "$port" && [[ "$(sed -n 8p "$data/postmaster.pid" 2>/dev/null)" == ready* ]]; then
            return 0
        fi
        if grep -qE 'could not bind|could not create any TCP/IP sockets' "$logfile" 2>/dev/null; then
            log "port $port is taken"
            stop_server "$base"
            return 2
        fi
        # Give the postmaster a moment to write its pid file before declaring it dead.
        if ((SECONDS - started >= 3)); then
            local rc=0
            as_owner "$BINDIR/pg_ctl" -D "$data" status >/dev/null 2>&1 || rc=$?
            if ((rc == 3 || rc == 4)); then
                log "server exited during startup; log follows"
                tail -n 40 "$logfile" >&2 || true
                return 1
            fi
        fi
        sleep 0.2
    done
    log "server did not accept connections within ${START_TIMEOUT}s; log follows"
    tail -n 40 "$logfile" >&2 || true
    stop_server "$base"
    return 1
}

cmd_start() {
    require_bindir

    if read_state; then
        if is_ready "$STATE_PORT"; then
            log "already running: $STATE_BASE on 127.0.0.1:$STATE_PORT"
            url_for "$STATE_PORT" "$STATE_DB"
            return 0
        fi
        log "removing stale cluster $STATE_BASE"
        stop_server "$STATE_BASE" || true
        remove_base "$STATE_BASE"
        rm -f -- "$STATE_FILE"
    fi

    if [[ "$(id -u)" -eq 0 ]]; then
        ensure_postgres_user
    fi

    local base
    base="$(mktemp -d "${TMPDIR:-/tmp}/zgw-pg-XXXXXX")"
    chmod 700 "$base"
    if [[ "$(id -u)" -eq 0 ]]; then
        chown "$SUPERUSER:" "$base"
    fi
    # Clean up if anything below fails before the cluster is recorded.
    trap 'stop_server "'"$base"'" || true; remove_base "'"$base"'"' EXIT

    # C.UTF-8 is built into glibc >= 2.35; fall back to plain C elsewhere.
    local locale=C
    if locale -a 2>/dev/null | grep -qixE 'c\.utf-?8'; then
        locale=C.UTF-8
    fi
    log "initialising cluster in $base (PostgreSQL binaries: $BINDIR)"
    if ! as_owner "$BINDIR/initdb" -D "$base/data" -U "$SUPERUSER" --auth=trust \
        --encoding=UTF8 --locale="$locale" >"$base/initdb.log" 2>&1; then
        cat "$base/initdb.log" >&2
        die "initdb failed"
    fi
    printf "\ninclude 'zgw.conf'\n" >>"$base/data/postgresql.conf"

    local attempt port rc
    for attempt in 1 2 3 4 5; do
        port="$(free_port)"
        log "starting server on 127.0.0.1:$port (attempt $attempt)"
        rc=0
        try_start "$base" "$port" || rc=$?
        ((rc == 0)) && break
        ((rc == 2)) || die "server failed to start"
    done
    ((rc == 0)) || die "could not find a free port"

    client createdb -h 127.0.0.1 -p "$port" -U "$SUPERUSER" "$DB_NAME" >&2 \
        || die "createdb $DB_NAME failed"

    write_state "$base" "$port" "$DB_NAME"
    trap - EXIT
    log "ready: $base on 127.0.0.1:$port, database $DB_NAME"
    url_for "$port" "$DB_NAME"
}

cmd_bindir() {
    require_bindir
    printf '%s\n' "$BINDIR"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) cmd_url ;;
    status) cmd_status ;;
    bindir) cmd_bindir ;;
    *)
        echo "usage: $0 start|stop|url|status|bindir" >&2
        exit 2
        ;;
esac
