"""Table layouts, the Chinese column mapping, units and provenance flags.

A dataset is a folder of five tables (CSV or one sheet each of an .xlsx
workbook) plus ``dataset.toml``:

============== =====================================================================
table          columns (English name / accepted Chinese headers)
============== =====================================================================
regions        id/编码, name/名称, level/层级, parent/上级
parks          id/园区代码, name/园区名称, region/所属地区
clusters       id/集群代码, name/集群名称, level/层级, region/所属地区, parent/上级集群,
               hosts/所在园区
enterprises    id/企业代码, name/企业名称, region/所属地区, park/所属园区, cluster/所属集群,
               industry/行业
revenue        entity/主体代码 (or name/企业名称), year/年份, value/主营业务收入, unit/单位,
               provenance/数据类型, source/来源
dispatch       (月调度表, not part of a dataset folder) entity/主体代码 or name/企业名称 or
               park/园区 (a park's own row), year/年份, month/月份, value/累计主营业务收入,
               month_value/本月主营业务收入, yoy/同比增长 (%), unit/单位, provenance/数据类型,
               source/来源
projects       (项目调度表, not part of a dataset folder) code/项目编号, name/项目名称,
               region/所属地区, total/总投资, invest/年初至报告期完成投资, status/形象进度,
               start/开工日期, finish/竣工日期, producing/投产日期, period/报告期, unit/单位,
               provenance/数据类型, source/来源
============== =====================================================================

Revenue is converted to 亿元 on input (``万元`` × 1e-4); nothing inside the
model ever sees another unit. Every revenue row states its provenance
(数据类型: published, derived or synthetic); there is no default.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "TableSpec",
    "TABLES",
    "DISPATCH",
    "PROJECT_DISPATCH",
    "UNITS",
    "PROVENANCE",
    "REGION_LEVELS",
    "CLUSTER_LEVELS",
    "canonical_columns",
]


@dataclass(frozen=True)
class TableSpec:
    """One input table: required and optional columns and their Chinese aliases."""

    name: str
    required: tuple[str, ...]
    optional: tuple[str, ...]
    aliases: dict[str, str]

    @property
    def columns(self) -> tuple[str, ...]:
        return self.required + self.optional


_COMMON = {"编码": "id", "代码": "id", "名称": "name", "层级": "level", "上级": "parent", "所属地区": "region"}

TABLES: dict[str, TableSpec] = {
    "regions": TableSpec("regions", ("id", "name", "level"), ("parent",), dict(_COMMON, 地区名称="name")),
    "parks": TableSpec(
        "parks", ("id", "name", "region"), (), dict(_COMMON, 园区代码="id", 园区名称="name")
    ),
    "clusters": TableSpec(
        "clusters",
        ("id", "name", "level", "region"),
        ("parent", "hosts"),
        dict(_COMMON, 集群代码="id", 集群名称="name", 上级集群="parent", 所在园区="hosts"),
    ),
    "enterprises": TableSpec(
        "enterprises",
        ("id", "name", "region"),
        ("park", "cluster", "industry"),
        dict(_COMMON, 企业代码="id", 企业名称="name", 所属园区="park", 所属集群="cluster", 行业="industry"),
    ),
    "revenue": TableSpec(
        "revenue",
        # provenance is required: a blank or absent 数据类型 would otherwise have to be guessed,
        # and a guess of "published" would pass a planner's estimate off as an official figure.
        ("year", "value", "provenance"),
        ("entity", "name", "park", "unit", "source"),
        {
            "主体代码": "entity",
            "企业代码": "entity",
            "编码": "entity",
            "企业名称": "name",
            "名称": "name",
            "所属园区": "park",
            "年份": "year",
            "主营业务收入": "value",
            "收入": "value",
            "单位": "unit",
            "数据类型": "provenance",
            "来源": "source",
        },
    ),
}

#: 月调度表: one row per entity and month, cumulative (累计) revenue from January (model/dispatch.py).
#: Not a table of a dataset folder: it is read on its own (attain nowcast, attain run --ytd).
DISPATCH = TableSpec(
    "dispatch",
    ("month", "value", "provenance"),
    ("entity", "name", "park", "year", "month_value", "yoy", "unit", "source"),
    {
        "主体代码": "entity",
        "企业代码": "entity",
        "编码": "entity",
        "企业名称": "name",
        "名称": "name",
        "园区": "park",
        "所属园区": "park",
        "园区名称": "park",
        "年份": "year",
        "月份": "month",
        "累计主营业务收入": "value",
        "本月主营业务收入": "month_value",
        "同比增长": "yoy",
        "同比增长(%)": "yoy",
        "同比增长（%）": "yoy",
        "单位": "unit",
        "数据类型": "provenance",
        "来源": "source",
    },
)

#: 项目调度表 of the provincial 百项 list: one row per listed project, its state at the report month
#: (model/project_dispatch.py). Read on its own (attain run --ytd-projects).
PROJECT_DISPATCH = TableSpec(
    "projects",
    ("name", "status", "invest", "period", "provenance"),
    ("code", "region", "total", "start", "finish", "producing", "unit", "source"),
    {
        "项目编号": "code",
        "项目代码": "code",
        "项目名称": "name",
        "所属地区": "region",
        "设区市": "region",
        "地区": "region",
        "总投资": "total",
        "年初至报告期完成投资": "invest",
        "本年完成投资": "invest",
        "年初至今完成投资": "invest",
        "形象进度": "status",
        "开工日期": "start",
        "开工时间": "start",
        "竣工日期": "finish",
        "竣工时间": "finish",
        "投产日期": "producing",
        "投产时间": "producing",
        "报告期": "period",
        "单位": "unit",
        "数据类型": "provenance",
        "来源": "source",
    },
)

#: Accepted revenue units and their factor to 亿元.
UNITS: dict[str, float] = {"亿元": 1.0, "亿": 1.0, "万元": 1e-4, "万": 1e-4}

#: Provenance flags carried by every value.
PROVENANCE: tuple[str, ...] = ("published", "derived", "synthetic")

REGION_LEVELS: tuple[str, ...] = ("province", "city", "board", "county")
CLUSTER_LEVELS: tuple[str, ...] = ("provincial_key", "city_industry", "county_feature")


def canonical_columns(spec: TableSpec, headers: list[str]) -> dict[str, str]:
    """Map raw headers (English or Chinese) to canonical names.

    Parameters
    ----------
    spec : TableSpec
    headers : list of str
        Headers as read from the file.

    Returns
    -------
    dict
        ``{raw_header: canonical_name}`` for every recognised header; unknown
        headers are left out (the caller reports them).
    """
    mapping = {}
    for raw in headers:
        key = str(raw).strip()
        name = key if key in spec.columns else spec.aliases.get(key)
        if name is not None:
            mapping[raw] = name
    return mapping
