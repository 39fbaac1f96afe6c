#!/usr/bin/env bash
# Prints a coordinator's rounds.csv as a small table: per round the updates accepted of those
# instructed, the federated accuracy and loss (rounds that were evaluated), and the seconds taken.
#
#   cluster-config/rounds-table.sh RUN_DIR/rounds.csv
#
# Columns are found by their header names, so metric columns added to the file do not matter.
set -euo pipefail

[ $# -eq 1 ] || {
    echo "usage: $(basename "$0") ROUNDS_CSV" >&2
    exit 2
}
[ -f "$1" ] || {
    echo "rounds-table: $1 does not exist (no round was committed)" >&2
    exit 1
}

awk -F, '
NR == 1 {
    for (i = 1; i <= NF; i++) col[$i] = i
    if (!("round" in col) || !("accuracy" in col)) {
        print "rounds-table: " FILENAME " has no round/accuracy columns" > "/dev/stderr"
        exit 1
    }
    printf "  %5s  %9s  %9s  %8s  %8s\n", "round", "accepted", "accuracy", "loss", "seconds"
    next
}
{
    updates = ($col["instructed"] > 0) ? $col["accepted"] "/" $col["instructed"] : "-"
    acc = ($col["accuracy"] == "") ? "-" : sprintf("%.1f%%", 100 * $col["accuracy"])
    loss = ($col["loss"] == "") ? "-" : sprintf("%.4f", $col["loss"])
    secs = ($col["seconds"] == "") ? "-" : sprintf("%.1f", $col["seconds"])
    printf "  %5s  %9s  %9s  %8s  %8s\n", $col["round"], updates, acc, loss, secs
}' "$1"
