#!/usr/bin/env python3
"""Reads what the bench-*.sh scripts record (see scripts/bench-lib.sh).

  bench-report.py --stuck FORMAT FILE   the stuck set in a run's output, one
                                        `group|kind|namespace|name` a line, sorted;
                                        FORMAT: json (scan -o json), kubectl (the
                                        jsonpath of bench-lib.sh), lines, none
  bench-report.py RESULTS [BASELINE]    a Markdown table of medians per way, with
                                        each way's time as a multiple of BASELINE's
                                        (default: the first way) and whether it
                                        found the same stuck set
  bench-report.py --points RESULTS      bench-scaling.sh's points: per cluster
                                        (types-T-objects-N), medians
  bench-report.py --checks RESULTS      bench.sh's targets: the scan against the
                                        kubectl ways, the metadata floor and the
                                        requests of one list per type-page
"""
import json
import statistics
import sys


def stuck(fmt, path):
    out = set()
    text = open(path, encoding="utf-8", errors="replace").read()
    if fmt == "json":
        try:
            items = json.loads(text).get("items", [])
        except ValueError:
            items = []
        for o in items:
            if o.get("deletionTimestamp"):
                out.add("|".join([o.get("group", ""), o["kind"], o.get("namespace") or "", o["name"]]))
    elif fmt == "kubectl":
        for line in text.splitlines():
            parts = line.split("|")
            if len(parts) != 5 or parts[4] in ("", "[]"):
                continue
            api_version, kind, ns, name, _ = parts
            group = api_version.rsplit("/", 1)[0] if "/" in api_version else ""
            out.add("|".join([group, kind, ns, name]))
    elif fmt == "lines":
        out = {line for line in text.splitlines() if line}
    for line in sorted(out):
        print(line)


def load(path):
    rows = {}
    for line in open(path, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        rows.setdefault(f[0], []).append(f)
    return rows


def med(runs, i):
    return statistics.median(float(r[i]) for r in runs)


def table(path, baseline=None):
    rows = load(path)
    if not rows:
        return
    baseline = baseline or next(iter(rows))
    order = [baseline] + sorted((w for w in rows if w != baseline), key=lambda w: med(rows[w], 2))
    rows = {w: rows[w] for w in order}
    base_wall = med(rows[baseline], 2)
    # The stuck set of a complete run (exit 0), the baseline's if it has one.
    complete = [r for r in rows[baseline] if r[5] == "0"] or [
        r for runs in rows.values() for r in runs if r[5] == "0"
    ]
    reference = complete[0][10] if complete else None
    print("| way | runs | wall s (median) | × baseline | client CPU s | peak RSS MiB | requests | bytes | 429s | exit | stuck found |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for way, runs in rows.items():
        wall = med(runs, 2)
        exits = ",".join(sorted({r[5] for r in runs}))
        counts = sorted({int(r[9]) for r in runs})
        found = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
        wrong = sum(r[10] != reference for r in runs)
        found += " (same)" if not wrong else f" (DIFFERENT in {wrong} of {len(runs)})"
        print(
            f"| {way} | {len(runs)} | {wall:,.2f} | {wall / base_wall:,.1f} | {med(runs, 3):,.2f} "
            f"| {med(runs, 4) / 1024:,.0f} | {med(runs, 6):,.0f} | {med(runs, 7):,.0f} "
            f"| {med(runs, 8):,.0f} | {exits} | {found} |"
        )


def count(text):
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(text)


def points(path):
    rows = load(path)
    print("| types | objects | runs | wall s (median) | client CPU s | peak RSS MiB | requests | bytes |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|")
    for way, runs in rows.items():
        _, types, _, objects = way.split("/")[0].split("-")
        print(
            f"| {count(types):,} | {count(objects):,} | {len(runs)} | {med(runs, 2):,.2f} | {med(runs, 3):,.2f} "
            f"| {med(runs, 4) / 1024:,.1f} | {med(runs, 6):,.0f} | {med(runs, 7):,.0f} |"
        )


def checks(path):
    rows = load(path)
    wall = {w: med(r, 2) for w, r in rows.items()}
    scan = rows["scan"]
    for way in ("kubectl-per-type", "kubectl-qualified", "kubectl-one-call"):
        if way in rows:
            print(f"- scan is {wall[way] / wall['scan']:,.0f}x faster than {way}")
    if "floor" in rows:
        over = med(scan, 7) / med(rows["floor"], 7) - 1
        print(f"- scan bytes: {over:+.2%} against the metadata-only floor (one unpaged list per type)")
    if "lister-metadata" in rows:
        print(
            f"- scan requests: {med(scan, 6):,.0f}; discovery + one list per type-page "
            f"(the paged lister's): {med(rows['lister-metadata'], 6):,.0f}"
        )
    if "lister-full" in rows and "lister-metadata" in rows:
        full, meta = rows["lister-full"], rows["lister-metadata"]
        print(
            f"- full objects instead of metadata: {med(full, 7) / med(meta, 7):.1f}x the bytes, "
            f"{wall['lister-full'] / wall['lister-metadata']:.1f}x the time, "
            f"{med(full, 3) / med(meta, 3):.1f}x the client CPU (same lister)"
        )
    digests = {r[10] for runs in rows.values() for r in runs}
    print(f"- stuck sets: {'all the same' if len(digests) == 1 else 'DIFFERENT'} ({scan[0][9]} objects)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--checks":
        checks(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "--points":
        points(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "--stuck":
        stuck(sys.argv[2], sys.argv[3])
    elif len(sys.argv) in (2, 3):
        table(*sys.argv[1:])
    else:
        sys.exit(__doc__)
