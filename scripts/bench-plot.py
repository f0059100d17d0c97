#!/usr/bin/env python3
"""Draws bench-scaling.sh's results as an SVG (no plotting library needed):
scan time and client CPU against objects (at 1,000 types), peak RSS against
objects, scan time against types (at 100k objects). Medians per point.

  bench-plot.py RESULTS OUT.svg
"""
import math
import statistics
import sys

W, H, PAD = 330, 250, 48


def load(path):
    points = {}
    for line in open(path, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        _, types, _, objects = f[0].split("/")[0].split("-")
        n = lambda t: int(float(t[:-1]) * 1000) if t.endswith("k") else int(t)
        points.setdefault((n(types), n(objects)), []).append(f)
    med = lambda runs, i: statistics.median(float(r[i]) for r in runs)
    return {k: {"wall": med(v, 2), "cpu": med(v, 3), "rss": med(v, 4) / 1024} for k, v in points.items()}


def nice_step(span):
    """A tick step of 1, 2, 2.5 or 5 times a power of ten, about span / 4."""
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


def chart(x0, title, xlabel, ylabel, series, ymax=None, limit=None, log_x=True):
    """One panel at x offset x0; series: [(name, colour, [(x, y)])]; limit: a
    dashed line at that y (a target)."""
    xs = [x for _, _, pts in series for x, _ in pts]
    ys = [y for _, _, pts in series for _, y in pts]
    step = nice_step(ymax or max(ys) * 1.15)
    ymax = step * math.ceil((ymax or max(ys) * 1.15) / step)
    fx = (lambda x: math.log10(x)) if log_x else (lambda x: x)
    lo, hi = fx(min(xs)), fx(max(xs))
    px = lambda x: x0 + PAD + (fx(x) - lo) / ((hi - lo) or 1) * (W - 2 * PAD)
    py = lambda y: H - PAD - y / ymax * (H - 2 * PAD)
    out = [f'<text x="{x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold">{title}</text>']
    out.append(f'<line x1="{x0 + PAD}" y1="{H - PAD}" x2="{x0 + W - PAD}" y2="{H - PAD}" stroke="#444"/>')
    out.append(f'<line x1="{x0 + PAD}" y1="{PAD}" x2="{x0 + PAD}" y2="{H - PAD}" stroke="#444"/>')
    for i in range(round(ymax / step) + 1):
        y = step * i
        out.append(f'<line x1="{x0 + PAD}" y1="{py(y):.1f}" x2="{x0 + W - PAD}" y2="{py(y):.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{x0 + PAD - 4}" y="{py(y) + 4:.1f}" text-anchor="end">{y:g}</text>')
    if limit is not None:
        out.append(
            f'<line x1="{x0 + PAD}" y1="{py(limit):.1f}" x2="{x0 + W - PAD}" y2="{py(limit):.1f}" '
            'stroke="#d62728" stroke-dasharray="5,4"/>'
        )
        out.append(f'<text x="{x0 + W - PAD}" y="{py(limit) - 4:.1f}" text-anchor="end" fill="#d62728">target: under {limit:g}</text>')
    for x in sorted(set(xs)):
        label = f"{x // 1000}k" if x >= 1000 and x % 1000 == 0 and x >= 10000 else f"{x:,}"
        out.append(f'<text x="{px(x):.1f}" y="{H - PAD + 16}" text-anchor="middle">{label}</text>')
    out.append(f'<text x="{x0 + W / 2}" y="{H - 8}" text-anchor="middle">{xlabel}</text>')
    out.append(
        f'<text x="{x0 + 12}" y="{H / 2}" text-anchor="middle" transform="rotate(-90 {x0 + 12} {H / 2})">{ylabel}</text>'
    )
    for i, (name, colour, pts) in enumerate(series):
        pts = sorted(pts)
        path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in pts:
            out.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="3" fill="{colour}"/>')
            out.append(f'<text x="{px(x) + 4:.1f}" y="{py(y) - 6:.1f}" fill="{colour}">{y:.1f}</text>')
        out.append(f'<text x="{x0 + PAD + 8}" y="{PAD + 14 * i}" fill="{colour}">{name}</text>')
    return out


def main(results, svg):
    p = load(results)
    by_objects = sorted((o, v) for (t, o), v in p.items() if t == 1000)
    by_types = sorted((t, v) for (t, o), v in p.items() if o == 100_000)
    body = []
    body += chart(0, "scan vs objects (1,000 types)", "objects", "seconds", [
        ("wall time", "#1f77b4", [(o, v["wall"]) for o, v in by_objects]),
        ("client CPU", "#ff7f0e", [(o, v["cpu"]) for o, v in by_objects]),
    ])
    body += chart(W, "peak RSS vs objects (1,000 types)", "objects", "MiB", [
        ("peak RSS", "#2ca02c", [(o, v["rss"]) for o, v in by_objects]),
    ], ymax=80, limit=64)
    body += chart(2 * W, "scan vs types (100k objects)", "resource types", "seconds", [
        ("wall time", "#1f77b4", [(t, v["wall"]) for t, v in by_types]),
        ("client CPU", "#ff7f0e", [(t, v["cpu"]) for t, v in by_types]),
    ])
    with open(svg, "w", encoding="utf-8") as f:
        f.write(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{3 * W}" height="{H}" '
            'font-family="sans-serif" font-size="11">\n<rect width="100%" height="100%" fill="white"/>\n'
        )
        f.write("\n".join(body))
        f.write("\n</svg>\n")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
