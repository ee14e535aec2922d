"""Load and failure figures: ypmatch under gunicorn on 127.0.0.1, then a bare Flask app.

    .venv/bin/python bench/load.py                          # SQLite, the full run (~9 min)
    .venv/bin/python bench/load.py --database postgresql    # a fresh database on 127.0.0.1
    .venv/bin/python bench/load.py --quick                  # a smoke run (~3 min)

What it does, each step bounded in time and only on 127.0.0.1:

1. builds a temporary database: migrations, the demo (``seed-demo``), then N generated
   companies (default 10,000) with 1–3 technologies each, written with bulk inserts through
   the models, and their sentence embeddings (as ``ypmatch matching rebuild`` would: about
   5 minutes at 10,000 companies); accounts for the simulated curators and company members;
2. starts gunicorn (2 sync workers, ``--preload`` with the matching index fitted before
   the fork; ``--worker-class gthread --threads N`` to compare) and runs U simulated users
   (default 16) for D seconds (default 60), twice: *paced* (each user thinks for a random
   time, mean 1 s, between clicks) for the latencies people see, then *saturated* (no
   think time) for the most the server gives. Visitors browse and search needs and
   companies; curators open needs' match pages and edit needs (CSRF token and version field
   parsed from the form); company members open their company page and edit a technology.
   Each editor saves at most once a minute (``--edit-every``), each on records of their
   own, so a 409 would be a bug, not a race;
3. serves a bare Flask "hello" app with the same gunicorn settings to the same number of
   users for the same time without think time, for the ratio to the saturated run;
4. a fault run: the database becomes unavailable for a while (SQLite: another process holds
   the write lock; PostgreSQL: the server is stopped, or connections to the database are
   refused), then returns; later one worker is killed. Afterwards every record that a user
   edited is checked: its version and history match the saves that were answered 302, so
   no refused or failed save left anything behind.

Figures: requests per second, p50/p95/p99 per page, errors (5xx other than the expected 503
during the outage, connection failures, unexpected statuses), and the outage/recovery
timeline. ``--json`` writes them all to a file.
"""

from __future__ import annotations

import argparse
import contextlib
import html.parser
import http.client
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOST = "127.0.0.1"
PASSWORD = "load-bench-password"  # noqa: S105  (throwaway accounts in a throwaway database)
SEARCH_TERMS = (
    "water",
    "waste",
    "flood",
    "energy",
    "sewage",
    "Cebu",
    "Da Nang",
    "leak",
    "solar",
    "水",
    "下水",
    "漏水",
    "廃棄物",
    "省エネ",
    "浸水",
    "太陽光",
    "汚泥",
    "監視",
)
MATCH_PAGE = "need match page (curator)"


# -- the database ----------------------------------------------------------------------------


@dataclass
class Plan:
    """What the simulated users work on (ids in the prepared database)."""

    listed_need_ids: list[int]
    public_need_ids: list[int]
    company_ids: list[int]
    curators: list[str]
    members: list[tuple[str, int, list[int]]]  # email, company id, technology ids
    companies: int = 0
    technologies: int = 0
    prepare_seconds: float = 0.0


def app_config(url: str, instance: Path) -> dict:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "load-bench-" + uuid.uuid4().hex,
        "INSTANCE_PATH": str(instance),
        # Production runs `ypmatch jobs run` from a scheduler, not after requests.
        "MAIL_SEND_AFTER_REQUEST": False,
        "LOG_LEVEL": "INFO",  # each refit of the matching index, counted after a run
    }


def _sentences(text: str, japanese: bool) -> list[str]:
    parts = re.split(r"(?<=。)" if japanese else r"(?<=[.!?])\s+", text or "")
    return [part.strip() for part in parts if part.strip()]


