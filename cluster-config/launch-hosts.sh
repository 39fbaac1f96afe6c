#!/usr/bin/env bash
# Starts a fedlora cluster over several hosts with ssh: the coordinator on the first host of a
# hosts file, one worker per further line.
#
#   cluster-config/launch-hosts.sh HOSTS_FILE [--config FILE] [--run-dir DIR] [--dry-run]
#
#   HOSTS_FILE  first line: the coordinator's host; every further line: `host [client-id]`, one
#               worker each (ids worker-0, worker-1, … in file order; the client id defaults to
#               the worker's index). Blank lines and lines starting with # are skipped.
#   --config    the HOCON file of every node (default: cluster-config/coordinator.conf for the
#               coordinator, cluster-config/worker.conf for the workers)
#   --run-dir   the run directory on each host: the coordinator's results, and logs/ and pids/ of
#               the processes on that host (default: runs/cluster)
#   --dry-run   print the ssh commands instead of running them
#
# Assumptions:
#   - this repository is checked out at the same path on every host (this checkout's path), with
#     Java 17 and Maven, and the config files at the same paths;
#   - `ssh HOST` logs in without a password (keys or an agent) and non-interactively;
#   - the names in the hosts file are the addresses the nodes reach each other at: each process
#     gets its host's name as FEDLORA_HOST, which the example configs use for fedlora.cluster.host;
#     the config's fedlora.cluster.seed-nodes and fedlora.coordinator.data-endpoint name the
#     coordinator's routable address, and the join token and scenario are the same on every node.
#
# Steps: build fedlora on every host (`./fedlora --version`), start the coordinator with nohup,
# wait on its host until its admin API answers (it pre-trains the base first when that is not
# cached), then start the workers with nohup. Logs: RUN_DIR/logs/<name>.log on each host. To stop:
# `ssh HOST 'cd REPO && cluster-config/stop.sh --run-dir RUN_DIR'` on each host (printed at the end).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

usage() {
    sed -n '4,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
    exit 2
}

die() {
    echo "launch-hosts: $*" >&2
    exit 1
}

hosts_file=""
config=""
run_dir="runs/cluster"
dry_run=false
while [ $# -gt 0 ]; do
    case "$1" in
        --config | --run-dir)
            [ $# -ge 2 ] || usage
            if [ "$1" = --config ]; then config="$2"; else run_dir="$2"; fi
            shift 2
            ;;
        --dry-run)
            dry_run=true
            shift
            ;;
        -h | --help) usage ;;
        -*) die "unknown option '$1' (--help lists them)" ;;
        *)
            [ -z "$hosts_file" ] || die "one hosts file, got '$hosts_file' and '$1'"
            hosts_file="$1"
            shift
            ;;
    esac
done
[ -n "$hosts_file" ] || usage
[ -f "$hosts_file" ] || die "hosts file $hosts_file does not exist"

