"""What a planner reads from a sensitivity analysis or goal seek: tables, figures, a result folder.

Text is Chinese by default, English with ``lang="en"``. Figures use the CJK font
of :mod:`model.fonts`. A result folder (``-o DIR``) holds ``results.json``, the
figures and ``manifest.json`` (written last, listing the other files). It is
written next to its destination and moved into place, and it replaces only a
new path, an empty folder or a previous attain result: a run folder, or a
sensitivity folder whose manifest lists every file in it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .artefact import library_versions
from .outputs import write_json
from .results import write_folder

__all__ = ["text_report", "goalseek_text", "figures", "write_figures", "write_result_folder"]

_T = {
    "zh": {
        "tornado": "单因素灵敏度(龙卷风图)", "spider": "单因素灵敏度(蛛网图)", "sobol": "Sobol 全局灵敏度指数", "morris": "Morris 筛选",
        "rsa": "区域灵敏度(达成与未达成路径的分离)", "base": "基准", "median": "中位数", "cost": "奖励支出(万元,至目标年)",
        "paths": "每点路径", "factor": "因素", "range": "低端→高端", "sign": "符号约定:效应 = 指标(因素取高端) − 指标(因素取低端);大于0表示调高该因素提高指标",
        "direct": "注:各因素自身的财政成本(补贴、担保资金等)未建模;成本仅含奖励政策的支出(奖励随收入跨台阶而发生)。",
        "dpc": "ΔP/万元", "dmed": "Δ中位数", "p_low": "P(低端)", "p_high": "P(高端)", "dcost": "Δ奖励支出", "output": "输出", "noise": "批次噪声占比",
        "out_p": "P(达成),每点以同一批路径估计", "out_median": "目标量中位数", "out_shortfall": "期望缺口 E[max(0, 目标−值)]",
        "needed": "置信区间半宽 ≤ 0.05 所需基础样本量", "none": "未达到;按 1/√N 外推约", "evals": "模型评估点",
        "ks": "KS 距离", "pval": "置换检验 p 值", "mhit": "达成路径中位值", "mmiss": "未达成路径中位值", "p_hit": "总体达成率",
        "seconds": "用时(秒)", "position": "位置(0=低端,1=高端)", "p_at": "各位置(0=低端,1=高端)的 值: P =",
    },
    "en": {
        "tornado": "One-at-a-time sensitivity (tornado)", "spider": "One-at-a-time sensitivity (spider)", "sobol": "Sobol global sensitivity indices", "morris": "Morris screening",
        "rsa": "Regional sensitivity (what separates paths that hit from paths that miss)", "base": "base", "median": "median", "cost": "reward cost (万元, to the target year)",
        "paths": "paths per point", "factor": "factor", "range": "low → high", "sign": "Sign convention: effect = metric(factor at high end) − metric(factor at low end); > 0: raising the factor raises the metric",
        "direct": "Note: no factor's own budget cost (subsidies, guarantee capital) is modelled; cost is the reward schedules' payments only (paid when revenue crosses their steps).",
        "dpc": "ΔP/万元", "dmed": "Δmedian", "p_low": "P(low)", "p_high": "P(high)", "dcost": "Δreward cost", "output": "output", "noise": "batch-noise share",
        "out_p": "P(attain), estimated on the same batch of paths at every point", "out_median": "median of the target's quantity", "out_shortfall": "expected shortfall E[max(0, goal − value)]",
        "needed": "base sample needed for CI half-widths ≤ 0.05", "none": "not reached; 1/√N extrapolation ≈", "evals": "model evaluations",
        "ks": "KS distance", "pval": "permutation p", "mhit": "median over hits", "mmiss": "median over misses", "p_hit": "overall hit rate",
        "seconds": "seconds", "position": "position (0 = low end, 1 = high end)", "p_at": "value: P at positions",
    },
}


def _num(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, (bool, str)):
        return str(x)
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return f"{x:,.0f}"
    if x != 0 and (abs(x) >= 1e4 or abs(x) < 10 ** -digits):
        return f"{x:.2g}" if abs(x) < 1 else f"{x:,.0f}"
    return f"{x:,.{digits}f}" if abs(x) < 100 else f"{x:,.0f}"


def _signed(x: float) -> str:
    x = float(x)
    return f"{x:+,.0f}" if abs(x) >= 100 else f"{x:+.1f}"


def _title(t: dict, lang: str) -> str:
    return f"{t['target']} {t['title_zh'] if lang == 'zh' else t['title_en']} (≥{_num(t['at_least'])})"


def _head(res: dict, scenario: str, lang: str) -> list[str]:
    T = _T[lang]
    return [f"{T[res['method']]}: {scenario}; {T['paths']} {res['paths_per_point']:,}, seed {res['seed']}, {T['evals']} {res['points']:,}; {T['seconds']} {res.get('seconds', 0.0):.1f}"]


def text_report(res: dict, scenario: str, lang: str = "zh") -> str:
    """The planner's table for a tornado, spider, Sobol, Morris or RSA result."""
    return "\n".join(_head(res, scenario, lang) + {"tornado": _tornado, "spider": _spider, "sobol": _sobol, "morris": _morris, "rsa": _rsa}[res["method"]](res, lang))


