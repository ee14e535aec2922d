"""The spreadsheet layouts: which columns, under which headers, in which order.

The importer reads these layouts and the dataset export writes them, so a file exported
from ypmatch can be imported again unchanged. Every column has an English header (a
snake_case key) and a Japanese one; a file may use either, column by column.

Companies use one row per technology: the company's columns are repeated on each of its
technology rows (or left blank after the first), and a company without technologies has
one row with the technology columns blank. One sheet, so CSV and XLSX read the same way.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    key: str
    header_ja: str
    hint_en: str = ""
    hint_ja: str = ""
    aliases: tuple[str, ...] = ()

    @property
    def header_en(self) -> str:
        return self.key

    def header(self, language: str) -> str:
        return self.header_ja if language == "ja" else self.header_en


LIST_HINT_EN = "several values separated by ';'"
LIST_HINT_JA = "複数の場合は「;」で区切る"

COMPANY_COLUMNS = (
    Column("ref", "会社ID", "external key; keeps rows matched when names change",
           "外部キー（社名が変わっても同じ会社として照合）", aliases=("company_ref",)),
    Column("name_ja", "会社名（日本語）", "Japanese or English name required",
           "日本語名か英語名のどちらかは必須", aliases=("company_name_ja",)),
    Column("name_en", "会社名（英語）", "", "", aliases=("company_name_en",)),
    Column("ward", "所在区", "Yokohama ward, e.g. Kohoku-ku or 港北区", "例：港北区"),
    Column("size", "企業規模", "small, medium or large", "small / medium / large"),
    Column("website", "ウェブサイト", "starts with http:// or https://",
           "http:// または https:// で始まる"),
    Column("overseas_countries", "海外実績（国）", "ISO country codes, e.g. PH; VN; "
           + LIST_HINT_EN, "国コード（例：PH; VN）" + LIST_HINT_JA),
    Column("yport_member", "Y-PORTセンター会員", "yes or no", "はい / いいえ"),
    Column("description_ja", "会社概要（日本語）", aliases=("company_description_ja",)),
    Column("description_en", "会社概要（英語）", aliases=("company_description_en",)),
    Column("approval_status", "審査状況", "pending, approved or rejected; blank: approved",
           "pending / approved / rejected（空欄は承認済み）"),
    Column("technology_ref", "技術ID", "external key of the technology", "技術の外部キー",
           aliases=("tech_ref",)),
    Column("technology_title_ja", "技術名（日本語）", "a technology needs a title",
           "技術名は日本語か英語のどちらかが必須", aliases=("tech_title_ja",)),
    Column("technology_title_en", "技術名（英語）", aliases=("tech_title_en",)),
    Column("technology_description_ja", "技術の説明（日本語）",
           "a technology needs a description", "説明は日本語か英語のどちらかが必須",
           aliases=("tech_description_ja",)),
    Column("technology_description_en", "技術の説明（英語）",
           aliases=("tech_description_en",)),
    Column("sectors", "分野", "sector codes or names; " + LIST_HINT_EN,
           "分野コードまたは分野名。" + LIST_HINT_JA),
    Column("track_record", "導入実績"),
)  # fmt: skip

COMPANY_FIELDS = (
    "ref", "name_ja", "name_en", "ward", "size", "website", "overseas_countries",
    "yport_member", "description_ja", "description_en", "approval_status",
)  # fmt: skip
TECHNOLOGY_FIELDS = {
    "technology_ref": "ref",
    "technology_title_ja": "title_ja",
    "technology_title_en": "title_en",
    "technology_description_ja": "description_ja",
    "technology_description_en": "description_en",
    "sectors": "sectors",
    "track_record": "track_record",
}

NEED_COLUMNS = (
    Column("ref", "ニーズID", "external key; keeps rows matched when titles change",
           "外部キー（タイトルが変わっても同じニーズとして照合）", aliases=("need_ref",)),
    Column("city", "都市", "partner city code or name", "パートナー都市のコードまたは名称"),
    Column("title_en", "タイトル（英語）", "English or Japanese title required",
           "英語か日本語のタイトルが必須"),
    Column("title_ja", "タイトル（日本語）"),
    Column("description_en", "説明（英語）", "English or Japanese description required",
           "英語か日本語の説明が必須"),
    Column("description_ja", "説明（日本語）"),
    Column("sectors", "分野", "sector codes or names; " + LIST_HINT_EN,
           "分野コードまたは分野名。" + LIST_HINT_JA),
    Column("status", "状況", "draft, published, in_mission or closed; blank: draft",
           "draft / published / in_mission / closed（空欄は下書き）"),
    Column("visibility", "公開範囲", "internal, companies or public; blank: internal",
           "internal / companies / public（空欄は市内部のみ）"),
    Column("funding", "資金スキーム", "e.g. JICA; ADB; " + LIST_HINT_EN,
           "例：JICA; ADB。" + LIST_HINT_JA),
    Column("timeline", "想定時期", "free text, e.g. 2026-2030", "自由記述（例：2026-2030）"),
    Column("expires_on", "掲載期限", "date, YYYY-MM-DD", "日付（YYYY-MM-DD）"),
)  # fmt: skip

# Export only: missions and outcomes are planned and recorded in ypmatch itself.
MISSION_COLUMNS = (
    Column("title", "ミッション名"),
    Column("city", "都市"),
    Column("start_date", "開始日"),
    Column("end_date", "終了日"),
    Column("status", "状況"),
    Column("slots", "参加枠"),
    Column("needs", "対象ニーズ"),
    Column("companies", "参加企業（状況）"),
    Column("notes", "メモ"),
)
OUTCOME_COLUMNS = (
    Column("occurred_on", "日付"),
    Column("kind", "成果"),
    Column("company_ref", "会社ID"),
    Column("company", "会社名"),
    Column("need_ref", "ニーズID"),
    Column("need", "ニーズ"),
    Column("city", "都市"),
    Column("mission", "ミッション"),
    Column("funding_source", "資金スキーム"),
    Column("amount_jpy", "金額（円）"),
    Column("reason", "理由"),
    Column("notes", "メモ"),
)

LAYOUTS = {
    "companies": COMPANY_COLUMNS,
    "needs": NEED_COLUMNS,
    "missions": MISSION_COLUMNS,
    "outcomes": OUTCOME_COLUMNS,
}
