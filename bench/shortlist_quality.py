"""How close the greedy mission shortlist comes to the exact optimum, and how fast it is.

    .venv/bin/python bench/shortlist_quality.py                  # the figures in docs/shortlist.md
    .venv/bin/python bench/shortlist_quality.py --instances 50   # quicker

Quality: seeded random instances of several sizes (companies × needs × slots), greedy
(``build_shortlist``) against the exhaustive optimum (``brute_force_shortlist``). For each
setting: the mean and worst ratio greedy / optimum, how often greedy is optimal, and the mean
a-posteriori certificate greedy / ``upper_bound`` (what the optimiser can prove on its own,
without brute force). Two score families:

- *matcher-like*: each need belongs to one sector, each company works in one or two; pairs in
  a shared sector score Beta(2, 4) · 0.8 (mostly 0.1–0.4, like TF-IDF cosines), other pairs
  are mostly absent or below ``min_score``;
- *uniform*: every pair scores Uniform(0, 1) — dense, many near-ties, harder for greedy.

Settings: the defaults (rank_decay 0.5, no cap), a per-need cap of 2, and one random pin.

Speed: ``build_shortlist`` end to end (from a list of ``PairScore`` records) on 200 × 20 × 10
and 2000 × 50 × 20 matcher-like instances, median and worst of several runs, with the
certificate on those instances (too big for brute force).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.shortlist_oracle import brute_force_shortlist  # noqa: E402
from ypmatch.matching.shortlist import (  # noqa: E402
    CuratorDecisions,
    PairScore,
    ShortlistSettings,
    build_shortlist,
)

QUALITY_SIZES = ((8, 4, 3), (10, 5, 4), (12, 6, 5))
SPEED_SIZES = ((200, 20, 10, 20), (2000, 50, 20, 5))  # companies, needs, slots, runs
OPTIMAL_TOL = 1e-9


def matcher_like(rng: np.random.Generator, n_companies: int, n_needs: int) -> list[PairScore]:
    n_sectors = max(3, n_needs // 2)
    need_sector = rng.integers(n_sectors, size=n_needs)
    records = []
    for i in range(n_companies):
        sectors = set(rng.choice(n_sectors, size=int(rng.integers(1, 3)), replace=False).tolist())
        for j in range(n_needs):
            if need_sector[j] in sectors:
                score = float(rng.beta(2, 4) * 0.8)
            elif rng.random() < 0.3:
                score = float(rng.beta(1, 10) * 0.3)
            else:
                continue
            records.append(PairScore(f"c{i:04d}", f"N-{j}", score, technology_id=f"t{i}"))
    return records


def uniform(rng: np.random.Generator, n_companies: int, n_needs: int) -> list[PairScore]:
    return [
        PairScore(f"c{i:04d}", f"N-{j}", float(rng.random()))
        for i in range(n_companies)
        for j in range(n_needs)
    ]


FAMILIES = {"matcher-like": matcher_like, "uniform": uniform}
VARIANTS = {"defaults": {}, "cap 2": {"per_need_cap": 2}, "1 pin": {"pin": 1}}


def quality_row(family: str, variant: str, size: tuple[int, int, int], instances: int, seed: int):
    n_companies, n_needs, slots = size
    rng = np.random.default_rng([seed, n_companies, n_needs, slots, len(family), len(variant)])
    ratios, certificates = [], []
    greedy_seconds = brute_seconds = 0.0
    options = dict(VARIANTS[variant])
    pins = options.pop("pin", 0)
    for _ in range(instances):
        records = FAMILIES[family](rng, n_companies, n_needs)
        needs = [f"N-{j}" for j in range(n_needs)]
        settings = ShortlistSettings(slots, **options)
        decisions = CuratorDecisions(
            pinned=[f"c{int(i):04d}" for i in rng.choice(n_companies, size=pins)] if pins else ()
        )
        start = time.perf_counter()
        greedy = build_shortlist(records, needs, settings, decisions)
        greedy_seconds += time.perf_counter() - start
        start = time.perf_counter()
        best = brute_force_shortlist(records, needs, settings, decisions)
        brute_seconds += time.perf_counter() - start
        if best.objective <= 0:
            continue
        ratios.append(greedy.objective / best.objective)
        certificates.append(greedy.objective / greedy.upper_bound)
    optimal = sum(r >= 1 - OPTIMAL_TOL for r in ratios)
    return {
        "size": f"{n_companies}×{n_needs}×{slots}",
        "family": family,
        "variant": variant,
        "n": len(ratios),
        "mean": statistics.fmean(ratios),
        "min": min(ratios),
        "optimal": optimal / len(ratios),
        "certificate": statistics.fmean(certificates),
        "greedy_ms": greedy_seconds / instances * 1000,
        "brute_ms": brute_seconds / instances * 1000,
    }


def speed_row(n_companies: int, n_needs: int, slots: int, runs: int, seed: int):
    rng = np.random.default_rng([seed, n_companies, n_needs])
    records = matcher_like(rng, n_companies, n_needs)
    needs = [f"N-{j}" for j in range(n_needs)]
    rows = []
    for cap in (None, 3):
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            result = build_shortlist(records, needs, ShortlistSettings(slots, per_need_cap=cap))
            times.append(time.perf_counter() - start)
        rows.append(
            {
                "size": f"{n_companies}×{n_needs}×{slots}",
                "pairs": len(records),
                "cap": "none" if cap is None else str(cap),
                "median_ms": statistics.median(times) * 1000,
                "max_ms": max(times) * 1000,
                "certificate": result.objective / result.upper_bound,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=200, help="instances per setting")
    parser.add_argument("--seed", type=int, default=20240)
    args = parser.parse_args(argv)
    started = time.perf_counter()

    print(f"Greedy vs brute-force optimum ({args.instances} instances per row, seed {args.seed})")
    header = (
        f"| {'companies×needs×slots':<21} | {'scores':<12} | {'setting':<8} | {'n':>4} "
        f"| {'mean ratio':>10} | {'min ratio':>9} | {'optimal':>7} | {'certificate':>11} "
        f"| {'greedy ms':>9} | {'brute ms':>8} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
    all_ratios_min = 1.0
    for family in FAMILIES:
        for variant in VARIANTS:
            for size in QUALITY_SIZES:
                row = quality_row(family, variant, size, args.instances, args.seed)
                all_ratios_min = min(all_ratios_min, row["min"])
                print(
                    f"| {row['size']:<21} | {row['family']:<12} | {row['variant']:<8} "
                    f"| {row['n']:>4} | {row['mean']:>10.4f} | {row['min']:>9.4f} "
                    f"| {row['optimal']:>7.1%} | {row['certificate']:>11.4f} "
                    f"| {row['greedy_ms']:>9.2f} | {row['brute_ms']:>8.2f} |"
                )
    print(f"worst ratio over all rows: {all_ratios_min:.4f} (proven floor 1 − 1/e = 0.6321)")
    print()
    print("Speed of build_shortlist (end to end, from PairScore records; matcher-like scores)")
    header = (
        f"| {'companies×needs×slots':<21} | {'pairs':>6} | {'cap':<4} | {'median ms':>9} "
        f"| {'max ms':>7} | {'certificate':>11} |"
    )
    print(header)
    print("|" + "|".join("-" * (len(part)) for part in header.split("|")[1:-1]) + "|")
    for n_companies, n_needs, slots, runs in SPEED_SIZES:
        for row in speed_row(n_companies, n_needs, slots, runs, args.seed):
            print(
                f"| {row['size']:<21} | {row['pairs']:>6} | {row['cap']:<4} "
                f"| {row['median_ms']:>9.1f} | {row['max_ms']:>7.1f} "
                f"| {row['certificate']:>11.4f} |"
            )
    print(f"\ntotal {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
