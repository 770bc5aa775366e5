"""Text of the mid-year update: what was read and assumed, and each target's P before and after."""

from __future__ import annotations

from .display import pad

__all__ = ["ytd_lines", "reason"]


def reason(row: dict, lang: str = "zh") -> str:
    """Why a target's P moved, from the run itself (source, current-year median, coverage, movers)."""
    cy = row["current_year"]
    fmt = lambda v: f"{v:,.0f}" if abs(v) >= 10 else f"{v:.1f}"  # noqa: E731
    zh = lang == "zh"
    if row["source"] == "project state":
        return "项目流量:收入月报不改变项目进度(未读入项目调度表)" if zh else "project flow: revenue figures do not move project milestones (no project dispatch table read)"
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


def ytd_lines(ytd: dict, lang: str = "zh") -> list[str]:
    """The update's block of the run table."""
    nc = ytd["nowcast"]
    zh = lang == "zh"
    out = [""]
    if zh:
        out.append(f"年中更新:{nc['year']}年1–{nc['month']}月累计({nc['table']};企业 {nc['enterprises']} 家,园区 {nc['parks']} 个)" + ("[示意性数据]" if nc["illustrative"] else ""))
        out.append(f"  路径从全年预估出发:全年 = 累计 ÷ 至{nc['month']}月的历史累计占比 {nc['share_to_date']:.3f};不确定性(对数标准差)年份间 {nc['sd_year']:.3f}、企业间 {nc['sd_entity']:.3f}")
        out.append(f"  假设来源:{nc['pattern_source']}({nc['pattern_years'][0]}–{nc['pattern_years'][-1]});项目状态:未按项目调度表更新")
        head = ("目标", "年份", "更新前", "更新后", "变化 ± MC", "原因")
    else:
        out.append(f"Mid-year update: January–{nc['month']} {nc['year']} cumulative figures ({nc['table']}; {nc['enterprises']} enterprises, {nc['parks']} parks)" + (" [illustrative]" if nc["illustrative"] else ""))
        out.append(f"  paths start from the full-year nowcast: year = to-date ÷ historical share to month {nc['month']} ({nc['share_to_date']:.3f}); log-sd between years {nc['sd_year']:.3f}, between firms {nc['sd_entity']:.3f}")
        out.append(f"  assumption from: {nc['pattern_source']} ({nc['pattern_years'][0]}–{nc['pattern_years'][-1]}); project state: not updated from a project dispatch table")
        head = ("target", "year", "before", "after", "change ± MC", "reason")
    for flag in nc.get("flags", [])[:5]:
        out.append(("  注意: " if zh else "  note: ") + flag)
    if nc.get("unplaced"):
        out.append(("  未能对应到模拟单元: " if zh else "  not placed on any simulated leaf: ") + ", ".join(nc["unplaced"][:10]))
    out.append(pad(head[0], 22) + pad(head[1], 6) + pad(head[2], 8) + pad(head[3], 8) + pad(head[4], 16) + head[5])
    for r in ytd["targets"]:
        out.append(pad(r["id"], 22) + pad(str(r["year"]), 6) + pad(f"{r['p_before']:.3f}", 8) + pad(f"{r['p_after']:.3f}", 8)
                   + pad(f"{r['delta']:+.3f} ± {r['se_delta']:.3f}", 16) + reason(r, lang))
    return out
