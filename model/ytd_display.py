"""Text of the mid-year update: what was read and assumed, and each target's P before and after."""

from __future__ import annotations

from calendar import month_name

from .display import pad

__all__ = ["ytd_lines", "reason", "project_lines", "assumption_lines"]


def reason(row: dict, lang: str = "zh") -> str:
    """Why a target's P moved, from the run itself (source, current-year median, coverage, movers)."""
    cy = row["current_year"]
    fmt = lambda v: f"{v:,.0f}" if abs(v) >= 10 else f"{v:.1f}"  # noqa: E731
    zh = lang == "zh"
    if row["source"] == "project state":
        return _project_reason(row, fmt, zh)
    if row["source"] == "not conditioned":
        return "信宜投资与创新目标:年中更新不涉及(无信宜月报)" if zh else "Xinyi investment and innovation: not touched by the update (no Xinyi monthly figures)"
    if row["source"] != "revenue nowcast":
        return "收入:未读入月调度表(--ytd)" if zh else "revenue: no monthly dispatch table (--ytd) read"
    parts = [(f"{cy['year']}年中位数 {fmt(cy['median_before'])}→{fmt(cy['median_after'])}" if zh else f"{cy['year']} median {fmt(cy['median_before'])}→{fmt(cy['median_after'])}")]
    rep = row.get("reported") or {}
    if "candidates" in rep:
        parts.append(f"候选 {rep['candidates']} 个中 {rep['reported']} 个有月报" if zh else f"{rep['reported']} of {rep['candidates']} candidates reported")
    elif "share_of_revenue" in rep:
        parts.append(f"月报覆盖其2013年收入的 {rep['share_of_revenue']:.0%}" if zh else f"reported firms/parks hold {rep['share_of_revenue']:.0%} of its 2013 revenue")
    movers = row.get("movers") or []
    if movers:
        names = "; ".join(f"{m['name']} {m['p_cross_before']:.2f}→{m['p_cross_after']:.2f}" for m in movers)
        parts.append(("过线概率变化最大: " if zh else "largest change in P(cross): ") + names)
    return ("收入预估:" if zh else "revenue nowcast: ") + (", ".join(parts))


def _project_reason(row: dict, fmt, zh: bool) -> str:
    rep = row.get("reported") or {}
    cy = row["current_year"]
    if not rep.get("conditioned"):
        why = rep.get("why", "")
        why_zh = {"no project dispatch table (--ytd-projects)": "未读入项目调度表(--ytd-projects)"}.get(why)
        if why_zh is None:
            why_zh = "非百项清单项目(调度表只报百项清单)" if "is not the 百项 list" in why else "调度表只报当年,以后年份从所报状态起模拟(已投产项目不再投产)"
        return ("项目流量:未按项目调度表更新——" + why_zh) if zh else f"project flow: not conditioned — {why}"
    m, n = rep["month"], rep["reported"]
    if zh:
        what = "开工" if rep["what"] == "starts" else "投产"
        return f"项目调度表:1–{m}月已{what} {n} 个(每条路径按此状态,不重复计),{_rest_zh(m)}模拟;{cy['year']}年中位数 {fmt(row['median_before'])}→{fmt(row['median_after'])}"
    what = "started" if rep["what"] == "starts" else "reached 投产"
    return f"project table: {n} listed projects {what} in January–{month_name[m]} (the state on every path, none counted twice), {_rest(m)} simulated; median {fmt(row['median_before'])}→{fmt(row['median_after'])}"


def _rest(m: int) -> str:
    """The months after report month ``m``, in English."""
    return "no month" if m >= 12 else (month_name[12] if m == 11 else f"{month_name[m + 1]}–{month_name[12]}")


def _rest_zh(m: int) -> str:
    return "无月份(全年已报)" if m >= 12 else f"{m + 1}–12月"


