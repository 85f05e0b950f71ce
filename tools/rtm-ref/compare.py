#!/usr/bin/env python3
"""Builds the C reference, runs it and `tmlab probe --format json` on the same core, and checks
that they agree (standard library only).

Criteria (from the probe issue):
  write capacity   within one line
  xbegin/xend      tmlab within +-30 % of the reference
  read capacity    within a factor of 2
Each prints PASS or FAIL with both values, or SKIPPED with the reason when either side finds RTM
unusable (the exit status is then 0). The exit status is 1 if any criterion fails, 2 if a tool
cannot be built or run.

Usage: tools/rtm-ref/compare.py [--core N] [--tmlab PATH] [--results-dir DIR] [--cc CC]
       tools/rtm-ref/compare.py --tmlab-json FILE --ref-json FILE   (compare saved outputs only)
Without --tmlab, tmlab is built and run with `cargo run --release`.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def run_json(cmd, what):
    print(f"$ {' '.join(cmd)}", file=sys.stderr)
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        sys.exit(f"compare: {what} exited with {proc.returncode}")
    try:
        value = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        sys.exit(f"compare: {what} did not print one JSON object: {e}")
    if not isinstance(value, dict):
        sys.exit(f"compare: {what} printed JSON that is not an object")
    return value


def check(name, tmlab, ref, ok, describe):
    if tmlab is None or ref is None:
        print(f"FAIL    {name}: missing value (tmlab {tmlab}, reference {ref})")
        return False
    verdict = "PASS" if ok(tmlab, ref) else "FAIL"
    print(f"{verdict:<7} {name}: tmlab {tmlab}, reference {ref} ({describe})")
    return verdict == "PASS"


def main():
    sys.stdout.reconfigure(line_buffering=True)  # keep stdout and stderr lines in order
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--core", type=int, default=0, help="core both tools pin to (default 0)")
    p.add_argument("--tmlab", help="path of a built tmlab binary (default: cargo run --release)")
    p.add_argument("--results-dir", default=os.path.join(ROOT, "results"),
                   help="where tmlab saves its probe run")
    p.add_argument("--cc", default=os.environ.get("CC", "gcc"), help="C compiler (default gcc)")
    p.add_argument("--tmlab-json", help="a saved `tmlab probe --format json` output (or probe.json)")
    p.add_argument("--ref-json", help="a saved rtm_ref output")
    args = p.parse_args()
    if (args.tmlab_json is None) != (args.ref_json is None):
        p.error("--tmlab-json and --ref-json go together")
    if args.tmlab_json:
        tm, ref = load(args.tmlab_json), load(args.ref_json)
        tm = tm.get("probe", tm)  # a saved probe.json holds the probe under "probe"
        return compare(tm, ref)

    if shutil.which(args.cc) is None:
        sys.exit(f"compare: C compiler {args.cc!r} not found")
    build = tempfile.mkdtemp(prefix="rtm-ref-")
    ref_bin = os.path.join(build, "rtm_ref")
    cc = [args.cc, "-O2", "-mrtm", "-Wall", "-Wextra", "-o", ref_bin,
          os.path.join(HERE, "rtm_ref.c")]
    print(f"$ {' '.join(cc)}", file=sys.stderr)
    if subprocess.run(cc).returncode != 0:
        sys.exit("compare: the reference does not build")

    ref = run_json([ref_bin, "--core", str(args.core)], "rtm_ref")
    tmlab_cmd = ([args.tmlab] if args.tmlab else
                 ["cargo", "run", "--quiet", "--release", "-p", "tmlab-experiments", "--"])
    tm = run_json(tmlab_cmd + ["probe", "--format", "json", "--core", str(args.core),
                               "--results-dir", args.results_dir], "tmlab probe")
    shutil.rmtree(build, ignore_errors=True)
    return compare(tm, ref)


def load(path):
    try:
        with open(path) as f:
            value = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        sys.exit(f"compare: cannot read {path}: {e}")
    if not isinstance(value, dict):
        sys.exit(f"compare: {path} is not a JSON object")
    return value


def compare(tm, ref):
    """Prints one line per criterion; returns the exit status."""
    print(f"INFO    lock xadd cycles: tmlab {tm.get('lock_xadd_cycles')}, "
          f"reference {ref.get('lock_xadd_cycles')} (informational)")
    criteria = ["write capacity within one line", "xbegin/xend cost within +-30 %",
                "read capacity within a factor of 2"]
    if not (tm.get("rtm_usable") and ref.get("rtm_usable")):
        reason = tm.get("reason") if not tm.get("rtm_usable") else ref.get("reason")
        for c in criteria:
            print(f"SKIPPED {c}: RTM unusable: {reason}")
        return 0

    ok = [
        check(criteria[0], tm.get("write_capacity_lines"), ref.get("write_capacity_lines"),
              lambda a, b: abs(a - b) <= 1, "|difference| <= 1 line"),
        check(criteria[1], tm.get("xbegin_xend_cycles"), ref.get("xbegin_xend_cycles"),
              lambda a, b: abs(a - b) <= 0.3 * b, "|tmlab - reference| <= 30 % of reference"),
        check(criteria[2], tm.get("read_capacity_lines"), ref.get("read_capacity_lines"),
              lambda a, b: min(a, b) > 0 and max(a, b) <= 2 * min(a, b), "ratio <= 2"),
    ]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
