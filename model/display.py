"""Terminal tables for run results (Chinese first, English on request)."""

from __future__ import annotations

import unicodedata

__all__ = ["run_table", "data_summary_table", "pad", "width"]

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
    head = _HEAD[lang]
    lines.append(pad(head[0], 44) + pad(head[1], 6) + pad(head[2], 10) + pad(head[3], 18) + head[4])
    lines += [_row(t, lang) for t in summary["targets"] if t["evaluable"]]
    lines += _not_evaluable_lines([t for t in summary["targets"] if not t["evaluable"]], lang)
    lines += _fiscal_lines(summary.get("fiscal", []), summary["years"], lang)
    lines += _list_lines(summary.get("pipeline", {}).get("provincial_list", {}), lang)
    return "\n".join(lines)


def _list_lines(lst: dict, lang: str) -> list[str]:
    """The 百项 list's composition and flows (path means) for each simulated year."""
    if not lst:
        return []
    m, years = lst["mean"], lst["years"]
    if lang == "zh":
        head = f"百项重大工业项目年度计划(列表长度 {lst['length']},各路径均值):新开工/续建/当年投产 = 列入 + 补充;开工、投产按列入项目计"
        cols = ("年份", "列入", "补充", "新建", "续建", "当年投产", "开工", "投产")
    else:
        head = f"Provincial list of major projects (length {lst['length']}, path means): new + continuing + completing = listed + added; starts and completions counted among them"
        cols = ("year", "listed", "added", "new", "contin.", "complet.", "starts", "compl.")
    keys = ("listed", "added", "new", "continuing", "completing", "starts", "completions")
    out = ["", head, "".join(pad(c, 9) for c in cols)]
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


def _row(t: dict, lang: str) -> str:
    title = t["title_zh"] if lang == "zh" else t["title_en"]
    name = pad(f"{t['id']} {title}", 43) + " "
    goal = f"≥{_fmt(t['at_least'])}" if t["at_least"] is not None else "-"
    if not t["evaluable"]:
        why = "无法评估: " if lang == "zh" else "not evaluable: "
        return name + pad(str(t["year"]), 6) + pad(goal, 10) + why + t["why_not"]
    # Small Monte Carlo errors keep one significant digit instead of printing "± 0.000".
    p = f"{t['probability']:.3f} ± {t['se']:.3f}" if t["se"] >= 0.0005 else f"{t['probability']:.4f} ± {t['se']:.1g}"
    q = t["quantiles"]
    dist = f"{_fmt(q['q50'])} [{_fmt(q['q10'])}–{_fmt(q['q90'])}]"
    return name + pad(str(t["year"]), 6) + pad(goal, 10) + pad(p, 18) + dist


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
