"""Import companies with their technologies: one row per technology.

A row's company is found by its ref, else by its normalised Japanese or English name
(a ref that is not yet known also adopts a same-named company that has no ref). A
company's columns are read from its first row; its later rows must repeat them or
leave them blank. A technology is found by its ref, else by its title within the
company. Nothing is ever deleted: records missing from the file stay as they are.
"""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from ypmatch import labels
from ypmatch.extensions import db
from ypmatch.models import ApprovalStatus, Company, Sector, Technology, technology_sectors_table
from ypmatch.services.companies import NAME_RULE, check_technology_texts
from ypmatch.services.imports.columns import COMPANY_COLUMNS, COMPANY_FIELDS, TECHNOLOGY_FIELDS
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
    country_vocabulary,
    normalise_name,
    normalise_title,
    vocabulary_from_labels,
)
from ypmatch.services.records import update_record

COMPANY_TEXT = {"name_ja": 200, "name_en": 200, "description_ja": 5000, "description_en": 5000}
TECHNOLOGY_TEXT = {
    "technology_title_ja": 200,
    "technology_title_en": 200,
    "technology_description_ja": 10000,
    "technology_description_en": 10000,
    "track_record": 5000,
}
SIZE_ALIASES = {
    "small": ("小規模", "小", "中小企業"),
    "medium": ("中規模", "中", "中堅企業"),
    "large": ("大規模", "大", "大企業"),
}
COMPANY_STATE = [
    Company.id, Company.ref, Company.name_ja, Company.name_en, Company.ward, Company.size,
    Company.website, Company.overseas_countries, Company.yport_member, Company.description_ja,
    Company.description_en, Company.approval_status,
]  # fmt: skip
TECHNOLOGY_STATE = [
    Technology.id, Technology.ref, Technology.title_ja, Technology.title_en,
    Technology.description_ja, Technology.description_en, Technology.track_record,
]  # fmt: skip


@dataclass(eq=False, slots=True)
class CompanyTarget:
    id: int | None
    ref: str | None
    first_row: int | None = None
    fingerprint: dict | None = None


@dataclass(eq=False, slots=True)
class TechnologyTarget:
    id: int | None
    ref: str | None
    company: CompanyTarget
    first_row: int | None = None


@dataclass(eq=False, slots=True)
class RowPlan:
    cells: Cells
    company: CompanyTarget | None = None
    company_values: dict | None = None
    company_first: bool = False
    company_action: RecordAction | None = None
    company_changes: dict | None = None
    technology: TechnologyTarget | None = None
    technology_values: dict | None = None
    technology_action: RecordAction | None = None
    technology_changes: dict | None = None