def _nowcast_lines(nc: dict, zh: bool) -> list[str]:
    out = []
    if zh:
        out.append(f"年中更新:{nc['year']}年1–{nc['month']}月累计({nc['table']};企业 {nc['enterprises']} 家,园区 {nc['parks']} 个)" + ("[示意性数据]" if nc["illustrative"] else ""))
        out.append(f"  路径从全年预估出发:全年 = 累计 ÷ 至{nc['month']}月的历史累计占比 {nc['share_to_date']:.3f};不确定性(对数标准差)年份间 {nc['sd_year']:.3f}、企业间 {nc['sd_entity']:.3f}")
        what = "示意性月度历史" if nc.get("pattern_illustrative") else "月度历史"
        out.append(f"  假设来源:{what} {nc.get('pattern_file') or nc['pattern_source']}({nc['pattern_years'][0]}–{nc['pattern_years'][-1]}年各月累计占比)")
    else:
        out.append(f"Mid-year update: January–{month_name[nc['month']]} {nc['year']} cumulative figures ({nc['table']}; {nc['enterprises']} enterprises, {nc['parks']} parks)" + (" [illustrative]" if nc["illustrative"] else ""))
        out.append(f"  paths start from the full-year nowcast: year = to-date ÷ historical share to month {nc['month']} ({nc['share_to_date']:.3f}); log-sd between years {nc['sd_year']:.3f}, between firms {nc['sd_entity']:.3f}")
        out.append(f"  assumption from: {nc['pattern_source']} ({nc['pattern_years'][0]}–{nc['pattern_years'][-1]})")
    out += _non_reporter_lines(nc.get("non_reporters"), zh)
    out += _carry_lines(nc.get("non_reporters"), nc["year"], zh)
    for flag in nc.get("flags", [])[:5]:
        out.append(("  注意: " if zh else "  note: ") + flag)
    if nc.get("unplaced"):
        out.append(("  未能对应到模拟单元: " if zh else "  not placed on any simulated leaf: ") + ", ".join(nc["unplaced"][:10]))
    return out


def _non_reporter_lines(nr: dict | None, zh: bool) -> list[str]:
    """How the units without a monthly figure were treated (partial pooling, or not)."""
    if nr is None or nr["leaves"] == 0:
        return ["  未报送单元:无(全部模拟单元都有月报)" if zh else "  non-reporters: none (every simulated unit reports)"] if nr is not None else []
    if zh:
        return [f"  未报送单元 {nr['leaves']} 个(占2013年收入 {nr['share_of_revenue']:.0%}):按报送单位揭示的年度偏差部分联动——各单元按模型自身路径上对报送合计的回归系数 β 调整"
                f"(合计 β {nr['beta_total']:.2f},相关 {nr['corr_total']:.2f};单元 β 中位数 {nr['beta_median']:.2f},向均值收缩;试算 {nr['pilot_paths']} 条路径),自身波动保留"]
    return [f"  non-reporters: {nr['leaves']} units ({nr['share_of_revenue']:.0%} of 2013 revenue) share the year the reporters reveal in part: each moves by its regression β on the reported total "
            f"in the model's own paths (their total β {nr['beta_total']:.2f}, correlation {nr['corr_total']:.2f}; unit β median {nr['beta_median']:.2f}, shrunk to the mean; pilot of {nr['pilot_paths']} paths), keeping its own noise"]


def _carry_lines(nr: dict | None, year: int, zh: bool) -> list[str]:
    """How the current year's surprise carries into later years (its regression γ of the total's growth, pilot)."""
    gamma = (nr or {}).get("growth_beta_total") or []
    if len(gamma) < 2:
        return []
    shown = ", ".join(f"{year + t} {g:.2f}" for t, g in list(enumerate(gamma))[1:3])
    if zh:
        return [f"  以后各年:报送偏差中共同部分的持续性(宏观增长 AR(1))按模型自身路径上 {year} 年之后增长对报送合计的回归系数 γ 延续(合计 γ:{shown}),各路径自身冲击保留"]
    return [f"  later years: the surprise's shared part persists (macro AR(1)) by each leaf's regression γ of its growth after {year} on the reported total "
            f"in the model's own paths (total γ: {shown}); each path keeps its own shocks"]


