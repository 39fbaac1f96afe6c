#!/usr/bin/env bash
# Starts a whole fedlora cluster on this host: one coordinator, then N workers, as background JVMs.
#
#   cluster-config/launch-local.sh N [--run-dir DIR] [--config FILE] [--wait]
#
#   N          workers to start: worker-0 .. worker-(N-1), client ids 0 .. N-1 of the scenario
#   --config   the HOCON file every process reads (default: cluster-config/demo.conf)
#   --run-dir  the coordinator's run directory (default: the config's fedlora.coordinator.run-dir)
#   --wait     follow the coordinator's progress until it exits, stop the workers, print the
#              accuracy per round; exit with the coordinator's status
#
# Every process runs the repository's ./fedlora launcher from the repository root (so relative
# paths in the config, such as the base cache, resolve there); fedlora is built once before any
# process starts. Logs go to RUN_DIR/logs/<name>.log and pids to RUN_DIR/pids/<name>.pid;
# cluster-config/stop.sh --run-dir RUN_DIR stops them all. Workers start only once the
# coordinator's admin API answers: the coordinator pre-trains the base first when it is not
# cached, and the workers then find it in the cache. Heap: FEDLORA_COORDINATOR_JAVA_OPTS (default
# -Xmx2g) and FEDLORA_WORKER_JAVA_OPTS (default -Xmx1g). Needs bash, curl and GNU coreutils.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
fedlora="$root/fedlora"

