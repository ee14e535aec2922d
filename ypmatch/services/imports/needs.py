"""Import city needs: one row per need.

A need is found by its ref, else by its city and normalised English or Japanese title
(a ref that is not yet known also adopts a same-titled need of the city that has no
ref). Needs that an import publishes alert the companies they fit, as publishing on
the web does.
"""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ypmatch import clock, labels
from ypmatch.events import need_published
from ypmatch.extensions import db
from ypmatch.models import Need, NeedStatus, PartnerCity, Sector, need_sectors_table
from ypmatch.services.imports.columns import NEED_COLUMNS
from ypmatch.services.imports.engine import (
    SOURCE,
    Cells,
    Importer,
    RecordAction,
    RowReport,
    changed_fields,
    current_state_with_sectors,
    shown_fields,
)
from ypmatch.services.imports.reading import ImportRefused
from ypmatch.services.imports.values import (
    Term,
    Vocabulary,
    normalise_title,
    vocabulary_from_labels,
)
from ypmatch.services.needs import check_need_texts
from ypmatch.services.records import update_record

NEED_TEXT = {"title_en": 200, "title_ja": 200, "description_en": 10000, "description_ja": 10000}
NEED_STATE = [
    Need.id, Need.ref, Need.city_id, Need.title_en, Need.title_ja, Need.description_en,
    Need.description_ja, Need.status, Need.visibility, Need.funding, Need.timeline,
    Need.expires_on,
]  # fmt: skip


@dataclass(eq=False, slots=True)
class NeedTarget:
    id: int | None
    ref: str | None
    city_id: int | None
    first_row: int | None = None


@dataclass(eq=False, slots=True)
class NeedPlan:
    cells: Cells
    target: NeedTarget | None = None
    values: dict | None = None
    action: RecordAction | None = None
    changes: dict | None = None


