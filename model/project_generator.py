"""Seeded generator of the illustrative 项目调度表: the 2014 百项 list at the end of June, from one pipeline path.

One path of the project pipeline (:mod:`model.pipeline`, the calibration's
default levers, which the baseline scenario keeps) is simulated from the
generator's seed branch ``spawn_key=(17,)``. Its 2014 list (the projects selected
in the first quarter plus those added during the year, :func:`model.pipeline.list_membership`)
is written as a planner's dispatch table at the end of June: each project's
形象进度 and the dates of the milestones it has reached by then, its 总投资 and the
investment it made from January (spent linearly over construction, as the
pipeline does). Listed projects dropped before July are left out (the list is
managed dynamically). Names and cities are made up. So the table's reported
开工 and 投产 are exactly that path's; everything is flagged ``synthetic``.
"""

from __future__ import annotations

import calendar

import numpy as np
import pandas as pd

from . import generator_spec as S
from .pipeline import Destinations, PipelineParams, draw_projects, fast_timeline, list_membership
from .pipeline.destinations import _index_destinations

__all__ = ["generate_projects", "PROJECT_FILE", "PROJECT_SOURCE"]

PROJECT_SOURCE = "illustrative: model.project_generator (one path of the project pipeline)"
#: File name under the dataset's ``monthly/`` folder.
PROJECT_FILE = f"{S.MONTHLY_YEAR}-{S.MONTHLY_LAST_MONTH:02d}-projects.csv"
_INDUSTRY_ZH = ("装备制造", "电子信息", "有色金属", "化工", "新能源", "建材", "食品医药", "新材料")
_STATUS = ("前期", "在建", "竣工", "投产")


def generate_projects(tables: dict[str, pd.DataFrame], seed: int) -> pd.DataFrame:
    """The illustrative January–June 项目调度表 of the current year.

    Parameters
    ----------
    tables : dict of pandas.DataFrame
        The annual tables of :func:`model.generator.generate` (for the cities).
    seed : int
        The annual generator's seed; the project stream is its child ``spawn_key=(17,)``.

    Returns
    -------
    pandas.DataFrame
        One row per listed project, Chinese headers, investment in 万元.
    """
    root = np.random.SeedSequence(seed, spawn_key=(17,))
    params = PipelineParams.from_levers({})
    names = params.names
    dest = _index_destinations({n: Destinations.synthetic(4, 2) for n in names}, names)
    draws = draw_projects(params, dest, 1, 1, root)
    tl = fast_timeline(draws, params)
    k = names.index("jx_major")
    sl = draws.slices[k]
    p = params.programmes[k]
    M, at, valid = tl.times[:, sl], tl.abandon_time[:, sl], draws.valid[:, sl]
    build = np.where(np.isfinite(tl.construction_months[:, sl]), tl.construction_months[:, sl], draws.d["construction"][:, sl])
    listed, added = list_membership(M, at, valid, build, 0, p.list_length, p.list_selection_month, p.list_max_build_months,
                                    added_window=p.list_added_window_months, planned_starts_first=p.list_planned_starts_first)
    cut = float(S.MONTHLY_LAST_MONTH)
    keep = np.flatnonzero((listed | added)[0] & ~(at[0] < cut))
    rng = np.random.default_rng(root.spawn(1)[0])
    cities = tables["regions"].query("level == 'city' and parent == 'JX'")["name"].tolist()  # the 百项 list is Jiangxi's
    rows = []
    for n, j in enumerate(keep, 1):
        t = M[0, j]
        stage = int(sum(bool(t[i] < cut) for i in (7, 8, 9)))
        inv = float(draws.inv[0, sl][j])
        rate = inv / build[0, j]
        end = min(t[8], at[0, j])
        spent = rate * max(0.0, min(end, cut) - max(t[7], 0.0)) if np.isfinite(t[7]) else 0.0
        city = cities[rng.integers(len(cities))]
        industry = _INDUSTRY_ZH[rng.integers(len(_INDUSTRY_ZH))]
        rows.append([f"JX{S.MONTHLY_YEAR}-{n:03d}", f"{city[:-1]}{industry}重大项目{n:03d}(示意)", city, f"{inv * 1e4:.0f}", f"{spent * 1e4:.0f}", _STATUS[stage],
                     *[_date(t[i]) if t[i] < cut else "" for i in (7, 8, 9)], f"{S.MONTHLY_YEAR}-{S.MONTHLY_LAST_MONTH:02d}", "万元", "synthetic", PROJECT_SOURCE])
    return pd.DataFrame(rows, columns=["项目编号", "项目名称", "所属地区", "总投资", "年初至报告期完成投资", "形象进度", "开工日期", "竣工日期", "投产日期", "报告期", "单位", "数据类型", "来源"])


def _date(t: float) -> str:
    """Months since January of the current year -> ``YYYY-MM-DD``."""
    whole = int(np.floor(t))
    year, month = S.MONTHLY_YEAR + whole // 12, whole % 12 + 1
    day = 1 + int((t - whole) * calendar.monthrange(year, month)[1])
    return f"{year}-{month:02d}-{day:02d}"
