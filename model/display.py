"""Terminal tables for run results (Chinese first, English on request)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Protocol

__all__ = ["run_table", "data_summary_table", "format_table", "pad", "width", "assumption_lines", "LIST_COLUMNS"]

_ILLUSTRATIVE = {
    "zh": "注意:本结果基于示意性数据(合成面板嵌入真实公开数据),不代表实际统计。",
    "en": "NOTE: results rest on ILLUSTRATIVE data (a synthetic panel around real published anchors).",
}
_HEAD = {
    "zh": ("目标", "年份", "目标值", "达成概率", "中位数 [10%–90%]"),
    "en": ("target", "year", "goal", "P(attain)", "median [10%-90%]"),
}


def width(text: str) -> int:
    """Display width (CJK characters count double)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, n: int) -> str:
    """Left-align ``text`` to display width ``n`` (truncating with an ellipsis)."""
    if width(text) > n:
        while width(text) > n - 1:
            text = text[:-1]
        text += "…"
    return text + " " * (n - width(text))


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.4g}"


def run_table(summary: dict, lang: str = "zh") -> str:
    """A readable table of every target: P ± MC error, or why it is not evaluable."""
    lines = [f"scenario: {summary['scenario']} — {summary['description' if lang == 'zh' else 'description_en']}"]
    lines.append(f"paths: {summary['n_paths']}, seed: {summary['seed']}, years {summary['years'][0]}-{summary['years'][-1]}; {summary['calibration']}")
    if summary["illustrative_data"]:
        lines.append(_ILLUSTRATIVE[lang])
    lines += assumption_lines(summary, lang)
    head = _HEAD[lang]
    p_width = 36 if summary.get("structural") else 18
    lines.append(pad(head[0], 44) + pad(head[1], 6) + pad(head[2], 10) + pad(head[3] + (" ± MC [结构区间]" if lang == "zh" else " ± MC [structural]") * bool(summary.get("structural")), p_width) + head[4])
    lines += [_row(t, lang, p_width) for t in summary["targets"] if t["evaluable"]]
    lines += _member_lines(summary["targets"], lang)
    lines += _not_evaluable_lines([t for t in summary["targets"] if not t["evaluable"]], lang)
    lines += _fiscal_lines(summary.get("fiscal", []), summary["years"], lang)
    lines += _list_lines(summary.get("pipeline", {}).get("provincial_list", {}), lang)
    return "\n".join(lines)


def _member_lines(targets: list[dict], lang: str) -> list[str]:
    """Count targets: members above the threshold in the last data year, and how many of them are made up."""
    rows = [t for t in targets if t.get("members_2013")]
    if not rows:
        return []
    year = rows[0]["members_2013"]["year"]
    if lang == "zh":
        out = ["", f"计数目标:{year}年已过门槛的成员(其中合成数据;合成成员每条路径按设定的不确定性抽取)"]
        fmt = "  {id}: {above} 个,其中合成 {synthetic_above} 个;门槛附近(一个标准差内)的合成候选 {synthetic_near} 个"
    else:
        out = ["", f"Count targets: members above the threshold in {year} (of which made up; made-up values are drawn per path)"]
        fmt = "  {id}: {above}, of which {synthetic_above} synthetic; {synthetic_near} synthetic candidates within one sd of the threshold"
    held = "(其中 {n} 个因会改变公开数值而固定)" if lang == "zh" else " ({n} of them held fixed: drawing them would move a published value)"
    return out + [fmt.format(id=t["id"], **t["members_2013"]) + (held.format(n=len(t["members_2013"]["synthetic_held"])) if t["members_2013"].get("synthetic_held") else "") for t in rows]


#: Column headers of the provincial list's composition (``pipeline.provincial_list``), by language.
LIST_COLUMNS: dict[str, dict[str, str]] = {
    "zh": {"year": "年份", "listed": "列入", "added": "补充", "new": "新建", "continuing": "续建", "completing": "当年投产", "starts": "开工", "completions": "投产"},
    "en": {"year": "year", "listed": "listed", "added": "added", "new": "new", "continuing": "contin.", "completing": "complet.", "starts": "starts", "completions": "compl."},
}