def generate_companies(n: int, rng: random.Random) -> tuple[int, int]:
    """N approved companies, each with 1–3 technologies whose texts recombine the demo's
    sentences (so the vocabulary is the real one), inserted in bulk."""
    import sqlalchemy as sa

    from ypmatch.extensions import db
    from ypmatch.models import Company, Sector, Technology, technology_sectors_table
    from ypmatch.models.companies import YOKOHAMA_WARDS

    demo = db.session.scalars(sa.select(Technology)).all()
    sources = [
        {
            "title_ja": t.title_ja,
            "title_en": t.title_en,
            "ja": _sentences(t.description_ja, True),
            "en": _sentences(t.description_en, False),
            "sectors": [s.id for s in t.sectors],
        }
        for t in demo
    ]
    sector_ids = db.session.scalars(sa.select(Sector.id)).all()
    next_company = (db.session.scalar(sa.select(sa.func.max(Company.id))) or 0) + 1
    next_technology = (db.session.scalar(sa.select(sa.func.max(Technology.id))) or 0) + 1
    countries = ("PH", "VN", "TH", "ID", "MY", "LK", "IN")
    companies, technologies, links = [], [], []
    for i in range(n):
        company_id = next_company + i
        companies.append(
            {
                "id": company_id,
                "ref": f"load-{i:06d}",
                "name_ja": f"負荷検証{i:05d}株式会社",
                "name_en": f"Load Test Works {i:05d}",
                "ward": rng.choice(YOKOHAMA_WARDS),
                "size": rng.choice(("small", "small", "medium", "large")),
                "overseas_countries": sorted(rng.sample(countries, rng.randint(0, 2))),
                "yport_member": rng.random() < 0.3,
                "description_ja": "横浜市内の事業者です。",
                "description_en": "A Yokohama company.",
                "approval_status": "approved",
            }
        )
        for j in range(rng.randint(1, 3)):
            base, other = rng.choice(sources), rng.choice(sources)
            language = rng.random()
            ja = rng.sample(base["ja"] + other["ja"], min(4, len(base["ja"] + other["ja"])))
            en = rng.sample(base["en"] + other["en"], min(4, len(base["en"] + other["en"])))
            tech_id = next_technology + len(technologies)
            description_ja = "".join(ja) if language < 0.8 else ""
            description_en = " ".join(en) if language >= 0.7 or not description_ja else ""
            if not (description_ja or description_en):  # a source with one language only
                description_ja, description_en = "".join(ja), " ".join(en)
            technologies.append(
                {
                    "id": tech_id,
                    "ref": f"load-{i:06d}-{j}",
                    "company_id": company_id,
                    "title_ja": f"{base['title_ja']}（型式{i % 97}）" if language < 0.8 else "",
                    "title_en": f"{base['title_en']} (model {i % 89})" if language >= 0.7 else "",
                    "description_ja": description_ja,
                    "description_en": description_en,
                    "track_record": "",
                }
            )
            for sector_id in set(base["sectors"] or [rng.choice(sector_ids)]):
                links.append({"technology_id": tech_id, "sector_id": sector_id})
    for rows, target in (
        (companies, Company),
        (technologies, Technology),
        (links, technology_sectors_table),
    ):
        for start in range(0, len(rows), 2_000):
            db.session.execute(sa.insert(target), rows[start : start + 2_000])
    if db.engine.dialect.name == "postgresql":  # explicit ids: move the sequences past them
        for table in ("companies", "technologies"):
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
            )
    return len(companies), len(technologies)


def prepare_database(url: str, instance: Path, n_companies: int, users: int) -> Plan:
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from ypmatch import create_app
    from ypmatch.demo.seed import seed_demo
    from ypmatch.extensions import db
    from ypmatch.models import Company, Role
    from ypmatch.services.accounts import create_user
    from ypmatch.services.matching_stores import rebuild
    from ypmatch.services.records import mark_matcher_inputs_changed

    started = time.perf_counter()
    app = create_app({**app_config(url, instance), "PASSWORD_HASH_METHOD": "pbkdf2:sha256"})
    rng = random.Random(7)  # noqa: S311
    with app.app_context():
        upgrade()
        seed_demo()
        db.session.commit()
        generate_companies(n_companies, rng)
        mark_matcher_inputs_changed()
        db.session.commit()
        # As an operator does after a bulk import: encode the sentence embeddings ahead, so
        # the workers load them instead of matching on words while they encode.
        encoded = rebuild()["encoded"]
        print(f"encoded {encoded:,} texts for the semantic signal", flush=True)
        curators, members = [], []
        roles = mix(users)
        generated = db.session.scalars(
            sa.select(Company).where(Company.ref.like("load-%")).order_by(Company.id)
        ).all()
        for i, role in enumerate(roles):
            email = f"{role}-{i}@load.ypmatch.invalid"
            if role == "curator":
                create_user(email, PASSWORD, Role.CURATOR, None, name=f"Curator {i}")
                curators.append(email)
            elif role == "member":
                company = generated[i * 7]
                create_user(email, PASSWORD, Role.COMPANY, None, company_id=company.id)
                members.append((email, company.id, [t.id for t in company.technologies]))
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            # As after any bulk load: without fresh statistics the planner guessed tiny
            # tables, and searches took 250-1,000 ms instead of 15-50 until autovacuum ran.
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
        plan = _read_plan(curators, members)
        db.session.remove()
        db.engine.dispose()
    plan.prepare_seconds = time.perf_counter() - started
    return plan


def _read_plan(curators: list[str], members: list) -> Plan:
    import sqlalchemy as sa

    from ypmatch.extensions import db
    from ypmatch.models import Company, Need, Technology

    listed = db.session.scalars(
        sa.select(Need.id).where(Need.status == "published", Need.archived_at.is_(None))
    ).all()
    public = db.session.scalars(
        sa.select(Need.id).where(Need.status == "published", Need.visibility == "public")
    ).all()
    return Plan(
        listed_need_ids=sorted(listed),
        public_need_ids=sorted(public),
        company_ids=db.session.scalars(
            sa.select(Company.id).where(Company.approval_status == "approved")
        ).all(),
        curators=curators,
        members=members,
        companies=db.session.scalar(sa.select(sa.func.count(Company.id))),
        technologies=db.session.scalar(sa.select(sa.func.count(Technology.id))),
    )


def reused_plan(url: str, instance: Path) -> Plan:
    """The plan of a database an earlier run prepared (its accounts are found by email)."""
    import sqlalchemy as sa
    from flask_migrate import upgrade

    from ypmatch import create_app
    from ypmatch.extensions import db
    from ypmatch.models import Technology, User

    app = create_app(app_config(url, instance))
    with app.app_context():
        upgrade()
        accounts = db.session.execute(
            sa.select(User.email, User.company_id)
            .where(User.email.like("%@load.ypmatch.invalid"))
            .order_by(User.id)
        ).all()
        curators = [email for email, _company in accounts if email.startswith("curator-")]
        members = [
            (
                email,
                company_id,
                db.session.scalars(
                    sa.select(Technology.id).where(Technology.company_id == company_id)
                ).all(),
            )
            for email, company_id in accounts
            if email.startswith("member-")
        ]
        plan = _read_plan(curators, members)
        db.session.remove()
        db.engine.dispose()
    return plan