def _tornado(res: dict, lang: str) -> list[str]:
    T = _T[lang]
    lines = [T["sign"]]
    for t in res["targets"]:
        b = t["base"]
        lines += ["", _title(t, lang), f"  {T['base']}: P = {b['p']:.3f} ± {b['se']:.3f}, {T['median']} {_num(b['median'])}, {T['cost']} {_num(b['cost'])}"]
        lines.append(f"  {T['factor']:34s} {T['range']:>16s} {T['p_low']:>7s} {T['p_high']:>7s} {'ΔP ± se':>15s} {T['dmed'] + ' ± se':>20s} {T['dcost']:>10s} {T['dpc']:>9s}")
        for r in t["bars"]:
            rng = f"{_num(r['low'])}→{_num(r['high'])}"
            dp = f"{r['delta_p']:+.3f} ± {r['se_delta_p']:.3f}"
            dm = f"{_signed(r['delta_median'])} ± {_num(r['se_delta_median'], 1)}"
            lines.append(f"  {r['factor']:34s} {rng:>16s} {r['p_low']:7.3f} {r['p_high']:7.3f} {dp:>15s} {dm:>20s} {_signed(r['delta_cost']):>10s} {_num(r['dp_per_wan']):>9s}")
    return lines + ["", T["direct"]]


def _spider(res: dict, lang: str) -> list[str]:
    T = _T[lang]
    lines = []
    for t in res["targets"]:
        lines += ["", _title(t, lang), f"  {T['base']}: P = {t['base']['p']:.3f} ± {t['base']['se']:.3f}", f"  {T['factor']:34s} {T['p_at']} " + " | ".join(f"{j / (res['points_per_factor'] - 1):.2f}" for j in range(res["points_per_factor"]))]
        for line in t["lines"]:
            lines.append(f"  {line['factor']:34s} " + " | ".join(f"{_num(p['x'])}: {p['p']:.3f}" for p in line["points"]))
    return lines


def _sobol(res: dict, lang: str) -> list[str]:
    T = _T[lang]
    lines = [f"{T['output']}: {T['out_' + res['output']]}; N = {res['n_base']}, {int(res['conf_level'] * 100)}% CI"]
    for t in res["targets"]:
        need = t["n_needed"] if t["n_needed"] is not None else f"{T['none']} {t['n_needed_estimate']}"
        lines += ["", _title(t, lang), f"  {T['needed']}: {need}; {T['noise']} {_num(t['noise_ratio'], 2)}"]
        lines.append(f"  {T['factor']:34s} {'S1 ± CI':>16s} {'ST ± CI':>16s}")
        order = np.argsort(-np.asarray(t["ST"]), kind="stable")
        for i in order:
            lines.append(f"  {res['factors'][i]['factor']:34s} {t['S1'][i]:7.3f} ± {t['S1_conf'][i]:.3f} {t['ST'][i]:7.3f} ± {t['ST_conf'][i]:.3f}")
    return lines