usage() {
    sed -n '4,9s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

die() {
    echo "launch-local: $*" >&2
    exit 1
}

# $1 as an absolute path (relative to the caller's directory).
absolute() {
    case "$1" in
        /*) echo "$1" ;;
        *) echo "$PWD/$1" ;;
    esac
}

workers=""
run_dir=""
config="$here/demo.conf"
follow=false
while [ $# -gt 0 ]; do
    case "$1" in
        --run-dir | --config)
            [ $# -ge 2 ] || usage
            if [ "$1" = --run-dir ]; then run_dir="$(absolute "$2")"; else config="$(absolute "$2")"; fi
            shift 2
            ;;
        --wait)
            follow=true
            shift
            ;;
        -h | --help) usage ;;
        -*) die "unknown option '$1' (--help lists them)" ;;
        *)
            [ -z "$workers" ] || die "one worker count, got '$workers' and '$1'"
            workers="$1"
            shift
            ;;
    esac
done
[ -n "$workers" ] || usage
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || die "the worker count must be a positive integer, got '$workers'"
[ -f "$config" ] || die "config file $config does not exist"
cd "$root"

echo "launch-local: building fedlora if needed..."
"$fedlora" --version >/dev/null

# The config values the script needs, resolved exactly as the processes resolve them.
mapfile -t values < <("$fedlora" config get --config "$config" \
    fedlora.coordinator.run-dir fedlora.coordinator.admin.token fedlora.scenario.clients \
    fedlora.coordinator.min-available)
[ ${#values[@]} -eq 4 ] || die "could not read the settings of $config"
[ -n "$run_dir" ] || run_dir="$(absolute "${values[0]}")"
token="${values[1]}"
clients="${values[2]}"
min_available="${values[3]}"
[ "$workers" -le "$clients" ] ||
    die "$workers workers, but the scenario of $config has $clients clients (fedlora.scenario.clients)"
if [ "$workers" -lt "$min_available" ]; then
    echo "launch-local: warning: $workers workers, but rounds start only with $min_available" \
        "(fedlora.coordinator.min-available): the coordinator will wait for more" >&2
fi
log_dir="$run_dir/logs"
pid_dir="$run_dir/pids"
shopt -s nullglob
for f in "$pid_dir"/*.pid; do
    if kill -0 "$(sed -n 1p "$f")" 2>/dev/null; then
        die "$(basename "$f" .pid) of $run_dir is still running: cluster-config/stop.sh --run-dir $run_dir"
    fi
done
mkdir -p "$log_dir" "$pid_dir"
rm -f "$pid_dir"/*.pid

# Starts `fedlora ARGS...` in the background as process NAME with heap options OPTS.
start() {
    local name="$1" opts="$2" pid
    shift 2
    FEDLORA_JAVA_OPTS="$opts" nohup "$fedlora" "$@" </dev/null >"$log_dir/$name.log" 2>&1 &
    pid=$!
    printf '%s\n%s\n' "$pid" "$(ps -o lstart= -p "$pid" | sed 's/^ *//')" >"$pid_dir/$name.pid"
    printf '  %-12s pid %-7s log %s\n' "$name" "$pid" "$log_dir/$name.log"
}

stop_all() {
    trap - INT TERM
    [ -z "${waiter:-}" ] || kill "$waiter" 2>/dev/null || true
    echo
    echo "launch-local: stopping the cluster"
    "$here/stop.sh" --run-dir "$run_dir"
    exit 130
}
trap stop_all INT TERM

# The coordinator's progress lines (rounds, evaluations, workers admitted, lost or refused, the
# end, errors and the exceptions' first lines), without the log's timestamps and logger names,
# until the coordinator exits. Workers leaving once the run has finished are the normal end, not
# news; neither is remoting's chatter about the connections they close.
follow_progress() {
    tail --pid="$1" -n +1 -F "$log_dir/coordinator.log" 2>/dev/null |
        grep --line-buffered -E \
            'round [0-9]+/[0-9]+|run finished|admitted|lost|refused|pre-train|cached base|ERROR|^[a-z][a-z0-9_.]*\.[A-Za-z]*(Exception|Error)\b' |
        grep --line-buffered -v -E 'left: run finished|o\.a\.p\.[a-z.]*Materializer' |
        sed -u -E 's/^[0-9:.]+ +(INFO|DEBUG) +[^ ]+ - /  /; s/^[0-9:.]+ +(WARN|ERROR) +[^ ]+ - /  \1 /'
}

echo "launch-local: starting the coordinator (run directory $run_dir)"
start coordinator "${FEDLORA_COORDINATOR_JAVA_OPTS:--Xmx2g}" \
    coordinator --config "$config" --run-dir "$run_dir"
coordinator_pid="$(sed -n 1p "$pid_dir/coordinator.pid")"
follower=""
if $follow; then
    follow_progress "$coordinator_pid" &
    follower=$!
fi

echo "launch-local: waiting for the coordinator's admin API (a first run pre-trains the base: minutes)"
# In the background, so that Ctrl-C interrupts the wait at once (bash runs a trap only after the
# foreground command returns, but `wait` returns on a signal).
url_file="$run_dir/logs/.admin-url"
"$here/await-admin.sh" --config "$config" --log "$log_dir/coordinator.log" \
    --pid "$coordinator_pid" >"$url_file" &
waiter=$!
if ! wait "$waiter"; then
    rc=0
    wait "$coordinator_pid" || rc=$?
    echo "launch-local: the coordinator exited with status $rc; the end of $log_dir/coordinator.log:" >&2
    tail -n 15 "$log_dir/coordinator.log" >&2
    "$here/stop.sh" --run-dir "$run_dir"
    exit 1
fi
url="$(cat "$url_file")"
rm -f "$url_file"

echo "launch-local: starting $workers workers"
for ((i = 0; i < workers; i++)); do
    start "worker-$i" "${FEDLORA_WORKER_JAVA_OPTS:--Xmx1g}" \
        worker --config "$config" --id "worker-$i" --client "$i"
done

cat <<EOF
launch-local: the cluster runs
  dashboard    $url/#token=$token
  admin CLI    FEDLORA_ADMIN_TOKEN=$token ./fedlora admin status --url $url
  results      $run_dir (rounds.csv, accuracy.svg, adapter/, checkpoints/)
  stop         cluster-config/stop.sh --run-dir $run_dir
EOF

if ! $follow; then
    exit 0
fi

rc=0
wait "$coordinator_pid" || rc=$?
wait "$follower" 2>/dev/null || true
rm -f "$pid_dir/coordinator.pid"
"$here/stop.sh" --run-dir "$run_dir"
trap - INT TERM

echo
echo "launch-local: the coordinator exited with status $rc"
"$here/rounds-table.sh" "$run_dir/rounds.csv" || true
[ -d "$run_dir/adapter" ] && echo "  adapter (PEFT)  $run_dir/adapter"
[ -f "$run_dir/accuracy.svg" ] && echo "  accuracy plot   $run_dir/accuracy.svg"
echo "  logs            $log_dir"
exit "$rc"