def project_lines(pr: dict | None, zh: bool) -> list[str]:
    """What the project dispatch table reported, what it conditions and what it does not."""
    if pr is None:
        return ["  项目状态:未读入项目调度表(--ytd-projects),项目按原模型模拟" if zh else "  project state: no project dispatch table (--ytd-projects); projects simulated as before"]
    st = pr["by_stage"]
    m, y = pr["month"], pr["year"]
    if zh:
        out = [f"  项目调度表:{pr['table']}({y}年1–{m}月,百项清单 {pr['projects']} 个项目:未开工 {st['未开工']}、在建 {st['开工']}、竣工 {st['竣工']}、投产 {st['投产']};"
               f"年初至报告期完成投资 {pr['invest_ytd']:,.1f} 亿元)" + ("[示意性数据]" if pr["illustrative"] else ""),
               f"  已按其更新:{y}年清单项目 1–{m}月开工 {pr['starts']} 个、投产 {pr['completions']} 个:每条路径上最接近的清单项目移至所报状态与日期(已开工、已投产者不再重复),{_rest_zh(m)}、{y + 1}年及以后、收入与投资均由此模拟",
               "  未按其更新:清单构成,未投产项目的竣工,所报投资(仅校验),赣州亿元项目(gz_1yi)"]
    else:
        out = [f"  project table: {pr['table']} (January–{month_name[m]} {y}, 百项 list of {pr['projects']} projects: not started {st['未开工']}, under construction {st['开工']}, built {st['竣工']}, producing {st['投产']}; "
               f"investment to date {pr['invest_ytd']:,.1f} 亿元)" + (" [illustrative]" if pr["illustrative"] else ""),
               f"  conditioned: the list's {pr['starts']} starts and {pr['completions']} completions (投产) of January–{month_name[m]} {y}: on every path the closest listed projects are moved to that state and those dates "
               f"(none starts or produces again); {_rest(m)}, later years, revenue and investment are simulated from there",
               f"  not conditioned: {pr['not_conditioned']}"]
    for flag in pr.get("flags", [])[:5]:
        out.append(("  注意: " if zh else "  note: ") + flag)
    return out


def assumption_lines(ytd: dict, lang: str = "zh") -> list[str]:
    """What the update read, assumed (and from where), and what it conditioned and did not (run table and report)."""
    zh = lang == "zh"
    if ytd.get("nowcast") is not None:
        out = _nowcast_lines(ytd["nowcast"], zh)
    else:
        out = ["年中更新(仅项目调度表;收入未按月调度表更新)" if zh else "Mid-year update (project table only; revenue not updated from a monthly table)"]
    return out + project_lines(ytd.get("projects"), zh)


def ytd_lines(ytd: dict, lang: str = "zh") -> list[str]:
    """The update's block of the run table."""
    zh = lang == "zh"
    out = [""] + assumption_lines(ytd, lang)
    head = ("目标", "年份", "更新前", "更新后", "变化 ± MC", "原因") if zh else ("target", "year", "before", "after", "change ± MC", "reason")
    out.append(pad(head[0], 22) + pad(head[1], 6) + pad(head[2], 8) + pad(head[3], 8) + pad(head[4], 16) + head[5])
    for r in ytd["targets"]:
        out.append(pad(r["id"], 22) + pad(str(r["year"]), 6) + pad(f"{r['p_before']:.3f}", 8) + pad(f"{r['p_after']:.3f}", 8)
                   + pad(f"{r['delta']:+.3f} ± {r['se_delta']:.3f}", 16) + reason(r, lang))
    return out