# A path as the remote side sees it: relative paths under this checkout stay relative to the
# repository root (where every remote command runs); others are made absolute.
remote_path() {
    local p="$1"
    case "$p" in
        /*) ;;
        *) p="$PWD/$p" ;;
    esac
    case "$p" in
        "$root"/*) echo "${p#"$root"/}" ;;
        *) echo "$p" ;;
    esac
}

coordinator_config="cluster-config/coordinator.conf"
worker_config="cluster-config/worker.conf"
if [ -n "$config" ]; then
    [ -f "$config" ] || die "config file $config does not exist"
    coordinator_config="$(remote_path "$config")"
    worker_config="$coordinator_config"
fi
# The default is relative to the repository root already; a given one to the caller's directory.
[ "$run_dir" = runs/cluster ] || run_dir="$(remote_path "$run_dir")"

coordinator=""
worker_hosts=()
worker_clients=()
line_no=0
while IFS= read -r line || [ -n "$line" ]; do
    line_no=$((line_no + 1))
    line="${line%%#*}"
    read -r -a fields <<<"$line" || true
    [ ${#fields[@]} -gt 0 ] || continue
    [ ${#fields[@]} -le 2 ] || die "$hosts_file:$line_no: expected 'host [client-id]', got '$line'"
    if [ -z "$coordinator" ]; then
        [ ${#fields[@]} -eq 1 ] || die "$hosts_file:$line_no: the coordinator's line is its host alone"
        coordinator="${fields[0]}"
        continue
    fi
    client="${fields[1]:-${#worker_hosts[@]}}"
    [[ "$client" =~ ^[0-9]+$ ]] || die "$hosts_file:$line_no: client id '$client' is not a number"
    worker_hosts+=("${fields[0]}")
    worker_clients+=("$client")
done <"$hosts_file"
[ -n "$coordinator" ] || die "$hosts_file names no host"
[ ${#worker_hosts[@]} -gt 0 ] || die "$hosts_file names no worker host (one per line after the coordinator's)"

# $1 quoted for a POSIX shell: in single quotes, each ' written as '\''.
quote() {
    printf "'%s'" "${1//\'/\'\\\'\'}"
}

# Runs (or, with --dry-run, prints) the shell command $2 on host $1, in the repository root.
on_host() {
    local host="$1" command="cd $(quote "$root") && $2"
    if $dry_run; then
        echo "ssh -o BatchMode=yes $host $(quote "$command")"
    else
        ssh -o BatchMode=yes "$host" "$command"
    fi
}

# The remote command that starts `./fedlora ARGS...` (already quoted) as process NAME with nohup,
# heap OPTS, and FEDLORA_HOST set to the host's name; its pid file as stop.sh reads it.
start_command() {
    local name="$1" host="$2" opts="$3" args="$4" log pids
    log="$(quote "$run_dir/logs/$name.log")"
    pids="$(quote "$run_dir/pids/$name.pid")"
    echo "mkdir -p $(quote "$run_dir/logs") $(quote "$run_dir/pids")" \
        "&& FEDLORA_HOST=$(quote "${host#*@}") FEDLORA_JAVA_OPTS=$(quote "$opts")" \
        "nohup ./fedlora $args </dev/null >$log 2>&1 & pid=\$!;" \
        "{ echo \$pid; ps -o lstart= -p \$pid | sed 's/^ *//'; } >$pids"
}

declare -A built=()
for host in "$coordinator" "${worker_hosts[@]}"; do
    if [ -z "${built[$host]:-}" ]; then
        built[$host]=1
        $dry_run || echo "launch-hosts: building fedlora on $host if needed"
        on_host "$host" "./fedlora --version >/dev/null"
    fi
done

$dry_run || echo "launch-hosts: starting the coordinator on $coordinator"
on_host "$coordinator" "$(start_command coordinator "$coordinator" -Xmx2g \
    "coordinator --config $(quote "$coordinator_config") --run-dir $(quote "$run_dir")")"
$dry_run || echo "launch-hosts: waiting for its admin API (a first run pre-trains the base: minutes)"
on_host "$coordinator" "cluster-config/await-admin.sh --config $(quote "$coordinator_config")\
 --log $(quote "$run_dir/logs/coordinator.log") --pid \"\$(head -n 1 $(quote "$run_dir/pids/coordinator.pid"))\""

for i in "${!worker_hosts[@]}"; do
    host="${worker_hosts[$i]}"
    $dry_run || echo "launch-hosts: starting worker-$i (client ${worker_clients[$i]}) on $host"
    on_host "$host" "$(start_command "worker-$i" "$host" -Xmx1g \
        "worker --config $(quote "$worker_config") --id worker-$i --client ${worker_clients[$i]}")"
done

if ! $dry_run; then
    echo "launch-hosts: started; logs in $run_dir/logs (under $root) on each host. To stop:"
    for host in "${!built[@]}"; do
        echo "  ssh $host $(quote "cd $(quote "$root") && cluster-config/stop.sh --run-dir $(quote "$run_dir")")"
    done
fi