def _morris(res: dict, lang: str) -> list[str]:
    T = _T[lang]
    lines = [f"{T['output']}: {T['out_' + res['output']]}; r = {res['trajectories']}, levels {res['levels']}"]
    for t in res["targets"]:
        lines += ["", _title(t, lang), f"  {T['noise']} {_num(t['noise_ratio'], 2)}", f"  {T['factor']:34s} {'μ* ± CI':>18s} {'μ':>8s} {'σ':>8s}"]
        for r in t["factors"]:
            lines.append(f"  {r['factor']:34s} {r['mu_star']:8.3f} ± {r['mu_star_conf']:.3f} {r['mu']:8.3f} {r['sigma']:8.3f}")
    return lines


def _rsa(res: dict, lang: str) -> list[str]:
    T = _T[lang]
    lines = []
    for t in res["targets"]:
        lines += ["", _title(t, lang), f"  {T['p_hit']} {t['p_hit']:.3f}", f"  {T['factor']:34s} {T['ks']:>8s} {T['pval']:>10s} {T['mhit']:>14s} {T['mmiss']:>14s}"]
        for r in t["factors"]:
            lines.append(f"  {r['factor']:34s} {r['ks']:8.3f} {r['p_value']:10.3f} {_num(r['median_hit']):>14s} {_num(r['median_miss']):>14s}")
    return lines


def goalseek_text(res: dict, lang: str = "zh") -> str:
    """One paragraph answering the goal-seek question."""
    zh = lang == "zh"
    title = res["title_zh"] if zh else res["title_en"]
    head = f"{res['target']} {title} (≥{_num(res['at_least'])})"
    if res["mode"] == "reverse":
        iv = res["interval_90"]
        if zh:
            return (f"{head}\n以不低于 {res['prob']:.0%} 的概率可达到的最高水平:{_num(res['level'])}(90% 区间 {_num(iv[0])}–{_num(iv[1])});"
                    f"目标值 {_num(res['at_least'])} 的达成概率为 {res['p_at_goal']:.3f} ± {res['se_at_goal']:.3f}({res['paths']:,} 条路径)。")
        return (f"{head}\nHighest level reached with P ≥ {res['prob']:.0%}: {_num(res['level'])} (90% interval {_num(iv[0])}–{_num(iv[1])}); "
                f"the goal {_num(res['at_least'])} is reached with P = {res['p_at_goal']:.3f} ± {res['se_at_goal']:.3f} ({res['paths']:,} paths).")
    what = res["factor"] if res["mode"] == "lever" else " + ".join(f"{k}: {_num(res['start'][k])}→{_num(res['end'][k])}" for k in res["end"])
    lines = [head]
    status = res["status"]
    if status == "not reachable within the range":
        lines.append((f"在 {what} 的范围 [{_num(res['range'][0])}, {_num(res['range'][1])}] 内无法达到 P ≥ {res['prob']:.0%}:最有利端 {_num(res['best_value'])} 处 P = {res['p']:.3f} ± {res['se']:.3f}。"
                      if zh else f"Not reachable within the range [{_num(res['range'][0])}, {_num(res['range'][1])}] of {what}: at the favourable end {_num(res['best_value'])}, P = {res['p']:.3f} ± {res['se']:.3f}."))
    else:
        unit = f" {res.get('unit', '')}" if res["mode"] == "lever" else ""
        word = ("至少" if res["direction"] == "increase" else "至多") if zh else ("at least" if res["direction"] == "increase" else "at most")
        step = "" if res["mode"] == "lever" else (" (步长 s,0=情景现值,1=终点)" if zh else " (step s: 0 = the scenario's values, 1 = the end values)")
        iv = res.get("interval_90")
        ivs = f"{_num(iv[0])}–{_num(iv[1])}" if iv else "–"
        if status == "already reached at the unfavourable end of the range":
            lines.append(f"在范围的不利端 {_num(res['value'])} 已达到 P ≥ {res['prob']:.0%}(P = {res['p']:.3f})。" if zh else f"Already reached at the unfavourable end {_num(res['value'])} of the range (P = {res['p']:.3f}).")
        elif zh:
            lines.append(f"使 P ≥ {res['prob']:.0%} 需 {what}{step} {word} {_num(res['value'])}{unit}(90% 区间 {ivs};模拟验证:取 {_num(res['checked_value'])} 时 P = {res['p']:.3f} ± {res['se']:.3f}" + (f";情景现值 {_num(res['scenario_value'])})。" if "scenario_value" in res else ")。"))
        else:
            lines.append(f"P ≥ {res['prob']:.0%} needs {what}{step} {word} {_num(res['value'])}{unit} (90% interval {ivs}; checked by simulation: at {_num(res['checked_value'])}, P = {res['p']:.3f} ± {res['se']:.3f}" + (f"; scenario value {_num(res['scenario_value'])})." if "scenario_value" in res else ")."))
        if res.get("levers_at_value"):
            lines.append(", ".join(f"{k} = {_num(v)}" for k, v in res["levers_at_value"].items()))
        if res.get("share_not_reached"):
            lines.append(f"重抽样中 {res['share_not_reached']:.0%} 在范围内未达到。" if zh else f"In {res['share_not_reached']:.0%} of the bootstrap resamples P does not reach the goal within the range.")
    if not res.get("monotone", True):
        lines.append("注意:共同随机数下的概率曲线不单调,所得为其中一个交点。" if zh else "Note: the common-random-number curve is not monotone; the answer is one of its crossings.")
    lines.append(f"({res['paths']:,} 条路径,种子 {res['seed']},{len(res['evaluations'])} 次评估)" if zh else f"({res['paths']:,} paths, seed {res['seed']}, {len(res['evaluations'])} evaluations)")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- figures


