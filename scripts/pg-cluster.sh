#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: never a server of the developer's.
#
#   scripts/pg-cluster.sh start DIR [PID]   initdb into DIR/data, start the server listening only
#                                           on a Unix socket in DIR, print its connection string
#                                           (the one line on stdout). With PID, a watchdog stops
#                                           the server and removes DIR once PID has exited, so a
#                                           test run that crashes leaves nothing running.
#   scripts/pg-cluster.sh halt DIR          stop the server, keeping its data (outage tests).
#   scripts/pg-cluster.sh resume DIR        start a halted server again.
#   scripts/pg-cluster.sh stop DIR          stop the server and remove DIR.
#
# Installs Debian's `postgresql` package when initdb is missing. The server refuses to run as
# root: as root, DIR is handed to the `postgres` system user (the package creates it) and the
# server runs as that user. Tuned for tests (fsync off): never point it at data you keep.
set -euo pipefail
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

find_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null && { dirname "$(command -v initdb)"; return 0; }
    return 1
}

bin=$(find_bin || true)
if [ -z "$bin" ]; then
    echo "pg-cluster: installing PostgreSQL (Debian's postgresql package)" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    bin=$(find_bin)
fi

# Runs a command as the server's user: `postgres` when we are root, else ourselves.
as_server_user() {
    if [ "$(id -u)" = 0 ]; then
        if command -v runuser >/dev/null; then
            runuser -u postgres -- "$@"
        else
            setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"
        fi
    else
        "$@"
    fi
}

# Starts the server of an initialised DIR. Only a Unix socket in DIR: no port to collide with,
# no network exposure.
start_server() {
    as_server_user "$bin/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 start \
        -o "-c listen_addresses='' -k $1 -p 5432 -c fsync=off -c synchronous_commit=off \
            -c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB" >/dev/null ||
        { cat "$1/server.log" >&2; exit 1; }
}

cmd=${1:-}
dir=${2:-}
[ -n "$dir" ] || { echo "usage: $0 start|halt|resume|stop DIR [PID]" >&2; exit 2; }

[ "$cmd" = start ] && mkdir -p "$dir"
[ -d "$dir" ] && dir=$(cd "$dir" && pwd)
# The server's user may not be allowed into the caller's directory (a clone under /root).
cd /

case "$cmd" in
start)
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    chmod 700 "$dir"
    as_server_user "$bin/initdb" -D "$dir/data" --auth=trust --username=postgres \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
        as_server_user "$bin/initdb" -D "$dir/data" --auth=trust --username=postgres \
            --encoding=UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; exit 1; }
    start_server "$dir"
    if [ -n "${3:-}" ]; then
        watched=$3
        # Detached from our stdout, so that whoever reads the connection string is not held.
        setsid bash -c "while kill -0 $watched 2>/dev/null; do sleep 1; done
            \"$self\" stop \"$dir\"" </dev/null >/dev/null 2>&1 &
    fi
    echo "host=$dir port=5432 user=postgres dbname=postgres"
    ;;
halt)
    # The server goes down (fast shutdown: open transactions are rolled back), its data stays.
    as_server_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
resume)
    start_server "$dir"
    ;;
stop)
    if [ -d "$dir/data" ]; then
        as_server_user "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
*)
    echo "usage: $0 start|halt|resume|stop DIR [PID]" >&2
    exit 2
    ;;
esac
