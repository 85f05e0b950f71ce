#!/usr/bin/env bash
# Instructions per operation of one `tmlab bench` point, counted by valgrind's callgrind: the
# count at 3N operations minus the count at N, over 2N, so start-up, TSC calibration and the
# check cancel out. Unlike a timing, the figure repeats exactly for the same binary and inputs,
# whatever else the machine is doing, which makes small costs (attribution, a barrier change)
# measurable on a noisy virtual machine. It counts work, not time: report both.
#
#   tools/instructions-per-op.sh [--ops N] [--bin PATH] -- <tmlab bench options>
#   tools/instructions-per-op.sh -- --workload bank --backend norec
#   tools/instructions-per-op.sh -- --workload bank --backend norec --attribute
#
# The point runs one repetition, no warm-up, with the given options (use one thread: valgrind
# serializes threads). Needs valgrind; builds the release binary unless --bin is given.
set -euo pipefail
ops=100000
bin=""
while [ $# -gt 0 ]; do
    case "$1" in
        --ops) ops="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        --) shift; break ;;
        *) echo "usage: $0 [--ops N] [--bin PATH] -- <tmlab bench options>" >&2; exit 2 ;;
    esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--ops N] [--bin PATH] -- <tmlab bench options>" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "$0: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
if [ -z "$bin" ]; then
    cd "$(dirname "$0")/.."
    cargo build --release --quiet
    bin=target/release/tmlab
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" bench --reps 1 --warmup 0 \
        --threads 1 --ops "$1" "${@:2}" >/dev/null 2>"$log" || { cat "$log" >&2; exit 1; }
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log"
}
small=$(count "$ops" "$@")
large=$(count $((3 * ops)) "$@")
echo "$(( (large - small) / (2 * ops) )) instructions per operation ($*; $ops and $((3 * ops)) operations)"