def _list_lines(lst: dict, lang: str) -> list[str]:
    """The 百项 list's composition and flows (path means) for each simulated year."""
    if not lst:
        return []
    m, years = lst["mean"], lst["years"]
    if lang == "zh":
        head = f"百项重大工业项目年度计划(列表长度 {lst['length']},各路径均值):新开工/续建/当年投产 = 列入 + 补充;开工、投产按列入项目计"
    else:
        head = f"Provincial list of major projects (length {lst['length']}, path means): new + continuing + completing = listed + added; starts and completions counted among them"
    cols = LIST_COLUMNS[lang]
    keys = tuple(cols)[1:]
    out = ["", head, "".join(pad(c, 9) for c in cols.values())]
    for i, y in enumerate(years):
        out.append(pad(str(y), 9) + "".join(pad(f"{m[k][i]:.1f}", 9) for k in keys))
    return out


def _not_evaluable_lines(targets: list[dict], lang: str) -> list[str]:
    """One line per reason, listing the targets it applies to (the JSON keeps each target)."""
    if not targets:
        return []
    by_reason: dict[str, list[str]] = {}
    for t in targets:
        by_reason.setdefault(t["why_not"], []).append(t["id"])
    head = f"无法评估的目标 {len(targets)} 项(按原因;详见 --json):" if lang == "zh" else f"{len(targets)} targets not evaluable (by reason; details in --json):"
    return ["", head] + [f"  {_id_list(ids)}: {why}" for why, ids in by_reason.items()]


def _id_list(ids: list[str]) -> str:
    """``A-2014, A-2015, A-2016`` → ``A-2014…2016``: yearly series of one target collapse."""
    runs: list[list] = []  # [stem, first year, last year] or [id, None, None]
    for tid in ids:
        stem, _, year = tid.rpartition("-")
        if year.isdigit() and runs and runs[-1][0] == stem and runs[-1][2] == int(year) - 1:
            runs[-1][2] = int(year)
        elif year.isdigit():
            runs.append([stem, int(year), int(year)])
        else:
            runs.append([tid, None, None])
    return ", ".join(s if a is None else (f"{s}-{a}" if a == b else f"{s}-{a}…{b}") for s, a, b in runs)


def _fiscal_lines(rows: list[dict], years: list[int], lang: str) -> list[str]:
    if not rows:
        return []
    head = "奖励政策财政支出预测(万元/年,均值 [10%–90%])" if lang == "zh" else "Reward schedules: expected fiscal cost (万元 a year, mean [10%-90%])"
    out = ["", head]
    for r in rows:
        title = r["title_zh"] if lang == "zh" else r["title_en"]
        if not r["evaluable"]:
            out.append(f"  {r['id']} {title}: " + ("无法评估: " if lang == "zh" else "not evaluable: ") + r["why_not"])
            continue
        cells = [f"{y}: {m:,.0f} [{lo:,.0f}–{hi:,.0f}]" for y, m, lo, hi in zip(r["years"], r["mean"], r["q10"], r["q90"]) if y <= 2016]
        out.append(f"  {r['id']} {title} ({r['payer']}): " + "; ".join(cells))
    return out