def _safe(tid: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in tid)


def figures(res: dict, lang: str = "zh"):
    """The method's figures, one per target (and a convergence figure for Sobol).

    Parameters
    ----------
    res : dict
        A sensitivity result.
    lang : str
        ``"zh"`` (with the CJK font) or ``"en"``.

    Yields
    ------
    name : str
        File name the figure gets in a result folder, e.g. ``tornado_GZ-ENT100-2016.png``.
    fig : matplotlib.figure.Figure
        The caller shows or saves it, then closes it.
    """
    import matplotlib.pyplot as plt

    from .fonts import use_cjk_font

    if lang == "zh":
        use_cjk_font()
    draw = {"tornado": _fig_tornado, "spider": _fig_spider, "sobol": _fig_sobol, "morris": _fig_morris, "rsa": _fig_rsa}[res["method"]]
    for t in res["targets"]:
        for suffix, fig in draw(res, t, lang, plt):
            fig.tight_layout()
            yield f"{suffix}_{_safe(t['target'])}.png", fig


def write_figures(res: dict, folder: Path, lang: str = "zh") -> list[str]:
    """Draw the method's figures into ``folder`` (off screen); return the file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    for name, fig in figures(res, lang):
        fig.savefig(folder / name, dpi=110)
        plt.close(fig)
        names.append(name)
    return names


def _lab(lang: str, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


def _fig_tornado(res, t, lang, plt):
    bars = t["bars"][::-1]
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(bars) + 1.8))
    y = np.arange(len(bars))
    lo = [b["delta_low"] for b in bars]
    hi = [b["delta_high"] for b in bars]
    ax.barh(y, lo, color="#8fb3d9", xerr=[b["se_delta_low"] for b in bars], label=_lab(lang, "因素取低端", "factor at low end"))
    ax.barh(y, hi, color="#d98f8f", xerr=[b["se_delta_high"] for b in bars], label=_lab(lang, "因素取高端", "factor at high end"), alpha=0.85)
    ax.set_yticks(y, [f"{b['factor']}\n[{_num(b['low'])}, {_num(b['high'])}]" for b in bars], fontsize=7)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel(_lab(lang, f"P(达成) 相对基准 {t['base']['p']:.3f} 的变化(误差线 ±1 标准误)", f"change of P(attain) from the base {t['base']['p']:.3f} (error bars ±1 s.e.)"))
    ax.set_title(_title(t, lang), fontsize=9)
    ax.legend(fontsize=7, loc="lower right")
    yield "tornado", fig


def _fig_spider(res, t, lang, plt):
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for line in t["lines"]:
        pos = [p["position"] for p in line["points"]]
        ax.errorbar(pos, [p["p"] for p in line["points"]], yerr=[p["se"] for p in line["points"]], marker="o", ms=3, lw=1, label=line["factor"], capsize=2)
    ax.axhline(t["base"]["p"], color="k", lw=0.8, ls="--")
    ax.set_xlabel(_lab(lang, "因素在其范围中的位置(0=低端,1=高端)", "factor's position in its range (0 = low end, 1 = high end)"))
    ax.set_ylabel(_lab(lang, "P(达成)", "P(attain)"))
    ax.set_title(_title(t, lang), fontsize=9)
    ax.legend(fontsize=6, ncol=2)
    yield "spider", fig


def _fig_sobol(res, t, lang, plt):
    names = [f["factor"] for f in res["factors"]]
    y = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(8, 0.4 * len(names) + 1.8))
    ax.barh(y - 0.2, t["S1"], height=0.4, xerr=t["S1_conf"], label=_lab(lang, "一阶指数 S1", "first order S1"), color="#8fb3d9", capsize=2)
    ax.barh(y + 0.2, t["ST"], height=0.4, xerr=t["ST_conf"], label=_lab(lang, "总效应指数 ST", "total order ST"), color="#d98f8f", capsize=2)
    ax.set_yticks(y, names, fontsize=7)
    ax.set_xlabel(_lab(lang, f"Sobol 指数({int(res['conf_level'] * 100)}% 置信区间)", f"Sobol index ({int(res['conf_level'] * 100)}% CI)"))
    ax.set_title(_title(t, lang), fontsize=9)
    ax.legend(fontsize=7)
    yield "sobol", fig
    conv = t["convergence"]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    ns = [c["n_base"] for c in conv]
    for i, n in enumerate(names):
        a1.plot(ns, [c["ST"][i] for c in conv], marker="o", ms=3, label=n)
    a1.set_xscale("log", base=2)
    a1.set_xlabel(_lab(lang, "基础样本量 N", "base sample N"))
    a1.set_ylabel("ST")
    a1.legend(fontsize=6)
    a2.plot(ns, [c["max_half_width"] for c in conv], marker="o")
    a2.axhline(res["half_width_goal"], color="r", ls="--", lw=0.8)
    a2.set_xscale("log", base=2)
    a2.set_yscale("log")
    a2.set_xlabel(_lab(lang, "基础样本量 N", "base sample N"))
    a2.set_ylabel(_lab(lang, "最大置信区间半宽", "largest CI half-width"))
    fig.suptitle(_title(t, lang), fontsize=9)
    yield "convergence", fig


def _fig_morris(res, t, lang, plt):
    fig, ax = plt.subplots(figsize=(7, 5))
    for r in t["factors"]:
        ax.errorbar(r["mu_star"], r["sigma"], xerr=r["mu_star_conf"], fmt="o", ms=4, capsize=2)
        ax.annotate(r["factor"], (r["mu_star"], r["sigma"]), fontsize=6)
    ax.set_xlabel("μ*")
    ax.set_ylabel("σ")
    ax.set_title(_title(t, lang), fontsize=9)
    yield "morris", fig


def _fig_rsa(res, t, lang, plt):
    rows = t["factors"][::-1]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(rows) + 1.8))
    ax.barh(np.arange(len(rows)), [r["ks"] for r in rows], color=["#d98f8f" if r["p_value"] < 0.05 else "#cccccc" for r in rows])
    ax.set_yticks(np.arange(len(rows)), [r["factor"] for r in rows], fontsize=7)
    ax.set_xlabel(_lab(lang, "KS 距离(红:置换检验 p < 0.05)", "KS distance (red: permutation p < 0.05)"))
    ax.set_title(_title(t, lang), fontsize=9)
    yield "rsa", fig


# ----------------------------------------------------------------------------- result folder


def write_result_folder(res: dict, folder: Path | str, info: dict, lang: str = "zh") -> list[str]:
    """Write ``results.json``, the figures and ``manifest.json`` into ``folder`` atomically.

    Parameters
    ----------
    res : dict
        A sensitivity result.
    folder : path
        A new path, an empty folder or a previous attain result folder.
    info : dict
        Manifest entries (scenario, data, calibration...).
    lang : str

    Returns
    -------
    list of str
        The files written.
    """
    files = ["results.json"]

    def fill(tmp: Path) -> None:
        write_json(res, tmp / "results.json")
        files.extend(write_figures(res, tmp, lang))
        write_json({"tool": "attain", "version": __version__, "kind": f"sensitivity/{res['method']}", **info, "versions": library_versions(), "files": files, "complete": True}, tmp / "manifest.json")

    write_folder(folder, fill)
    return files + ["manifest.json"]

