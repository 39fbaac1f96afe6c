#!/usr/bin/env bash
# Waits until a coordinator's admin API answers an authenticated GET /api/status, then prints the
# API's base URL (http://HOST:PORT). launch-local.sh and launch-hosts.sh start workers only after
# this, so that the coordinator alone pre-trains the base when it is not cached.
#
#   cluster-config/await-admin.sh --config FILE [--log FILE] [--pid PID] [--timeout SECONDS]
#
#   --config   the coordinator's HOCON file: fedlora.coordinator.admin.{host,port,token}
#   --log      the coordinator's log; needed when admin.port is 0 (any free port): the URL is then
#              read from the log's line "admin API and dashboard at http://HOST:PORT/"
#   --pid      give up (status 1) as soon as this process, the coordinator, has exited
#   --timeout  give up (status 1) after this many seconds (default 1800)
#
# Run it from the repository root. Needs curl.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fedlora="$(dirname "$here")/fedlora"

die() {
    echo "await-admin: $*" >&2
    exit 1
}

config=""
log=""
pid=""
timeout=1800
while [ $# -gt 0 ]; do
    [ $# -ge 2 ] || die "$1 needs a value"
    case "$1" in
        --config) config="$2" ;;
        --log) log="$2" ;;
        --pid) pid="$2" ;;
        --timeout) timeout="$2" ;;
        *) die "unknown argument '$1'" ;;
    esac
    shift 2
done
[ -n "$config" ] || die "--config FILE is required"
[[ "$timeout" =~ ^[0-9]+$ ]] || die "--timeout must be a number of seconds, got '$timeout'"

mapfile -t values < <("$fedlora" config get --config "$config" \
    fedlora.coordinator.admin.host fedlora.coordinator.admin.port fedlora.coordinator.admin.token)
[ ${#values[@]} -eq 3 ] || die "could not read fedlora.coordinator.admin of $config"
host="${values[0]}"
port="${values[1]}"
token="${values[2]}"
[ "$port" != 0 ] || [ -n "$log" ] || die "fedlora.coordinator.admin.port is 0: give --log FILE"
case "$host" in
    0.0.0.0 | "") host=127.0.0.1 ;;
    ::) host="[::1]" ;;
esac

# The base URL to try: the configured port, or the bound one once the coordinator has logged it.
base_url() {
    if [ "$port" != 0 ]; then
        echo "http://$host:$port"
    elif [ -f "$log" ]; then
        sed -n -E 's|.*admin API and dashboard at http://[^ ]*:([0-9]+)/.*|\1|p' "$log" |
            tail -n 1 | sed "s|^.|http://$host:&|"
    fi
}

# Whether process $1 still runs (a zombie, exited but not yet reaped by its parent, does not).
running() {
    local state
    state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
    [ -n "$state" ] && [[ "$state" != Z* ]]
}

deadline=$((SECONDS + timeout))
while :; do
    url="$(base_url)"
    # The token goes to curl on stdin, not on its command line where ps would show it.
    if [ -n "$url" ] &&
        curl -fsS -o /dev/null --max-time 5 -K - "$url/api/status" 2>/dev/null \
            <<<"header = \"Authorization: Bearer $token\""; then
        echo "$url"
        exit 0
    fi
    if [ -n "$pid" ] && ! running "$pid"; then
        die "the coordinator (pid $pid) exited before its admin API answered"
    fi
    [ "$SECONDS" -lt "$deadline" ] || die "no answer from the admin API within ${timeout}s"
    sleep 1
done