def assumption_lines(summary: dict, lang: str = "zh") -> list[str]:
    """What the probabilities are conditional on: the macro view (prior vs data weight), levers, data; the structural variants."""
    mv = summary.get("macro_view")
    if not mv:
        return []
    par, st = mv["parameters"], mv["start"]
    g, ph, sd = par["long_run_growth"], par["persistence"], par["shock_sd"]
    cond = summary.get("conditional_on", {})
    files = ", ".join(f.rsplit("/", 1)[-1] for f in cond.get("levers", {}).get("scenario_files", []))
    if lang == "zh":
        out = [
            "概率的前提(条件):",
            f"  宏观观点(先验): 长期名义增长 {g['prior_mean']:.3f} ± {g['prior_sd']:.3f}, 持续性 {ph['prior_mean']:.2f} ± {ph['prior_sd']:.2f}; 起点: {'卡尔曼滤波' if st['rule'] == 'filtered' else '最后观测'} 增长 {st['growth']:.3f} ± {st['sd']:.3f} (2013 年观测 {st['last_observed_growth']:.3f})",
            f"  结合数据后: 长期增长 {g['posterior_mean']:.3f} ± {g['posterior_sd']:.3f} (数据权重 {g['data_weight']:.0%}), 持续性 {ph['posterior_mean']:.2f} ± {ph['posterior_sd']:.2f} (数据 {ph['data_weight']:.0%}), 冲击 {sd['posterior_mean']:.3f} (数据 {sd['data_weight']:.0%})",
            f"  政策杠杆: 情景文件 {files}; 数据: {cond.get('data', {}).get('calibration', '')}",
        ]
    else:
        out = [
            "Probabilities are conditional on:",
            f"  macro view (prior): long-run nominal growth {g['prior_mean']:.3f} ± {g['prior_sd']:.3f}, persistence {ph['prior_mean']:.2f} ± {ph['prior_sd']:.2f}; start: {st['rule']} growth {st['growth']:.3f} ± {st['sd']:.3f} (observed 2013: {st['last_observed_growth']:.3f})",
            f"  after the data: long-run growth {g['posterior_mean']:.3f} ± {g['posterior_sd']:.3f} (data weight {g['data_weight']:.0%}), persistence {ph['posterior_mean']:.2f} ± {ph['posterior_sd']:.2f} (data {ph['data_weight']:.0%}), shock sd {sd['posterior_mean']:.3f} (data {sd['data_weight']:.0%})",
            f"  levers: scenario files {files}; data: {cond.get('data', {}).get('calibration', '')}",
        ]
    xy = cond.get("xinyi")
    if xy:
        out.append(f"  信宜: 示例面板 {xy['firms']} 家规上企业(锚定 2014 年研发投入占比 0.68%); 投资、技改与研发概率基于 calibration/innovation.toml 中的设定假设" if lang == "zh"
                   else f"  Xinyi: illustrative panel of {xy['firms']} above-scale firms (anchored on 0.68 % R&D in 2014); investment, upgrade and R&D probabilities rest on the stated assumptions of calibration/innovation.toml")
        out.append("  信宜投资、园区投资、技改及研发机构目标: 无 2014 年数据, 起点按假设取 2015 年计划值 ÷ 1.15 (研发机构占比 5%), 概率主要由此假设决定; 起点在 计划值 ÷ 1.30 至 ÷ 1.00 之间时的概率见结构区间 (xinyi_start_low/high, xinyi_rdunits_slow/fast); 政策杠杆自 2015 年 (文件 004) 起作用" if lang == "zh"
                   else "  Xinyi's investment, park investment, upgrade and R&D-unit targets: no 2014 data; the start is assumed at the 2015 plan / 1.15 (R&D units 5 %), and that assumption mostly decides P; the structural range shows P for a start between plan / 1.30 and plan / 1.00 (xinyi_start_low/high, xinyi_rdunits_slow/fast); levers act from 2015 (document 004)")
    s = summary.get("structural")
    if s:
        names = ", ".join(s["variants"])
        out.append(f"  结构区间 [低–高]: {len(s['variants'])} 种替代假设下的最低与最高概率 ({s['n_paths']} 条路径/种, 共同随机数): {names} (详见 --json / README)" if lang == "zh"
                   else f"  structural range [low–high]: lowest and highest P under {len(s['variants'])} alternatives ({s['n_paths']} paths each, common random numbers): {names} (see --json / README)")
    return out


