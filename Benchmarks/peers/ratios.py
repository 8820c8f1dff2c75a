#!/usr/bin/env python3
"""Ratios from one Benchmarks/run.sh result file: each case's fast build against the peer measured
in the same run (and against the default build).

    python3 Benchmarks/peers/ratios.py Benchmarks/results/FILE.txt

GFLOP/s cases give Dyson/peer (over 1 is faster than the peer); millisecond cases give peer/Dyson
(over 1 is faster too). Best times, as the tables in Docs/Performance.md.
"""
import re
import sys

LINE = re.compile(r"^(\w+)\s+(\S+)\s+best\s+([\d.]+)\s+median\s+([\d.]+)\s+(\S+)(?:\s+(.*))?$")


def sections(path):
    found, current = {}, None
    for raw in open(path):
        line = raw.rstrip("\n")
        if line.startswith("# fast build"):
            current = "fast"
        elif line.startswith("# default build"):
            current = "default"
        elif line.startswith("# peer:"):
            current = "peer"
        match = LINE.match(line)
        if current and match:
            suite, case, best, _, unit, note = match.groups()
            found.setdefault(current, {})[case] = (float(best), unit, note or "")
    return found


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: ratios.py RESULT_FILE")
    runs = sections(sys.argv[1])
    fast, default, peer = runs.get("fast", {}), runs.get("default", {}), runs.get("peer", {})
    print("| case | tile | Dyson fast | peer | fast vs peer | fast/default |")
    print("|---|---|---:|---:|---:|---:|")
    for case, (value, unit, note) in fast.items():
        peer_case = case if case in peer else case + "-fused" if case + "-fused" in peer else None
        def ratio(other):
            if other is None:
                return ""
            return f"{value / other:.2f}" if unit == "GFLOP/s" else f"{other / value:.2f}"
        p = peer.get(peer_case)[0] if peer_case else None
        d = default.get(case, (None,))[0]
        print(f"| {case} | {note} | {value:.1f} {unit} | {'' if p is None else f'{p:.1f}'} | {ratio(p)} | {ratio(d)} |")


if __name__ == "__main__":
    main()
