#!/usr/bin/env bash
# Stops the processes launch-local.sh started for a run directory:
#
#   cluster-config/stop.sh [--run-dir DIR]     (default: runs/demo)
#
# Sends TERM to every process named in DIR/pids/*.pid (the JVMs shut down cleanly: workers leave,
# the coordinator keeps its last checkpoint), waits up to 20 s for them to exit, then KILLs what is
# left, and removes the pid files. Running it again, or on a run directory with nothing running,
# does nothing. A pid file also records its process's start time, so a pid the system has since
# given to another process is left alone.
set -euo pipefail

usage() {
    echo "usage: $(basename "$0") [--run-dir DIR]" >&2
    exit 2
}

run_dir=runs/demo
while [ $# -gt 0 ]; do
    case "$1" in
        --run-dir)
            [ $# -ge 2 ] || usage
            run_dir="$2"
            shift 2
            ;;
        -h | --help) usage ;;
        *)
            echo "stop.sh: unknown argument '$1'" >&2
            usage
            ;;
    esac
done

pid_dir="$run_dir/pids"
[ -d "$pid_dir" ] || exit 0

# The start time of process $1 as ps prints it, or nothing when there is no such process.
started() {
    ps -o lstart= -p "$1" 2>/dev/null | sed 's/^ *//' || true
}

# Whether process $1 still runs (a zombie, exited but not yet reaped by its parent, does not).
running() {
    local state
    state="$(ps -o stat= -p "$1" 2>/dev/null || true)"
    [ -n "$state" ] && [[ "$state" != Z* ]]
}

# The pid in pid file $1, if that process still runs and is the one the file was written for.
live_pid() {
    local pid recorded
    pid="$(sed -n 1p "$1")"
    recorded="$(sed -n 2p "$1")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 0
    running "$pid" || return 0
    if [ -n "$recorded" ] && [ "$(started "$pid")" != "$recorded" ]; then
        return 0
    fi
    echo "$pid"
}

shopt -s nullglob
pid_files=("$pid_dir"/*.pid)
pids=()
for f in "${pid_files[@]}"; do
    pid="$(live_pid "$f")"
    if [ -n "$pid" ]; then
        echo "stopping $(basename "$f" .pid) (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        pids+=("$pid")
    fi
done

for _ in $(seq 1 40); do
    alive=()
    for pid in "${pids[@]}"; do
        if running "$pid"; then
            alive+=("$pid")
        fi
    done
    pids=("${alive[@]}")
    [ ${#pids[@]} -eq 0 ] && break
    sleep 0.5
done

for pid in "${pids[@]}"; do
    echo "pid $pid did not stop within 20 s: killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
done

rm -f "${pid_files[@]}"