def _row(t: dict, lang: str, p_width: int = 18) -> str:
    title = t["title_zh"] if lang == "zh" else t["title_en"]
    name = pad(f"{t['id']} {title}", 43) + " "
    goal = f"≥{_fmt(t['at_least'])}" if t["at_least"] is not None else "-"
    if not t["evaluable"]:
        why = "无法评估: " if lang == "zh" else "not evaluable: "
        return name + pad(str(t["year"]), 6) + pad(goal, 10) + why + t["why_not"]
    # Small Monte Carlo errors keep one significant digit instead of printing "± 0.000".
    digits = 3 if t["se"] >= 0.0005 else 4
    p = f"{t['probability']:.3f} ± {t['se']:.3f}" if digits == 3 else f"{t['probability']:.4f} ± {t['se']:.1g}"
    if "structural" in t:
        p += f" [{t['structural']['low']:.{digits}f}–{t['structural']['high']:.{digits}f}]"
    q = t["quantiles"]
    dist = f"{_fmt(q['q50'])} [{_fmt(q['q10'])}–{_fmt(q['q90'])}]"
    return name + pad(str(t["year"]), 6) + pad(goal, 10) + pad(p, p_width) + dist


def data_summary_table(info: dict) -> str:
    """Summary printed by ``attain data check``."""
    lines = [f"OK: {info['source']}", f"years {info['years'][0]}-{info['years'][-1]}"]
    lines += [f"  {k:12s} {v}" for k, v in info["entities"].items()]
    lines.append("provenance of values: " + ", ".join(f"{k} {v:.1%}" for k, v in info["provenance_share"].items()))
    lines.append(f"leaves (enterprises + remainder cells): {info['leaves']}; aggregates: {info['aggregates']}")
    lines += [f"note: {n}" for n in info.get("notes", [])]
    if info["illustrative"]:
        lines.append(_ILLUSTRATIVE["en"])
    return "\n".join(lines)


# --------------------------------------------------------------------------- the target catalogue


class _CatalogueRow(Protocol):
    """What :func:`format_table` reads of a :class:`model.catalogue.Target`."""

    id: str
    year: int
    kind: str
    evaluable: bool
    why_not: str

    def goal(self) -> str: ...

    def title(self, lang: str = "zh") -> str: ...


_CATALOGUE_HEAD = {
    "zh": ("编号", "年份", "类型", "目标值", "可评估", "目标"),
    "en": ("id", "year", "kind", "goal", "eval", "target"),
}
_KIND_ZH = {
    "aggregate_level": "总量",
    "count_over_threshold": "门槛计数",
    "entity_level": "个体水平",
    "flow_count": "项目流量",
    "ratio_share": "比率",
    "other_count": "其他计数",
    "qualitative": "定性",
}


def format_table(targets: Iterable[_CatalogueRow], lang: str = "zh") -> str:
    """An aligned text table of targets for the terminal.

    Parameters
    ----------
    targets : iterable of model.catalogue.Target
    lang : {"zh", "en"}
        Chinese titles and headers (default) or English.

    Returns
    -------
    str
        One row per target; a non-evaluable target is followed by an
        indented line giving its ``why_not``.
    """
    if lang not in _CATALOGUE_HEAD:
        raise ValueError(f"lang: got {lang!r}; expected 'zh' or 'en'")
    targets = list(targets)
    rows = [_CATALOGUE_HEAD[lang]] + [_catalogue_row(t, lang) for t in targets]
    widths = [max(width(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    lines = []
    for r, t in zip(rows, [None, *targets]):
        lines.append("  ".join(pad(c, w) for c, w in zip(r, widths)) + "  " + r[-1])
        if t is not None and not t.evaluable:
            label = "不可评估" if lang == "zh" else "not evaluable"
            lines.append(" " * (widths[0] + 2) + f"└ {label}: {t.why_not}")
    return "\n".join(lines)


def _catalogue_row(t: _CatalogueRow, lang: str) -> tuple[str, ...]:
    kind = _KIND_ZH[t.kind] if lang == "zh" else t.kind
    mark = ("是" if t.evaluable else "否") if lang == "zh" else ("yes" if t.evaluable else "no")
    return (t.id, str(t.year), kind, t.goal(), mark, t.title(lang))