def mix(users: int) -> list[str]:
    """Roles of the simulated users: 3/8 visitors, 3/8 curators, 2/8 company members."""
    pattern = ("visitor", "curator", "member", "visitor", "curator", "member", "visitor", "curator")
    return [pattern[i % len(pattern)] for i in range(users)]


# -- gunicorn --------------------------------------------------------------------------------

WSGI_MODULE = '''"""Written by bench/load.py: the app prepared as ypmatch.wsgi prepares it."""
import json
import os

from ypmatch import create_app
from ypmatch.serving import prepare_for_workers

app = create_app(json.loads(os.environ["YPMATCH_BENCH_CONFIG"]))
prepare_for_workers(app)  # with --preload, every worker starts with the fitted index
'''

HELLO_MODULE = '''"""Written by bench/load.py: the baseline."""
from flask import Flask

app = Flask("hello")


@app.get("/")
def hello():
    return "hello"
'''


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


class Gunicorn:
    def __init__(self, target: str, folder: Path, settings: argparse.Namespace, env: dict):
        self.port = free_port()
        self.log = folder / f"gunicorn-{target.split(':')[0]}.log"
        self.command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(settings.workers),
            "--worker-class",
            settings.worker_class,
            "--threads",
            str(settings.threads),
            "--preload",
            "--timeout",
            "60",
            "--graceful-timeout",
            "5",
            "--chdir",
            str(folder),
            target,
        ]
        self.env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(  # noqa: S603
                self.command, env=self.env, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {self.log}")
            with contextlib.suppress(OSError):
                connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
                connection.request("GET", "/")
                connection.getresponse().read()
                connection.close()
                if len(self.workers()) >= 1:
                    return self
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not answer within 300 s; see {self.log}")

    def workers(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = stat.read_text().rsplit(")", 1)[1].split()
                if int(fields[1]) == self.process.pid:
                    pids.append(int(stat.parent.name))
        return sorted(pids)

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the running workers."""
        total = 0
        for pid in self.workers():
            with contextlib.suppress(OSError, IndexError, ValueError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])
        return total / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *_exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


# -- the simulated users ---------------------------------------------------------------------


class FormParser(html.parser.HTMLParser):
    """The fields a browser would submit with each form on a page."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._textarea: list | None = None
        self._select: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action", ""), "fields": []})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    fields.append([name, attrs.get("value", "on")])
            elif kind not in ("submit", "button", "file", "image", "reset"):
                fields.append([name, attrs.get("value", "")])
        elif tag == "textarea" and name:
            self._textarea = [name, ""]
            fields.append(self._textarea)
        elif tag == "select" and name:
            self._select = [name, None, None]  # name, first option, selected option
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select[1] is None:
                self._select[1] = value
            if "selected" in attrs:
                fields.append([self._select[0], value])
                self._select[2] = value

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select is not None:
            name, first, selected = self._select
            if selected is None and first is not None:
                self.forms[-1]["fields"].append([name, first])
            self._select = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data


def parse_form(page: str, with_field: str) -> list[list[str]]:
    parser = FormParser()
    parser.feed(page)
    for form in parser.forms:
        if any(name == with_field for name, _ in form["fields"]):
            return form["fields"]
    raise ValueError(f"no form with a {with_field!r} field")


class Browser:
    """One user's cookies and connection; records every request it makes."""

    def __init__(self, port: int, records: list, window: tuple[float, float]):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.records = records
        self.window = window
        self.connection: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, label: str, body: dict | list | None = None):
        headers = {"Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        data = None
        if body is not None:
            pairs = body.items() if isinstance(body, dict) else body
            data = urllib.parse.urlencode([(name, value) for name, value in pairs])
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.time()
        status, text = 0, ""
        try:
            response = self._send(method, path, data, headers)
            text = response.read().decode("utf-8", "replace")
            status = response.status
            for header in response.headers.get_all("Set-Cookie") or ():
                cookie = SimpleCookie()
                cookie.load(header)
                for name, morsel in cookie.items():
                    self.cookies[name] = morsel.value
            if response.will_close:
                self.connection.close()
                self.connection = None
        except (OSError, http.client.HTTPException) as error:
            text = f"{type(error).__name__}: {error}"
            if self.connection is not None:
                self.connection.close()
            self.connection = None
        finished = time.time()
        if self.window[0] <= started < self.window[1]:
            self.records.append((label, started, finished - started, status, _note(status, text)))
        return status, text

    def _send(self, method, path, data, headers) -> http.client.HTTPResponse:
        reused = self.connection is not None
        if self.connection is None:
            self.connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        try:
            self.connection.request(method, path, body=data, headers=headers)
            return self.connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            if not reused or method != "GET":
                raise
        self.records.append(("(GET resent on a new connection)", time.time(), 0.0, -1, ""))
        # The server closed an idle keep-alive connection just as we reused it: like a
        # browser, send again on a new connection (nothing reached the app the first time).
        self.connection.close()
        self.connection = http.client.HTTPConnection(HOST, self.port, timeout=60)
        self.connection.request(method, path, body=data, headers=headers)
        return self.connection.getresponse()

    def get(self, path: str, label: str):
        return self.request("GET", path, label)

    def login(self, email: str) -> None:
        status, page = self.get("/login", "login")
        fields = dict(parse_form(page, "password"))
        fields.update(email=email, password=PASSWORD)
        status, page = self.request("POST", "/login", "login", fields)
        if status != 302:
            raise RuntimeError(f"login of {email} answered {status}: {page[:300]}")


def _note(status: int, text: str) -> str:
    if status == 503:
        return "503 page" if "Temporarily unavailable" in text else "503 without the page"
    if status == 0:
        return text[:120]
    if status >= 500:
        return f"{status}"
    return ""


EDIT_MARK = re.compile(r" \[load edit [0-9a-f]+\]$")


def edit_fields(fields: list[list[str]], field_name: str, n: int) -> list[list[str]]:
    changed = []
    for name, value in fields:
        if name == field_name:
            # Unique per save, so every save changes the record (and must bump its version).
            value = EDIT_MARK.sub("", value) + f" [load edit {n:x}{uuid.uuid4().hex[:8]}]"
        changed.append([name, value])
    return changed


@dataclass
class UserSpec:
    role: str
    email: str = ""
    company_id: int = 0
    technology_ids: list[int] = field(default_factory=list)
    own_need_ids: list[int] = field(default_factory=list)


def run_user(spec: UserSpec, plan: Plan, port, window, think, edit_every, records, edits, seed):
    try:
        _run_user(spec, plan, port, window, think, edit_every, records, edits, seed)
    except Exception as error:  # a user that stops is an error in the figures
        records.append(("user stopped", time.time(), 0.0, 0, f"{type(error).__name__}: {error}"))


def _run_user(spec, plan, port, window, think, edit_every, records, edits, seed) -> None:
    rng = random.Random(seed)  # noqa: S311
    browser = Browser(port, records, window)
    if spec.email:
        browser.login(spec.email)
    start, end = window
    while time.time() < start:
        time.sleep(0.005)
    if think:
        # People do not all click at the same instant: each user starts as if in the middle
        # of a think time (with exponential think times, what is left of one is exponential
        # too), so the run begins in its steady state instead of with one burst of U requests.
        time.sleep(min(rng.expovariate(1 / think), think * 5))
    last_edit = time.time() - rng.uniform(0, edit_every)
    edit_number = 0
    while time.time() < end:
        roll = rng.random()
        if spec.role == "hello":
            browser.get("/", "hello")
        elif spec.role == "visitor":
            if roll < 0.35:
                browser.get(f"/needs/?page={rng.randint(1, 2)}", "needs list")
            elif roll < 0.6:
                browser.get(f"/needs/{rng.choice(plan.public_need_ids)}", "need page")
            elif roll < 0.8:
                term = urllib.parse.quote(rng.choice(SEARCH_TERMS))
                browser.get(f"/needs/?q={term}", "needs search")
            elif roll < 0.9:
                term = urllib.parse.quote(rng.choice(SEARCH_TERMS))
                browser.get(f"/companies/?q={term}", "companies search")
            else:
                browser.get(f"/companies/{rng.choice(plan.company_ids)}", "company page")
        elif spec.role == "curator":
            if time.time() - last_edit >= edit_every and spec.own_need_ids:
                last_edit = time.time()
                edit_number += 1
                need_id = rng.choice(spec.own_need_ids)
                edit(
                    browser,
                    f"/needs/{need_id}/edit",
                    "description_en",
                    edit_number,
                    "edit need (GET form + POST)",
                    ("need", need_id),
                    edits,
                )
            elif roll < 0.6:
                browser.get(f"/needs/{rng.choice(plan.listed_need_ids)}", MATCH_PAGE)
            elif roll < 0.8:
                browser.get(f"/needs/?page={rng.randint(1, 2)}", "needs list")
            else:
                term = urllib.parse.quote(rng.choice(SEARCH_TERMS))
                browser.get(f"/needs/?q={term}", "needs search")
        elif spec.role == "member":
            if time.time() - last_edit >= edit_every and spec.technology_ids:
                last_edit = time.time()
                edit_number += 1
                tech_id = rng.choice(spec.technology_ids)
                path = f"/companies/{spec.company_id}/technologies/{tech_id}/edit"
                edit(
                    browser,
                    path,
                    "track_record",
                    edit_number,
                    "edit technology (GET form + POST)",
                    ("technology", tech_id),
                    edits,
                )
            elif roll < 0.45:
                browser.get(f"/companies/{spec.company_id}", "own company page (member)")
            elif roll < 0.75:
                browser.get(f"/needs/?page={rng.randint(1, 2)}", "needs list")
            else:
                browser.get(f"/needs/{rng.choice(plan.public_need_ids)}", "need page")
        if think:
            time.sleep(min(rng.expovariate(1 / think), think * 5))


def edit(browser, path, field_name, n, label, record, edits) -> None:
    started = time.time()
    status, page = browser.get(path, label + " [form]")
    if status != 200:
        edits.append((record, "form failed", status, started))
        return
    fields = edit_fields(parse_form(page, "version"), field_name, n)
    status, page = browser.request("POST", path, label + " [save]", fields)
    outcome = {302: "saved", 409: "conflict", 503: "refused"}.get(status, "other")
    if outcome == "other":  # keep what the form said, to see why
        found = re.findall(r'<ul class="errors" id="([^"]+)">(.*?)</ul>', page, re.S)
        outcome = (
            f"other {status}: "
            + "; ".join(f"{f} {re.sub('<[^>]+>', ' ', e)}" for f, e in found)[:200]
        )
    if status == 0:
        outcome = "unknown"  # the connection broke: saved or not, only the database knows
    edits.append((record, outcome, status, started))


def client_process(specs, plan, port, window, think, edit_every, seed, queue) -> None:
    records: list = []
    edits: list = []
    threads = [
        threading.Thread(
            target=run_user,
            args=(spec, plan, port, window, think, edit_every, records, edits, seed * 100 + i),
            daemon=True,
        )
        for i, spec in enumerate(specs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(window[1] - time.time() + 120)
    queue.put((records, edits))


def user_specs(plan: Plan, users: int, role: str | None = None) -> list[UserSpec]:
    specs = []
    curators, members = iter(plan.curators), iter(plan.members)
    roles = [role] * users if role else mix(users)
    n_curators = roles.count("curator")
    curator_index = 0
    for r in roles:
        if r == "curator":
            # Each curator edits needs of their own, so no two users edit the same record:
            # a 409 would then be a bug, not a race.
            own = plan.listed_need_ids[curator_index::n_curators]
            specs.append(UserSpec("curator", next(curators), own_need_ids=own))
            curator_index += 1
        elif r == "member":
            email, company_id, technology_ids = next(members)
            specs.append(UserSpec("member", email, company_id, technology_ids))
        else:
            specs.append(UserSpec(r))
    return specs


def run_load(port, plan, specs, duration, think, edit_every, processes=2, events=None):
    """Run the users in `processes` client processes; returns (records, edits, window)."""
    start = time.time() + 3 + 0.4 * len(specs)  # time to sign everyone in first
    window = (start, start + duration)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    groups = [specs[i::processes] for i in range(processes)]
    children = [
        context.Process(
            target=client_process,
            args=(group, plan, port, window, think, edit_every, i + 1, queue),
        )
        for i, group in enumerate(groups)
        if group
    ]
    for child in children:
        child.start()
    for at, action in events or ():
        while time.time() < start + at:
            time.sleep(0.01)
        action()
    records, edits = [], []
    for _ in children:
        got_records, got_edits = queue.get(timeout=duration + 300)
        records += got_records
        edits += got_edits
    for child in children:
        child.join(30)
    return records, edits, window


# -- figures ---------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summarise(records, window, since: float = 0.0, until: float | None = None) -> dict:
    start = window[0] + since
    end = window[0] + until if until is not None else window[1]
    chosen = [r for r in records if start <= r[1] < end and r[3] != -1]
    resent = sum(1 for r in records if start <= r[1] < end and r[3] == -1)
    pages: dict[str, dict] = {}
    for label in sorted({r[0] for r in chosen}):
        rows = [r for r in chosen if r[0] == label]
        latencies = [r[2] * 1000 for r in rows]
        pages[label] = {
            "requests": len(rows),
            "p50_ms": round(percentile(latencies, 50), 1),
            "p95_ms": round(percentile(latencies, 95), 1),
            "p99_ms": round(percentile(latencies, 99), 1),
            "statuses": _count(str(r[3]) for r in rows),
        }
    errors = [r for r in chosen if r[3] == 0 or (r[3] >= 500 and r[3] != 503)]
    return {
        "seconds": round(end - start, 1),
        "requests": len(chosen),
        "requests_per_second": round(len(chosen) / (end - start), 1),
        "errors": len(errors),
        "unavailable_503": sum(1 for r in chosen if r[3] == 503),
        "gets_resent_on_a_new_connection": resent,
        "error_kinds": _count(f"{r[3]} {r[4]}".strip() for r in errors),
        "pages": pages,
    }


def _count(items) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def add_cpu(summary: dict, cpu_seconds: float, load_before: float) -> None:
    """Server CPU per request: a figure that other work on the machine inflates less."""
    per_request = 1000 * cpu_seconds / max(1, summary["requests"])
    summary["server_cpu_seconds"] = round(cpu_seconds, 1)
    summary["server_cpu_ms_per_request"] = round(per_request, 2)
    summary["load_average_before"] = round(load_before, 2)
    summary["load_average_after"] = round(os.getloadavg()[0], 2)
    print(
        f"  server CPU {cpu_seconds:.1f} s = {per_request:.2f} ms per request; 1-min load "
        f"average {load_before:.1f} before, {summary['load_average_after']} after "
        f"({os.cpu_count()} cores)"
    )


def print_summary(title: str, summary: dict) -> None:
    print(
        f"\n{title}: {summary['requests']} requests in {summary['seconds']} s = "
        f"{summary['requests_per_second']} req/s, 503 {summary['unavailable_503']}, "
        f"errors {summary['errors']}" + (f" {summary['error_kinds']}" if summary["errors"] else "")
    )
    print(f"  {'page':<40}{'n':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    for label, page in summary["pages"].items():
        print(
            f"  {label:<40}{page['requests']:>7}{page['p50_ms']:>9}{page['p95_ms']:>9}"
            f"{page['p99_ms']:>9}  {page['statuses']}"
        )


def print_slowest(records, window, n: int) -> None:
    """The n slowest requests with when they started: a tail that clusters in time points at
    something that stalls a worker (a refit, a first request), not at the page itself."""
    if n <= 0:
        return
    print(f"  the {n} slowest requests (seconds into the run, page, ms):")
    for label, started, seconds, status, _note in sorted(records, key=lambda r: -r[2])[:n]:
        print(f"    {started - window[0]:6.2f}  {label:<40}{seconds * 1000:8.1f}  {status}")


REFIT_LINE = re.compile(
    r"matching index \d+: (?:rows of .* replaced|.* fitted afresh) in ([\d.]+) s(?: \((.*)\))?"
)


def print_refits(log: Path, start: int) -> None:
    """What the workers' refits of the matching index did during the run (from their log)."""
    with open(log, "rb") as file:
        file.seek(start)
        lines = file.read().decode("utf-8", "replace").splitlines()
    replaced, afresh = [], []
    for line in lines:
        if found := REFIT_LINE.search(line):
            seconds, why = float(found.group(1)), found.group(2)
            (afresh if why else replaced).append((seconds, why))
    reasons = _count(why for _seconds, why in afresh)
    print(
        f"  refits in the workers: {len(replaced)} replaced rows "
        f"({sum(s for s, _ in replaced):.1f} s in all), {len(afresh)} fitted afresh "
        f"({sum(s for s, _ in afresh):.1f} s in all){': ' + str(reasons) if reasons else ''}"
    )


# -- faults ----------------------------------------------------------------------------------


class SqliteWriteLock:
    """Another process holds the database's write lock (a long manual transaction, a stuck
    migration): in WAL mode reads go on, writes wait busy_timeout (5 s) and then fail."""

    def __init__(self, path: Path):
        self.path = path
        self.connection: sqlite3.Connection | None = None

    def take(self) -> None:
        self.connection = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.connection is not None:
            self.connection.execute("ROLLBACK")
            self.connection.close()
            self.connection = None


class PostgresOutage:
    """``stop``: the PostgreSQL cluster is stopped (pg_ctlcluster … stop -m fast) and started
    again. ``block``: only this database refuses connections and its sessions are ended
    (for a shared server that other people are using)."""

    def __init__(self, url: str, mode: str, cluster: str):
        import sqlalchemy as sa

        self.url = sa.make_url(url)
        self.mode = mode
        self.cluster = cluster.split()

    def _admin(self, statements: list[str]) -> None:
        import sqlalchemy as sa

        engine = sa.create_engine(
            self.url.set(database="postgres"),
            isolation_level="AUTOCOMMIT",
            poolclass=sa.pool.NullPool,
        )
        with engine.connect() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
        engine.dispose()

    def take(self) -> None:
        if self.mode == "stop":
            subprocess.run(  # noqa: S603
                ["pg_ctlcluster", "--skip-systemctl-redirect", *self.cluster, "stop", "-m", "fast"],
                check=True,
            )
            return
        name = self.url.database
        self._admin(
            [
                f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false',
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # noqa: S608
                f"WHERE datname = '{name}' "
                "AND pid <> pg_backend_pid()",
            ]
        )

    def release(self) -> None:
        if self.mode == "stop":
            subprocess.run(  # noqa: S603
                ["pg_ctlcluster", "--skip-systemctl-redirect", *self.cluster, "start"],
                check=True,
            )
            return
        self._admin([f'ALTER DATABASE "{self.url.database}" ALLOW_CONNECTIONS true'])


def check_edits(url: str, instance: Path, edits: list, before: dict) -> dict:
    """Every edited record: version and history moved exactly by the saves answered 302."""
    import sqlalchemy as sa

    from ypmatch import create_app
    from ypmatch.extensions import db
    from ypmatch.models import HistoryEntry, Need, Technology

    app = create_app(app_config(url, instance))
    saved: dict = {}
    unknown: dict = {}
    for record, outcome, _status, _at in edits:
        saved.setdefault(record, 0)
        unknown.setdefault(record, 0)
        saved[record] += outcome == "saved"
        unknown[record] += outcome == "unknown"
    mismatches = []
    with app.app_context():
        for (kind, record_id), n_saved in saved.items():
            model = Need if kind == "need" else Technology
            version = db.session.get(model, record_id).version
            history = db.session.scalar(
                sa.select(sa.func.count(HistoryEntry.id)).where(
                    HistoryEntry.record_type == model.__tablename__,
                    HistoryEntry.record_id == record_id,
                )
            )
            old_version, old_history = before[(kind, record_id)]
            moved = version - old_version
            if not (n_saved <= moved <= n_saved + unknown[(kind, record_id)]) or (
                history - old_history != moved
            ):
                mismatches.append(
                    {
                        "record": f"{kind} {record_id}",
                        "saves answered 302": n_saved,
                        "version moved": moved,
                        "history entries added": history - old_history,
                    }
                )
        db.session.remove()
        db.engine.dispose()
    return {
        "records_checked": len(saved),
        "saves_answered_302": sum(saved.values()),
        "saves_refused_503": sum(1 for e in edits if e[1] == "refused"),
        "saves_with_unknown_outcome": sum(unknown.values()),
        "mismatches": mismatches,
    }


def record_state(url: str, instance: Path, plan: Plan, specs: list[UserSpec]) -> dict:
    import sqlalchemy as sa

    from ypmatch import create_app
    from ypmatch.extensions import db
    from ypmatch.models import HistoryEntry, Need, Technology

    app = create_app(app_config(url, instance))
    state = {}
    with app.app_context():
        records = [("need", i) for s in specs for i in s.own_need_ids] + [
            ("technology", i) for s in specs for i in s.technology_ids
        ]
        for kind, record_id in records:
            model = Need if kind == "need" else Technology
            history = db.session.scalar(
                sa.select(sa.func.count(HistoryEntry.id)).where(
                    HistoryEntry.record_type == model.__tablename__,
                    HistoryEntry.record_id == record_id,
                )
            )
            state[(kind, record_id)] = (db.session.get(model, record_id).version, history)
        db.session.remove()
        db.engine.dispose()
    return state


def timeline(records, window, step: float = 2.0) -> list[dict]:
    rows = []
    t = 0.0
    while window[0] + t < window[1]:
        chosen = [r for r in records if window[0] + t <= r[1] < window[0] + t + step]
        rows.append(
            {
                "t": t,
                "requests": len(chosen),
                "ok": sum(1 for r in chosen if 200 <= r[3] < 400 or r[3] == 409),
                "503": sum(1 for r in chosen if r[3] == 503),
                "errors": sum(1 for r in chosen if r[3] == 0 or (r[3] >= 500 and r[3] != 503)),
            }
        )
        t += step
    return rows


# -- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--postgresql-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="server to create the temporary database on (127.0.0.1 only)",
    )
    parser.add_argument("--pg-fault", choices=("stop", "block"), default="block")
    parser.add_argument("--pg-cluster", default="15 main", help="for --pg-fault stop")
    parser.add_argument("--companies", type=int, default=10_000)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument(
        "--think", type=float, default=1.0, help="mean think time of the paced run, s"
    )
    parser.add_argument("--skip-saturation", action="store_true", help="no run without think time")
    parser.add_argument(
        "--edit-every", type=float, default=60.0, help="seconds between one editor's saves"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="sync", choices=("sync", "gthread"))
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument(
        "--slowest", type=int, default=0, help="list the N slowest requests of each run"
    )
    parser.add_argument("--skip-hello", action="store_true")
    parser.add_argument("--skip-faults", action="store_true")
    parser.add_argument("--fault-duration", type=float, default=40)
    parser.add_argument("--quick", action="store_true", help="1,000 companies, 15 s runs")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary files")
    parser.add_argument(
        "--reuse-database",
        metavar="NAME",
        help="PostgreSQL: a database on the server prepared by an earlier run with the same "
        "--companies and --users (e.g. bench/search_speed.py's ypmatch_search_bench); it is "
        "used as it is and kept",
    )
    settings = parser.parse_args()
    if settings.quick:
        settings.companies, settings.duration, settings.fault_duration = 1_000, 15, 30
    if settings.worker_class == "sync":
        settings.threads = 1

    folder = Path(tempfile.mkdtemp(prefix="ypmatch-load-"))
    instance = folder / "instance"
    pg_database = None
    if settings.database == "sqlite":
        url = f"sqlite:///{folder / 'load.sqlite3'}"
    else:
        import sqlalchemy as sa

        server = sa.make_url(settings.postgresql_url)
        if server.host not in ("127.0.0.1", "localhost", "::1"):
            raise SystemExit("only a PostgreSQL server on 127.0.0.1 may be used")
    if settings.database == "postgresql" and settings.reuse_database:
        url = server.set(database=settings.reuse_database).render_as_string(hide_password=False)
    elif settings.database == "postgresql":
        pg_database = f"ypmatch_load_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{pg_database}"')
        admin.dispose()
        url = server.set(database=pg_database).render_as_string(hide_password=False)
    results: dict = {"settings": {k: str(v) for k, v in vars(settings).items()}}
    try:
        if settings.reuse_database:
            print(f"reusing the database {settings.reuse_database} …", flush=True)
            plan = reused_plan(url, instance)
        else:
            print(f"preparing the database in {folder} ({settings.database}) …", flush=True)
            plan = prepare_database(url, instance, settings.companies, settings.users)
        results["database"] = {
            "companies": plan.companies,
            "technologies": plan.technologies,
            "listed_needs": len(plan.listed_need_ids),
            "prepare_seconds": round(plan.prepare_seconds, 1),
        }
        print(
            f"  {plan.companies} companies, {plan.technologies} technologies, "
            f"{len(plan.listed_need_ids)} listed needs in {plan.prepare_seconds:.0f} s"
        )
        (folder / "bench_app.py").write_text(WSGI_MODULE)
        (folder / "bench_hello.py").write_text(HELLO_MODULE)
        env = {"YPMATCH_BENCH_CONFIG": json.dumps(app_config(url, instance))}
        specs = user_specs(plan, settings.users)
        description = f"gunicorn {settings.workers} workers × {settings.worker_class}" + (
            f" {settings.threads} threads" if settings.worker_class == "gthread" else ""
        )

        started = time.perf_counter()
        with Gunicorn("bench_app:app", folder, settings, env) as server:
            results["app_start_seconds"] = round(time.perf_counter() - started, 1)
            print(
                f"app up in {results['app_start_seconds']} s ({description}); "
                f"{settings.users} users for {settings.duration:.0f} s …",
                flush=True,
            )
            runs = [("paced", settings.think)]
            if not settings.skip_saturation:
                runs.append(("saturated", 0.0))
            for name, think in runs:
                print(
                    f"\n{name} run: {settings.users} users, think time {think} s, "
                    f"{settings.duration:.0f} s …",
                    flush=True,
                )
                cpu, load = server.cpu_seconds(), os.getloadavg()[0]
                log_start = server.log.stat().st_size
                records, edits, window = run_load(
                    server.port,
                    plan,
                    specs,
                    settings.duration,
                    think,
                    settings.edit_every,
                    settings.client_processes,
                )
                cpu = server.cpu_seconds() - cpu
                summary = summarise(records, window)
                summary["think_seconds"] = think
                summary["edits"] = _count(e[1] for e in edits)
                results[f"app_{name}"] = summary
                print_summary(f"ypmatch, {name} ({description})", summary)
                add_cpu(summary, cpu, load)
                print(f"  edits: {summary['edits']}")
                print_slowest(records, window, settings.slowest)
                print_refits(server.log, log_start)
            app_summary = results[f"app_{runs[-1][0]}"]

        if not settings.skip_hello:
            with Gunicorn("bench_hello:app", folder, settings, {}) as server:
                print(
                    f"\nhello app: {settings.users} users for {settings.duration:.0f} s …",
                    flush=True,
                )
                hello_specs = [UserSpec("hello") for _ in range(settings.users)]
                cpu, load = server.cpu_seconds(), os.getloadavg()[0]
                records, _, window = run_load(
                    server.port,
                    plan,
                    hello_specs,
                    settings.duration,
                    0.0 if not settings.skip_saturation else settings.think,
                    settings.edit_every,
                    settings.client_processes,
                )
                cpu = server.cpu_seconds() - cpu
                hello = summarise(records, window)
                results["hello"] = hello
                print_summary(f"bare Flask hello ({description})", hello)
                add_cpu(hello, cpu, load)
                ratio = app_summary["requests_per_second"] / hello["requests_per_second"]
                results["app_to_hello_ratio"] = round(ratio, 3)
                print(
                    f"  ypmatch / hello throughput: {ratio:.3f} (hello is {1 / ratio:.1f}× faster)"
                )

        if not settings.skip_faults:
            results["faults"] = run_faults(settings, folder, url, instance, plan, env)
    finally:
        if pg_database:
            import sqlalchemy as sa

            admin = sa.create_engine(settings.postgresql_url, isolation_level="AUTOCOMMIT")
            with contextlib.suppress(Exception), admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{pg_database}" WITH (FORCE)')
            admin.dispose()
        if settings.json:
            settings.json.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n")
            print(f"\nfigures written to {settings.json}")
        if settings.keep:
            print(f"files kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run_faults(settings, folder, url, instance, plan, env) -> dict:
    duration = settings.fault_duration
    outage_from, outage_to = duration * 0.2, duration * 0.45
    kill_at = duration * 0.7
    if settings.database == "sqlite":
        outage = SqliteWriteLock(Path(url.removeprefix("sqlite:///")))
        outage_name = "another process holds the SQLite write lock"
    else:
        outage = PostgresOutage(url, settings.pg_fault, settings.pg_cluster)
        outage_name = (
            "PostgreSQL stopped"
            if settings.pg_fault == "stop"
            else "PostgreSQL refuses connections to the database"
        )
    specs = user_specs(plan, settings.users)
    before = record_state(url, instance, plan, specs)
    log: list[tuple[float, str]] = []
    print(
        f"\nfault run, {duration:.0f} s: {outage_name} from {outage_from:.0f} s to "
        f"{outage_to:.0f} s; one worker killed at {kill_at:.0f} s …",
        flush=True,
    )
    with Gunicorn("bench_app:app", folder, settings, env) as server:

        def take():
            log.append((time.time(), "outage starts"))
            outage.take()

        def release():
            outage.release()
            log.append((time.time(), "database back"))

        def kill():
            victim = server.workers()[0]
            os.kill(victim, signal.SIGKILL)
            log.append((time.time(), f"worker {victim} killed"))

        records, edits, window = run_load(
            server.port,
            plan,
            specs,
            duration,
            settings.think,
            min(settings.edit_every, 8.0),  # saves during the outage
            settings.client_processes,
            events=[(outage_from, take), (outage_to, release), (kill_at, kill)],
        )
        workers_after = server.workers()
    phases = {
        "before": summarise(records, window, 0, outage_from),
        "outage": summarise(records, window, outage_from, outage_to),
        "recovered": summarise(records, window, outage_to, kill_at),
        "after worker killed": summarise(records, window, kill_at),
    }
    for name, summary in phases.items():
        print_summary(f"fault run, {name}", summary)
    first_ok_after = next(
        (
            r[1] - (window[0] + outage_to)
            for r in sorted(records, key=lambda r: r[1])
            if r[1] >= window[0] + outage_to and 200 <= r[3] < 400 and "save" in r[0]
        ),
        None,
    )
    check = check_edits(url, instance, edits, before)
    print("\n  events: " + "; ".join(f"{t - window[0]:.1f} s {what}" for t, what in log))
    print(
        f"  first successful save after the database returned: {first_ok_after:.2f} s"
        if first_ok_after is not None
        else "  no save after"
    )
    print(f"  workers after the kill: {len(workers_after)} (gunicorn replaced the killed one)")
    print(f"  edited records checked: {check}")
    return {
        "outage": outage_name,
        "events": [(round(t - window[0], 2), what) for t, what in log],
        "phases": phases,
        "timeline": timeline(records, window),
        "first_save_after_recovery_s": first_ok_after,
        "workers_after_kill": len(workers_after),
        "edits": _count(e[1] for e in edits),
        "consistency": check,
    }


if __name__ == "__main__":
    main()
