"""Speed and memory of the bulk import: 10,000 companies with 30,000 technologies from XLSX.

    .venv/bin/python bench/import_speed.py                    # 10,000 companies × 3
    .venv/bin/python bench/import_speed.py --companies 1000   # a quicker look

One XLSX file, one row per technology, as the import template lays it out. Each step runs
in its own process against a SQLite file database in a temporary directory, built through
the app factory, so each step's peak memory is its own:

- dry run into the empty database (everything to create; nothing written);
- commit: the same file applied and committed (the web "confirm" and the CLI import);
- re-import dry run: the same file again (everything matched, nothing to change).

Times are wall-clock and the process's CPU time (on a shared machine the wall-clock time
depends on the neighbours; CPU time does not, and an idle machine's wall-clock time is the
CPU time plus the database's writes to disk). Peak memory is the process's peak resident
set size above what it held once the app was built (the app and its libraries are not
counted).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADERS = [
    "ref", "name_ja", "name_en", "ward", "size", "website", "overseas_countries",
    "yport_member", "description_ja", "description_en", "approval_status", "technology_ref",
    "technology_title_ja", "technology_title_en", "technology_description_ja",
    "technology_description_en", "sectors", "track_record",
]  # fmt: skip
SECTORS = [
    ("water_supply", "Water supply", "上水道"),
    ("sewerage", "Sewerage and septage", "下水道・汚泥処理"),
    ("solid_waste", "Solid waste and recycling", "廃棄物・リサイクル"),
    ("energy_efficiency", "Energy efficiency", "省エネルギー"),
    ("renewable_energy", "Renewable energy", "再生可能エネルギー"),
    ("transport", "Transport and mobility", "交通・モビリティ"),
    ("disaster_risk", "Disaster risk reduction and drainage", "防災・雨水排水"),
    ("urban_planning", "Urban planning", "都市計画"),
    ("climate", "Climate change planning", "気候変動対策"),
    ("ports", "Ports and harbours", "港湾"),
    ("health", "Health and welfare", "保健・福祉"),
    ("ict", "ICT and smart city", "ICT・スマートシティ"),
]
WARDS = ["Tsurumi-ku", "Kanagawa-ku", "Nishi-ku", "Naka-ku", "Kohoku-ku", "Totsuka-ku", "Isogo-ku"]
COUNTRIES = ["PH", "VN", "TH", "ID", "MY", "IN", "LK", "BD", "KH", "MM"]
KANJI = "水道管理処浄化汚泥排下上施設計画整備維持運転発電力熱供給交通道路港湾廃棄物焼却再生資源環境"
WORDS = ("leak", "pump", "sludge", "meter", "sensor", "valve", "pipe", "drain", "waste", "heat",
         "solar", "grid", "port", "road", "flood")  # fmt: skip


def _japanese(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(KANJI) for _ in range(length)) + "。"


def _english(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def generate(path: Path, companies: int, per_company: int, seed: int = 6) -> int:
    from openpyxl import Workbook

    rng = random.Random(seed)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("companies")
    sheet.append(HEADERS)
    rows = 0
    for n in range(1, companies + 1):
        ref = f"B{n:05d}"
        profile = [
            ref, f"ベンチ{n}{_japanese(rng, 3)[:-1]}株式会社", f"Bench {n} Co., Ltd.",
            rng.choice(WARDS), rng.choice(["small", "medium", "large"]),
            f"https://example.jp/bench-{n}", "; ".join(sorted(rng.sample(COUNTRIES, 2))),
            rng.choice(["yes", "no"]), _japanese(rng, 120), _english(rng, 40), "approved",
        ]  # fmt: skip
        for t in range(1, per_company + 1):
            sheet.append(
                profile
                + [
                    f"{ref}-T{t}",
                    f"技術{_japanese(rng, 6)[:-1]}",
                    f"Technology {n}-{t}",
                    _japanese(rng, 200),
                    _english(rng, 60),
                    "; ".join(sorted(s[0] for s in rng.sample(SECTORS, 2))),
                    _english(rng, 12),
                ]  # fmt: skip
            )
            rows += 1
    workbook.save(path)
    return rows


def _app(database: Path, instance: Path):
    from ypmatch import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": str(instance),
            "MAIL_SEND_AFTER_REQUEST": False,
            "RATELIMIT_ENABLED": False,
            "IMPORT_MAX_BYTES": 256 * 1024 * 1024,
        }
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_step(step: str, workdir: Path) -> dict:
    """One step in this process; prints its figures as JSON."""
    from flask_babel import force_locale

    from ypmatch.extensions import db
    from ypmatch.models import Sector
    from ypmatch.services.imports import import_file

    app = _app(workdir / "bench.sqlite3", workdir / "instance")
    with app.app_context(), force_locale("en"):
        if step == "setup":
            db.create_all()
            db.session.add_all(Sector(slug=s, name_en=en, name_ja=ja) for s, en, ja in SECTORS)
            db.session.commit()
            return {}
        path = workdir / "companies.xlsx"
        db.session.scalar(db.select(Sector).limit(1))  # connect before measuring
        baseline = _peak_mb()
        started, cpu_started = time.perf_counter(), time.process_time()
        report = import_file("companies", path, path.name, None, apply=step == "commit")
        if report.applied:
            db.session.commit()
        else:
            db.session.rollback()
        seconds = time.perf_counter() - started
        return {
            "seconds": round(seconds, 1),
            "cpu_seconds": round(time.process_time() - cpu_started, 1),
            "peak_mb_above_app": round(_peak_mb() - baseline, 1),
            "rows": report.row_count,
            "ok": report.ok,
            "refused": report.refused,
            "errors": report.errors[:3],
            "counts": {f"{kind} {action}": n for (kind, action), n in report.counts.items()},
        }


def _child(step: str, workdir: Path) -> dict:
    output = subprocess.run(
        [sys.executable, __file__, "--step", step, "--workdir", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--technologies-per-company", type=int, default=3)
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.workdir)))
        return

    with tempfile.TemporaryDirectory(prefix="ypmatch-import-bench-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        rows = generate(workdir / "companies.xlsx", args.companies, args.technologies_per_company)
        size_mb = (workdir / "companies.xlsx").stat().st_size / 1e6
        print(
            f"Generated {args.companies:,} companies, {rows:,} technology rows: "
            f"{size_mb:.1f} MB XLSX in {time.perf_counter() - started:.1f} s"
        )
        _child("setup", workdir)
        results = {}
        for step, label in (
            ("dry-run", "dry run (empty database)"),
            ("commit", "commit"),
            ("reimport", "re-import dry run (all unchanged)"),
        ):
            result = _child(step, workdir)
            results[step] = result
            print(
                f"{label:<36} {result['seconds']:>6.1f} s wall {result['cpu_seconds']:>6.1f} s CPU"
                f"   peak +{result['peak_mb_above_app']:.0f} MB   {result['counts']}"
            )
            if not result["ok"]:
                print("  not ok:", result["refused"] or result["errors"])
        database_mb = (workdir / "bench.sqlite3").stat().st_size / 1e6
        print(f"SQLite file after the commit: {database_mb:.0f} MB")
        wall = results["dry-run"]["seconds"] + results["commit"]["seconds"]
        cpu = results["dry-run"]["cpu_seconds"] + results["commit"]["cpu_seconds"]
        print(f"Dry run + commit: {wall:.1f} s wall, {cpu:.1f} s CPU (target: under a minute)")


if __name__ == "__main__":
    main()
