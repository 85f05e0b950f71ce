#!/usr/bin/env python3
"""Runs the intset speed comparison of issue 11 with `tmlab bench` and prints a markdown table.

Every structure (ll, sl, rb, hs) at both conventional settings (4096 keys in range 8192 with 20 %
updates; 256 in 512 with 100 %), on every software backend and htm:glibc (skipped where RTM is
unusable) at 1 and 2 threads (seq at 1 only): median throughput over the repetitions, with min
and max, in operations per second, and the single-thread overhead of the best STM against seq. Run from the repository root:

    python3 tools/intset-table.py [--reps 5] [--secs 1] [--binary target/release/tmlab]
"""

import argparse
import json
import statistics
import subprocess
import sys

SETTINGS = [(4096, 8192, 20), (256, 512, 100)]
STRUCTURES = ["ll", "sl", "rb", "hs"]
BACKENDS = ["seq", "lock", "tl2", "norec", "lsa", "htm:glibc"]


def bench(binary, structure, setting, backend, threads, reps, secs):
    initial, key_range, update = setting
    cmd = [binary, "bench", "--workload", structure, "--backend", backend,
           "--threads", str(threads), "--reps", str(reps), "--secs", str(secs),
           "-i", str(initial), "-r", str(key_range), "-u", str(update), "--format", "json"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0 and "cannot run here" in proc.stderr:
        return None  # htm:* where RTM is unusable: bench names the reason
    if proc.returncode != 0:
        sys.exit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{proc.stderr}")
    out = proc.stdout
    rows = [json.loads(line) for line in out.splitlines()]
    if not all(r["check_ok"] for r in rows):
        sys.exit(f"check failed: {' '.join(cmd)}")
    ops = [r["ops"] / (r["elapsed_ns"] / 1e9) for r in rows]
    return statistics.median(ops), min(ops), max(ops)


def si(x):
    for div, p in ((1e9, " G"), (1e6, " M"), (1e3, " k")):
        if x >= div:
            return f"{x / div:.3g}{p}"
    return f"{x:.3g}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--secs", type=float, default=1.0)
    ap.add_argument("--binary", default="target/release/tmlab")
    a = ap.parse_args()
    print("| structure | setting | threads | " + " | ".join(BACKENDS) + " | best STM / seq |")
    print("|---|---|---|" + "---|" * (len(BACKENDS) + 1))
    for s in STRUCTURES:
        for setting in SETTINGS:
            for threads in (1, 2):
                cells, medians = [], {}
                for b in BACKENDS:
                    if b == "seq" and threads > 1:
                        cells.append("-")
                        continue
                    result = bench(a.binary, s, setting, b, threads, a.reps, a.secs)
                    if result is None:
                        cells.append("skipped (RTM unusable)")
                        continue
                    med, lo, hi = result
                    medians[b] = med
                    cells.append(f"{si(med)} ({si(lo)}-{si(hi)})")
                ratio = ""
                if threads == 1:
                    best = max(medians[b] for b in ("tl2", "norec", "lsa"))
                    ratio = f"{medians['seq'] / best:.2f}x"
                label = f"{setting[0]}/{setting[1]}/{setting[2]} %"
                print(f"| {s} | {label} | {threads} | " + " | ".join(cells) + f" | {ratio} |")
                sys.stdout.flush()


if __name__ == "__main__":
    main()