class NeedImporter(Importer):
    kind = "needs"
    columns = NEED_COLUMNS

    def __init__(self, *args, alert_companies: bool = True):
        super().__init__(*args)
        # False imports published needs without alerting companies (a data migration).
        self.alert_companies = alert_companies
        self.sectors = {
            sector.slug: sector
            for sector in db.session.scalars(sa.select(Sector).where(Sector.is_current))
        }
        self.sector_vocabulary = Vocabulary(
            _("sector"), (Term(s.slug, s.name_en, s.name_ja) for s in self.sectors.values())
        )
        cities = db.session.execute(
            sa.select(PartnerCity.id, PartnerCity.slug, PartnerCity.name_en, PartnerCity.name_ja)
            .where(PartnerCity.is_current)
            .order_by(PartnerCity.id)
        ).all()
        self.city_ids = {city.slug: city.id for city in cities}
        self.city_vocabulary = Vocabulary(
            _("city"), (Term(city.slug, city.name_en, city.name_ja) for city in cities)
        )
        self.statuses = vocabulary_from_labels(_("status"), labels.NEED_STATUS)
        self.visibilities = vocabulary_from_labels(_("visibility"), labels.VISIBILITY)
        self.funding = vocabulary_from_labels(_("funding source"), labels.FUNDING)
        self.by_ref: dict[str, NeedTarget] = {}
        self.by_title: dict[tuple[int, str], list[NeedTarget]] = defaultdict(list)
        for need_id, ref, city_id, title_en, title_ja in db.session.execute(
            sa.select(Need.id, Need.ref, Need.city_id, Need.title_en, Need.title_ja)
        ):
            self._index(NeedTarget(need_id, ref, city_id), (title_en, title_ja))
        self.published: list[int] = []
        self.keep_session()

    def check_headers(self, keys: set[str]) -> None:
        if "ref" not in keys and not ("city" in keys and keys & {"title_en", "title_ja"}):
            raise ImportRefused(
                _("The file needs a city column and a title column (title_en or title_ja), "
                  "or a ref column.")
            )  # fmt: skip

    def _index(self, target: NeedTarget, titles) -> None:
        if target.ref:
            self.by_ref[target.ref] = target
        for title in titles:
            key = normalise_title(title or "")
            if key and target.city_id is not None:
                bucket = self.by_title[(target.city_id, key)]
                if target not in bucket:
                    bucket.append(target)

    def _values(self, cells: Cells) -> dict:
        values = {key: cells.text(key, n) for key, n in NEED_TEXT.items() if cells.has(key)}
        if cells.raw("city"):
            city = cells.code("city", self.city_vocabulary)
            values["city_id"] = self.city_ids[city] if city else None
        if cells.has("sectors"):
            values["sectors"] = cells.codes("sectors", self.sector_vocabulary)
        if cells.raw("status"):
            values["status"] = cells.code("status", self.statuses)
        if cells.raw("visibility"):
            values["visibility"] = cells.code("visibility", self.visibilities)
        if cells.has("funding"):
            values["funding"] = cells.codes("funding", self.funding)
        if cells.has("timeline"):
            values["timeline"] = cells.text("timeline", 120)
        if cells.has("expires_on"):
            values["expires_on"] = cells.day("expires_on")
        return values

    def _resolve(self, cells: Cells, ref: str | None, values: dict) -> NeedTarget | None:
        if ref and ref in self.by_ref:
            return self.by_ref[ref]
        city_id = values.get("city_id")
        if city_id is None:
            if not cells.raw("city"):
                cells.error("city", _("a new need needs its city"))
            return None
        titles = (values.get("title_en", ""), values.get("title_ja", ""))
        candidates: list[NeedTarget] = []
        for title in titles:
            for target in self.by_title.get((city_id, normalise_title(title)), ()):
                if target not in candidates and not (ref and target.ref):
                    candidates.append(target)
        if len(candidates) > 1:
            cells.row_error(
                _(
                    "the title matches %(n)d needs of this city; add a ref column to say which",
                    n=len(candidates),
                )
            )
            return None
        if candidates:
            target = candidates[0]
            if ref:
                target.ref = ref
                self.by_ref[ref] = target
            return target
        if not any(normalise_title(title) for title in titles):  # a new need: nothing names it
            cells.row_error(_("Give a title in English or Japanese."))
            return None
        target = NeedTarget(None, ref, city_id)
        self._index(target, titles)
        return target

    def _read(self, cells: Cells) -> NeedPlan:
        plan = NeedPlan(cells)
        ref = cells.text("ref", 40) or None
        values = self._values(cells)
        target = self._resolve(cells, ref, values)
        if target is None:
            return plan
        if target.first_row is not None:
            cells.row_error(_("the same need as row %(row)d", row=target.first_row))
            return plan
        target.first_row = cells.number
        plan.target = target
        plan.values = {key: value for key, value in values.items() if value is not None}
        if ref:
            plan.values["ref"] = ref
        return plan

    def _current(self, plans: list[NeedPlan]) -> dict[int, dict]:
        ids = [p.target.id for p in plans if p.target and p.target.id is not None]
        return current_state_with_sectors(
            NEED_STATE, need_sectors_table, need_sectors_table.c.need_id, ids
        )

    def _plan(self, plan: NeedPlan, current: dict[int, dict]) -> None:
        cells, values, target = plan.cells, plan.values, plan.target
        if target.id is None:
            state = {}
            changes = values
            action = "create"
        else:
            state = current.get(target.id, {})
            changes = changed_fields(state, values)
            action = "update" if changes else "unchanged"
        final = state | changes
        cells.check_rules(check_need_texts, final)
        label = " ".join(
            part for part in (final.get("ref"), final.get("title_en") or final.get("title_ja"))
            if part
        )  # fmt: skip
        plan.changes = changes
        fields = shown_fields(changes, target.id is None)
        plan.action = RecordAction("need", action, label, fields)

    def _write(self, plans: list[NeedPlan]) -> None:
        note = self.report.note
        created = []
        for plan in plans:
            if plan.action and plan.action.action == "create":
                values = dict(plan.changes)
                sectors = [self.sectors[slug] for slug in sorted(values.pop("sectors", []))]
                need = Need(**values, created_by_id=self.actor.id if self.actor else None)
                need.sectors = sectors
                created.append((plan.target, need))
        self.create_all([need for _target, need in created])
        for target, need in created:
            target.id = need.id
            if need.status == NeedStatus.PUBLISHED:
                self.published.append(need.id)
        updated = [p for p in plans if p.action and p.action.action == "update"]
        if updated:
            needs = {
                need.id: need
                for need in db.session.scalars(
                    sa.select(Need).where(Need.id.in_([p.target.id for p in updated]))
                )
            }
            for plan in updated:
                need = needs[plan.target.id]
                changes = dict(plan.changes)
                if "sectors" in changes:
                    changes["sectors"] = [self.sectors[slug] for slug in sorted(changes["sectors"])]
                was_published = need.status == NeedStatus.PUBLISHED
                update_record(need, changes, self.actor, source=SOURCE, note=note)
                if need.status == NeedStatus.PUBLISHED and not was_published:
                    self.published.append(need.id)
                if "city_id" in changes:
                    target = plan.target
                    target.city_id = need.city_id
        self.release()

    def process(self, chunk: list[Cells]) -> None:
        plans = [self._read(cells) for cells in chunk]
        current = self._current(plans)
        for plan in plans:
            if plan.target is not None:
                self._plan(plan, current)
        if self.writing and not any(plan.cells.errors for plan in plans):
            self._write(plans)
        for plan in plans:
            self.record_row(RowReport(plan.cells.number, [plan.action] if plan.action else [],
                                      plan.cells.errors))  # fmt: skip

    def finish(self) -> None:
        super().finish()
        if not (self.writing and self.alert_companies and self.published):
            return
        now = clock.now()
        for need_id in self.published:
            need = db.session.get(Need, need_id)
            if need is not None:
                need_published.send(need, now=now, company_ids=None)
        self.release()