class CompanyImporter(Importer):
    kind = "companies"
    columns = COMPANY_COLUMNS

    def __init__(self, *args):
        super().__init__(*args)
        self.sectors = {
            sector.slug: sector
            for sector in db.session.scalars(sa.select(Sector).where(Sector.is_current))
        }
        self.sector_vocabulary = Vocabulary(
            _("sector"), (Term(s.slug, s.name_en, s.name_ja) for s in self.sectors.values())
        )
        self.wards = vocabulary_from_labels(_("ward"), labels.WARD)
        self.sizes = vocabulary_from_labels(_("size"), labels.COMPANY_SIZE, SIZE_ALIASES)
        self.countries = country_vocabulary(_("country"), labels.COUNTRIES)
        self.approvals = vocabulary_from_labels(_("review status"), labels.APPROVAL)
        self.by_ref: dict[str, CompanyTarget] = {}
        self.by_name: dict[str, list[CompanyTarget]] = defaultdict(list)
        self.by_id: dict[int, CompanyTarget] = {}
        for company_id, ref, name_ja, name_en in db.session.execute(
            sa.select(Company.id, Company.ref, Company.name_ja, Company.name_en)
        ):
            self._index_company(CompanyTarget(company_id, ref), (name_ja, name_en))
        self.technology_by_ref: dict[str, TechnologyTarget] = {}
        self.technology_by_title: dict[tuple[CompanyTarget, str], TechnologyTarget] = {}
        for technology_id, ref, company_id, title_ja, title_en in db.session.execute(
            sa.select(
                Technology.id,
                Technology.ref,
                Technology.company_id,
                Technology.title_ja,
                Technology.title_en,
            )
        ):
            self._index_technology(
                TechnologyTarget(technology_id, ref, self.by_id[company_id]), (title_ja, title_en)
            )
        self.keep_session()

    def check_headers(self, keys: set[str]) -> None:
        if not keys & {"ref", "name_ja", "name_en"}:
            raise ImportRefused(
                _("The file needs a company name column (name_ja or name_en) or a ref column.")
            )
        self.technology_keys = keys & set(TECHNOLOGY_FIELDS)

    # -- indexes --------------------------------------------------------------------

    def _index_company(self, target: CompanyTarget, names) -> None:
        if target.id is not None:
            self.by_id[target.id] = target
        if target.ref:
            self.by_ref[target.ref] = target
        for name in names:
            key = normalise_name(name or "")
            if key and target not in self.by_name[key]:
                self.by_name[key].append(target)

    def _index_technology(self, target: TechnologyTarget, titles) -> None:
        if target.ref:
            self.technology_by_ref[target.ref] = target
        for title in titles:
            key = normalise_title(title or "")
            if key:
                self.technology_by_title.setdefault((target.company, key), target)

    # -- reading rows -----------------------------------------------------------------

    def _company_values(self, cells: Cells) -> dict:
        values = {key: cells.text(key, n) for key, n in COMPANY_TEXT.items() if cells.has(key)}
        if cells.has("website"):
            values["website"] = cells.website("website")
        if cells.has("ward"):
            values["ward"] = cells.code("ward", self.wards) or ""
        if cells.raw("size"):
            values["size"] = cells.code("size", self.sizes)
        if cells.has("overseas_countries"):
            values["overseas_countries"] = cells.codes("overseas_countries", self.countries)
        if cells.has("yport_member"):
            values["yport_member"] = cells.boolean("yport_member")
        if cells.raw("approval_status"):
            values["approval_status"] = cells.code("approval_status", self.approvals)
        return values

    def _technology_values(self, cells: Cells) -> dict | None:
        if not any(cells.raw(key) for key in self.technology_keys):
            return None
        values = {}
        for key, n in TECHNOLOGY_TEXT.items():
            if cells.has(key):
                values[TECHNOLOGY_FIELDS[key]] = cells.text(key, n)
        if cells.has("sectors"):
            values["sectors"] = cells.codes("sectors", self.sector_vocabulary)
        return values

    def _resolve_company(self, cells: Cells, ref: str | None, names) -> CompanyTarget | None:
        if ref and ref in self.by_ref:
            return self.by_ref[ref]
        candidates: list[CompanyTarget] = []
        for name in names:
            for target in self.by_name.get(normalise_name(name), ()):
                if target not in candidates and not (ref and target.ref):
                    candidates.append(target)
        if len(candidates) > 1:
            cells.row_error(
                _(
                    "the company name matches %(n)d companies; add a ref column to say which",
                    n=len(candidates),
                )
            )
            return None
        if candidates:
            target = candidates[0]
            if ref:  # the company gets the ref it is known by in the file
                target.ref = ref
                self.by_ref[ref] = target
            return target
        if not any(normalise_name(name) for name in names):
            cells.row_error(str(NAME_RULE))
            return None
        target = CompanyTarget(None, ref)
        self._index_company(target, names)
        return target

    def _resolve_technology(
        self, cells: Cells, company: CompanyTarget, ref: str | None, titles
    ) -> TechnologyTarget | None:
        if ref and ref in self.technology_by_ref:
            target = self.technology_by_ref[ref]
            if target.company is not company:
                cells.error(
                    "technology_ref",
                    _("the technology '%(ref)s' belongs to another company", ref=ref),
                )
                return None
            return target
        for title in titles:
            target = self.technology_by_title.get((company, normalise_title(title)))
            if target is not None and not (ref and target.ref):
                if ref:
                    target.ref = ref
                    self.technology_by_ref[ref] = target
                return target
        if not any(normalise_title(title) for title in titles):
            column = "technology_title_" + ("ja" if cells.has("technology_title_ja") else "en")
            cells.error(column, _("a technology needs a title in Japanese or English"))
            return None
        target = TechnologyTarget(None, ref, company)
        self._index_technology(target, titles)
        return target

    def _read(self, cells: Cells) -> RowPlan:
        plan = RowPlan(cells)
        ref = cells.text("ref", 40) or None
        values = self._company_values(cells)
        names = (cells.raw("name_ja"), cells.raw("name_en"))
        plan.technology_values = self._technology_values(cells)
        company = self._resolve_company(cells, ref, names)
        if company is None:
            return plan
        plan.company = company
        fingerprint = {key: hash(cells.raw(key)) for key in COMPANY_FIELDS if cells.has(key)}
        if company.first_row is None:
            company.first_row = cells.number
            company.fingerprint = fingerprint
            plan.company_first = True
            plan.company_values = values | ({"ref": ref} if ref else {})
            self._index_company(company, names)
        else:
            for key, value in fingerprint.items():
                if cells.raw(key) and value != company.fingerprint.get(key):
                    cells.error(
                        key,
                        _(
                            "differs from row %(row)d of the same company; repeat the "
                            "company's values on each of its rows or leave them blank",
                            row=company.first_row,
                        ),
                    )
        if plan.technology_values is not None:
            technology_ref = cells.text("technology_ref", 40) or None
            titles = (
                plan.technology_values.get("title_ja", ""),
                plan.technology_values.get("title_en", ""),
            )
            technology = self._resolve_technology(cells, company, technology_ref, titles)
            if technology is not None:
                if technology.first_row is not None:
                    cells.row_error(
                        _("the same technology as row %(row)d", row=technology.first_row)
                    )
                else:
                    technology.first_row = cells.number
                    plan.technology = technology
                    if technology_ref:
                        plan.technology_values["ref"] = technology_ref
        return plan

    # -- planning ---------------------------------------------------------------------

    def _current_companies(self, plans: list[RowPlan]) -> dict[int, dict]:
        ids = [p.company.id for p in plans if p.company_first and p.company.id is not None]
        if not ids:
            return {}
        rows = db.session.execute(sa.select(*COMPANY_STATE).where(Company.id.in_(ids)))
        return {row.id: dict(row._mapping) for row in rows}

    def _current_technologies(self, plans: list[RowPlan]) -> dict[int, dict]:
        ids = [p.technology.id for p in plans if p.technology and p.technology.id is not None]
        return current_state_with_sectors(
            TECHNOLOGY_STATE,
            technology_sectors_table,
            technology_sectors_table.c.technology_id,
            ids,
        )

    def _plan_company(self, plan: RowPlan, current: dict[int, dict]) -> None:
        cells, values, target = plan.cells, plan.company_values, plan.company
        if not plan.company_first:
            label = plan.cells.raw("name_ja") or plan.cells.raw("name_en") or target.ref or ""
            plan.company_action = RecordAction(
                "company", "same", label, same_as_row=target.first_row
            )
            return
        label = values.get("name_ja") or values.get("name_en") or target.ref or ""
        if target.id is None:
            values.setdefault("approval_status", ApprovalStatus.APPROVED)
            values = {key: value for key, value in values.items() if value is not None}
            plan.company_values = values
            if not (values.get("name_ja") or values.get("name_en")):
                cells.row_error(str(NAME_RULE))
            plan.company_changes = values
            fields = shown_fields(values, True)
            plan.company_action = RecordAction("company", "create", label, fields)
            return
        state = current[target.id]
        wanted = {key: value for key, value in values.items() if value is not None}
        changes = changed_fields(state, wanted)
        if not ((state | changes).get("name_ja") or (state | changes).get("name_en")):
            cells.row_error(str(NAME_RULE))
        label = label or state["name_ja"] or state["name_en"]
        plan.company_changes = changes
        plan.company_action = RecordAction(
            "company", "update" if changes else "unchanged", label, shown_fields(changes, False)
        )

    def _plan_technology(self, plan: RowPlan, current: dict[int, dict]) -> None:
        cells, values, target = plan.cells, plan.technology_values, plan.technology
        state = current.get(target.id, {}) if target.id is not None else {}
        changes = changed_fields(state, values) if target.id is not None else values
        final = state | changes
        label = final.get("title_ja") or final.get("title_en") or ""
        cells.check_rules(check_technology_texts, final)
        action = "create" if target.id is None else ("update" if changes else "unchanged")
        plan.technology_changes = changes
        fields = shown_fields(changes, target.id is None)
        plan.technology_action = RecordAction("technology", action, label, fields)

    # -- writing ----------------------------------------------------------------------

    def _sector_objects(self, slugs: list[str]) -> list[Sector]:
        return [self.sectors[slug] for slug in sorted(slugs)]

    def _write(self, plans: list[RowPlan]) -> None:
        note = self.report.note
        new_companies = [
            (p.company, Company(**p.company_changes))
            for p in plans
            if p.company_action and p.company_action.action == "create"
        ]
        self.create_all([company for _target, company in new_companies])
        for target, company in new_companies:
            target.id = company.id
            self.by_id[company.id] = target
        updated = [p for p in plans if p.company_action and p.company_action.action == "update"]
        if updated:
            companies = {
                company.id: company
                for company in db.session.scalars(
                    sa.select(Company).where(Company.id.in_([p.company.id for p in updated]))
                )
            }
            for p in updated:
                update_record(
                    companies[p.company.id], p.company_changes, self.actor, source=SOURCE, note=note
                )
        new_technologies = []
        for p in plans:
            if p.technology_action and p.technology_action.action == "create":
                values = dict(p.technology_changes)
                sectors = self._sector_objects(values.pop("sectors", []))
                technology = Technology(**values, company_id=p.technology.company.id)
                technology.sectors = sectors
                new_technologies.append((p.technology, technology))
        self.create_all([technology for _target, technology in new_technologies])
        for target, technology in new_technologies:
            target.id = technology.id
        updated = [
            p for p in plans if p.technology_action and p.technology_action.action == "update"
        ]
        if updated:
            technologies = {
                technology.id: technology
                for technology in db.session.scalars(
                    sa.select(Technology).where(
                        Technology.id.in_([p.technology.id for p in updated])
                    )
                )
            }
            for p in updated:
                changes = dict(p.technology_changes)
                if "sectors" in changes:
                    changes["sectors"] = self._sector_objects(changes["sectors"])
                update_record(
                    technologies[p.technology.id], changes, self.actor, source=SOURCE, note=note
                )
        self.release()

    def process(self, chunk: list[Cells]) -> None:
        plans = [self._read(cells) for cells in chunk]
        current_companies = self._current_companies(plans)
        current_technologies = self._current_technologies(plans)
        for plan in plans:
            if plan.company is not None:
                self._plan_company(plan, current_companies)
            if plan.technology is not None:
                self._plan_technology(plan, current_technologies)
        if self.writing and not any(plan.cells.errors for plan in plans):
            self._write(plans)
        for plan in plans:
            actions = [a for a in (plan.company_action, plan.technology_action) if a]
            self.record_row(RowReport(plan.cells.number, actions, plan.cells.errors))
