#!/usr/bin/env bash
# Run a command against a throw-away PostgreSQL server.
#
#   scripts/with-postgres.sh <command> [args...]
#
# Starts a private PostgreSQL cluster in a temporary directory (listening on
# 127.0.0.1 only, on a random free port), creates the database "peaceops",
# exports DATABASE_URL=postgres://postgres@127.0.0.1:PORT/peaceops, runs the
# command, then stops the server and deletes the directory whatever happens.
# Exits with the command's exit status.
#
# Server binaries come from /usr/lib/postgresql/<highest version >= 15>/bin,
# else from PATH; if neither has them, Debian's "postgresql" package is
# installed with apt-get. The distribution's own cluster/service is never used.
set -euo pipefail

readonly MIN_MAJOR=15
readonly DB_NAME=peaceops
readonly PORT_ATTEMPTS=10

log() { printf 'with-postgres: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

if [[ $# -eq 0 ]]; then
    printf 'usage: %s <command> [args...]\n' "${0##*/}" >&2
    exit 2
fi

# --- 1. locate the server binaries -------------------------------------------

# Print the bin dir of the highest /usr/lib/postgresql/<ver> >= MIN_MAJOR, or
# else the dir holding initdb on PATH (if pg_ctl and postgres sit beside it).
find_bindir() {
    local dir ver best=""
    for dir in /usr/lib/postgresql/*/bin; do
        [[ -x $dir/initdb && -x $dir/pg_ctl && -x $dir/postgres ]] || continue
        ver=${dir#/usr/lib/postgresql/}
        ver=${ver%/bin}
        [[ $ver =~ ^[0-9]+ ]] || continue
        (( BASH_REMATCH[0] >= MIN_MAJOR )) || continue
        best+="$ver"$'\n'
    done
    if [[ -n $best ]]; then
        printf '/usr/lib/postgresql/%s/bin\n' "$(printf '%s' "$best" | sort -V | tail -n 1)"
        return 0
    fi
    local initdb
    if initdb=$(command -v initdb); then
        dir=$(dirname -- "$initdb")
        if [[ -x $dir/pg_ctl && -x $dir/postgres ]]; then
            printf '%s\n' "$dir"
            return 0
        fi
    fi
    return 1
}

install_postgres() {
    local -a sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 \
            || die "PostgreSQL server binaries not found, and not root and no sudo to install them"
        sudo=(sudo)
    fi
    command -v apt-get >/dev/null 2>&1 \
        || die "PostgreSQL server binaries not found and apt-get is unavailable; install PostgreSQL >= $MIN_MAJOR"
    log "PostgreSQL server binaries not found; installing Debian package 'postgresql'"
    # The package may create/start its own "main" cluster; we leave it alone.
    if ! { "${sudo[@]}" apt-get update -qq >&2 \
            && "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2; }; then
        die "could not install the 'postgresql' package"
    fi
}

if ! bindir=$(find_bindir); then
    install_postgres
    bindir=$(find_bindir) || die "PostgreSQL server binaries still not found after installing 'postgresql'"
fi
major=$("$bindir/postgres" --version | sed -n 's/.*PostgreSQL) \([0-9]*\).*/\1/p')
if [[ -n $major ]] && (( major < MIN_MAJOR )); then
    log "warning: using PostgreSQL $major from $bindir (expected >= $MIN_MAJOR)"
fi

# psql for creating the database; prefer the one matching the server.
psql_bin=$bindir/psql
[[ -x $psql_bin ]] || psql_bin=$(command -v psql) || die "psql not found"

# --- 2./3. who runs the server ------------------------------------------------

# PostgreSQL refuses to run as root, so as root use the "postgres" system user
# (or create "peaceops-pg" if there is none).
run_as=()
if [[ $(id -u) -eq 0 ]]; then
    pg_user=postgres
    if ! id -u "$pg_user" >/dev/null 2>&1; then
        pg_user=peaceops-pg
        if ! id -u "$pg_user" >/dev/null 2>&1; then
            useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user" \
                || die "could not create system user $pg_user"
        fi
    fi
    if command -v runuser >/dev/null 2>&1; then
        run_as=(runuser -u "$pg_user" --)
    else
        # su passes the words after the user to the shell as "$0" "$@";
        # "--" stops su from parsing them as its own options.
        # shellcheck disable=SC2016 # expanded by that shell, not here
        run_as=(su -s /bin/sh -c 'exec "$0" "$@"' -- "$pg_user")
    fi
fi

# Run a server-side tool as the server's user, from inside the temp dir (the
# caller's cwd may not be readable by that user).
as_pg() { (cd "$tmpdir" && "${run_as[@]}" "$@"); }

# --- 6. cleanup, installed before anything is created -------------------------

tmpdir=""
candidate=""
port=""
# shellcheck disable=SC2317 # reached through the trap below
cleanup() {
    local rc=$?
    trap '' INT TERM # do not let a second Ctrl-C interrupt the cleanup
    [[ -n $tmpdir ]] || exit "$rc"
    # Stop the server if one runs (postmaster.pid also covers a start that
    # timed out but left a server behind), then delete the directory; retry a
    # few times in case a server still starting up was writing to it.
    local try
    for try in 1 2 3 4 5; do
        if [[ -f $tmpdir/data/postmaster.pid ]]; then
            if ! as_pg "$bindir/pg_ctl" -D "$tmpdir/data" -m fast -w -t 30 stop >/dev/null 2>&1; then
                as_pg "$bindir/pg_ctl" -D "$tmpdir/data" -m immediate -w -t 10 stop >/dev/null 2>&1 || true
            fi
            log "PostgreSQL on 127.0.0.1:${port:-$candidate} stopped"
        fi
        rm -rf -- "$tmpdir" 2>/dev/null && break
        (( try < 5 )) && sleep 1
    done
    [[ -d $tmpdir ]] && log "warning: could not delete $tmpdir"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 2. create the cluster ----------------------------------------------------

tmpdir=$(mktemp -d -t with-postgres.XXXXXXXX)
if (( ${#run_as[@]} )); then
    chown "$pg_user" "$tmpdir"
fi

initdb_opts=(-D "$tmpdir/data" -A trust -E UTF8 -U postgres --no-sync)
if ! as_pg "$bindir/initdb" "${initdb_opts[@]}" --locale=C.UTF-8 >"$tmpdir/initdb.log" 2>&1; then
    # Fall back for systems without a C.UTF-8 locale.
    rm -rf -- "$tmpdir/data"
    as_pg "$bindir/initdb" "${initdb_opts[@]}" --no-locale >"$tmpdir/initdb.log" 2>&1 || {
        tail -n 30 "$tmpdir/initdb.log" >&2
        die "initdb failed"
    }
fi

# Listen on 127.0.0.1 only, socket in the temp dir; durability off for speed.
cat >>"$tmpdir/data/postgresql.conf" <<EOF

# --- with-postgres.sh ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$tmpdir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
shared_buffers = 128MB
EOF

# --- 4. start the server on a free port ---------------------------------------

# True if nothing listens on 127.0.0.1:$1 (assumed free without python3;
# postgres then fails to bind and we retry).
port_free() {
    command -v python3 >/dev/null 2>&1 || return 0
    python3 - "$1" <<'PY' 2>/dev/null
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
finally:
    s.close()
PY
}

for (( attempt = 1; attempt <= PORT_ATTEMPTS; attempt++ )); do
    candidate=$(( 20000 + RANDOM % 20001 ))
    port_free "$candidate" || continue
    : >"$tmpdir/server.log"
    if ((${#run_as[@]})); then chown "$pg_user" "$tmpdir/server.log"; fi
    if as_pg "$bindir/pg_ctl" -D "$tmpdir/data" -o "-p $candidate" -w -t 60 \
            -l "$tmpdir/server.log" start >/dev/null 2>&1; then
        port=$candidate
        break
    fi
    # Someone grabbed the port between the check and the start: try another.
    grep -q 'could not bind\|Address already in use' "$tmpdir/server.log" && continue
    tail -n 30 "$tmpdir/server.log" >&2
    die "PostgreSQL failed to start (see log above)"
done
[[ -n $port ]] || die "no free port found in 20000-40000 after $PORT_ATTEMPTS attempts"

# --- 5. create the database ---------------------------------------------------

psql_admin=("$psql_bin" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres -d postgres)
"${psql_admin[@]}" -c "CREATE DATABASE $DB_NAME" >/dev/null \
    || die "could not create database $DB_NAME"
version=$("${psql_admin[@]}" -At -c 'SHOW server_version')

# --- 7. run the command -------------------------------------------------------

log "PostgreSQL $version on 127.0.0.1:$port"
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/$DB_NAME"

status=0
"$@" || status=$?
exit "$status"
