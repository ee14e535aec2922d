"""One companies search at a time, timed in one process: relevance, page and count.

    .venv/bin/python bench/search_speed.py --prepare          # builds the data, ~6-10 min
    .venv/bin/python bench/search_speed.py                    # then: the timings

Uses a PostgreSQL database `ypmatch_search_bench` on 127.0.0.1 (trust auth), filled the way
`bench/load.py` fills its own (the demo, 10,000 generated companies, their embeddings), and
kept between runs. Each of the load bench's queries is run three times; the best time of each
step is printed (the machine is shared; the best is what the code costs).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402
import sqlalchemy as sa  # noqa: E402

SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
DATABASE = "ypmatch_search_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true", help="(re)build the database first")
    parser.add_argument("--companies", type=int, default=10_000)
    args = parser.parse_args()
    instance = Path(tempfile.mkdtemp(prefix="ypmatch-search-"))
    url = SERVER + DATABASE
    if args.prepare:
        engine = sa.create_engine(SERVER + "postgres", isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {DATABASE}")
            connection.exec_driver_sql(f"CREATE DATABASE {DATABASE}")
        engine.dispose()
        load.prepare_database(url, instance, args.companies, users=16)

    from flask_migrate import upgrade

    from ypmatch import create_app
    from ypmatch.extensions import db

    app = create_app(load.app_config(url, instance))
    with app.test_request_context():
        upgrade()
        from ypmatch.services.companies import CompanyFilters, companies_query
        from ypmatch.services.matching import matching_index
        from ypmatch.services.search import company_relevance

        started = time.perf_counter()
        matching_index()
        print(f"index fitted in {time.perf_counter() - started:.1f} s")
        print(f"{'query':10} {'relevance':>10} {'page':>8} {'count':>8} {'total':>8}  matches")
        for term in load.SEARCH_TERMS:
            best = [float("inf")] * 3
            total_rows = 0
            for _ in range(3):
                t0 = time.perf_counter()
                company_relevance(term)
                t1 = time.perf_counter()
                query = companies_query(None, CompanyFilters(text=term))
                db.session.scalars(query.limit(20)).all()
                t2 = time.perf_counter()
                counted = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
                total_rows = db.session.scalar(counted)
                t3 = time.perf_counter()
                for i, seconds in enumerate((t1 - t0, t2 - t1, t3 - t2)):
                    best[i] = min(best[i], seconds)
            # The page query ranks by relevance itself, so a search costs page + count.
            print(
                f"{term:10} {best[0] * 1000:8.1f}ms {best[1] * 1000:6.1f}ms "
                f"{best[2] * 1000:6.1f}ms {(best[1] + best[2]) * 1000:6.1f}ms  {total_rows}"
            )


if __name__ == "__main__":
    main()
