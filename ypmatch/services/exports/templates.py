"""Empty import files: the layout's headers, and in XLSX a sheet of instructions listing
every value the cells accept."""

import sqlalchemy as sa
from flask_babel import force_locale

from ypmatch import labels
from ypmatch.extensions import db
from ypmatch.models import PartnerCity, Sector
from ypmatch.services.exports.dataset import layout_sheet
from ypmatch.services.exports.writers import Sheet, writer_for
from ypmatch.services.imports.columns import LAYOUTS


def _value_lists(kind: str) -> list[list]:
    """The codes a template's cells accept, with their names in both languages."""

    def labelled(title: str, mapping: dict) -> list[list]:
        with force_locale("en"):
            english = {code: str(label) for code, label in mapping.items()}
        with force_locale("ja"):
            japanese = {code: str(label) for code, label in mapping.items()}
        return [[title]] + [[code, english[code], japanese[code]] for code in mapping]

    sectors = db.session.scalars(sa.select(Sector).where(Sector.is_current).order_by(Sector.id))
    rows = [["sectors 分野"]] + [[s.slug, s.name_en, s.name_ja] for s in sectors]
    if kind == "companies":
        rows += labelled("ward 所在区", labels.WARD)
        rows += labelled("size 企業規模", labels.COMPANY_SIZE)
        rows += labelled("overseas_countries 海外実績（国）", labels.COUNTRIES)
        rows += labelled("approval_status 審査状況", labels.APPROVAL)
    else:
        cities = db.session.scalars(
            sa.select(PartnerCity).where(PartnerCity.is_current).order_by(PartnerCity.id)
        )
        rows += [["city 都市"]] + [[c.slug, c.name_en, c.name_ja] for c in cities]
        rows += labelled("status 状況", labels.NEED_STATUS)
        rows += labelled("visibility 公開範囲", labels.VISIBILITY)
        rows += labelled("funding 資金スキーム", labels.FUNDING)
    return rows


def template_instructions(kind: str) -> list[list]:
    intro = (
        "Fill in the first sheet from row 2; keep row 1 (the headers, Japanese or English). "
        "Companies: one row per technology; repeat the company's columns on each of its rows."
        if kind == "companies"
        else "Fill in the first sheet from row 2, one need per row; keep row 1 (the headers)."
    )
    intro_ja = (
        "1枚目のシートの2行目から入力してください（1行目の見出しは日本語・英語のどちらでも可）。"
        "技術ごとに1行とし、同じ会社の行には会社の列を繰り返します。"
        if kind == "companies"
        else "1枚目のシートの2行目から、1行に1件のニーズを入力してください。"
    )
    rows = [[intro], [intro_ja], [], ["見出し", "column", "hint", "説明"]]
    rows += [[c.header_ja, c.key, c.hint_en, c.hint_ja] for c in LAYOUTS[kind]]
    rows += [[], ["Accepted values: the code, or the English or Japanese name. 使える値："]]
    rows += _value_lists(kind)
    return rows


def template_file(kind: str, file_format: str, language: str) -> bytes:
    """An empty import file with the headers in ``language`` ("ja" or "en"), and a sheet of
    instructions (a CSV holds the first sheet only)."""
    instructions = Sheet("説明 Instructions", None, template_instructions(kind), (28, 28, 60, 60))
    sheets = [layout_sheet(kind, LAYOUTS[kind], [], language), instructions]
    return writer_for(file_format).to_bytes(sheets)
