"""Vector figures of the report (matplotlib → SVG, text kept as text in the CJK font).

Titles are set by the typesetter, not drawn into the figures, so they wrap
and stay searchable; the figures carry axes, ticks and short legends only.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from ..fonts import use_cjk_font  # noqa: E402
from .labels import label  # noqa: E402

__all__ = ["fan_chart", "count_chart", "pipeline_chart", "fiscal_chart", "tornado_chart", "COLOURS"]

COLOURS = {"fan": "#4a78b8", "median": "#1f3f73", "target": "#c0392b", "milestone": "#e67e22", "hit": "#2e6b3a", "miss": "#b8c4d6",
           "signed": "#7f8c8d", "starts": "#2980b9", "completions": "#27ae60", "reserve": "#8e44ad"}


def _setup() -> None:
    use_cjk_font()
    plt.rcParams.update({"svg.fonttype": "none", "font.size": 8, "axes.titlesize": 8, "axes.spines.top": False, "axes.spines.right": False,
                         "axes.grid": True, "grid.color": "#dddddd", "grid.linewidth": 0.5, "legend.frameon": False, "legend.fontsize": 7,
                         "svg.hashsalt": "attain"})


def _svg(fig) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    return buf.getvalue()


def _thousands(ax) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def fan_chart(path: list[dict], targets: list[dict], lang: str, size: tuple[float, float] = (3.4, 2.1)) -> str:
    """Fan of one measured quantity with its targets and milestones.

    Parameters
    ----------
    path : list of dict
        ``year``, ``q10``, ``q50``, ``q90`` per year (a target's ``path``).
    targets : list of dict
        The targets measured on this quantity (``year``, ``at_least``, ``path`` milestones).
    lang : {'zh', 'en'}
    size : (width, height) in inches

    Returns
    -------
    str
        SVG text.
    """
    _setup()
    last = max(t["year"] for t in targets) if targets else path[-1]["year"]
    rows = [r for r in path if r["year"] <= min(last + 2, path[-1]["year"])]
    years = [r["year"] for r in rows]
    fig, ax = plt.subplots(figsize=size)
    ax.fill_between(years, [r["q10"] for r in rows], [r["q90"] for r in rows], color=COLOURS["fan"], alpha=0.25, lw=0)
    ax.plot(years, [r["q50"] for r in rows], color=COLOURS["median"], lw=1.4)
    for t in targets:
        ax.hlines(t["at_least"], years[0], t["year"], colors=COLOURS["target"], linestyles="--", lw=0.9)
        ax.plot([t["year"]], [t["at_least"]], marker="o", color=COLOURS["target"], ms=4)
        for r in t.get("path", []):
            if r.get("milestone") is not None:
                ax.plot([r["year"]], [r["milestone"]], marker="D", color=COLOURS["milestone"], ms=4)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=6))
    ax.set_xlim(years[0] - 0.3, years[-1] + 0.3)
    ax.set_ylim(bottom=0)
    _thousands(ax)
    ax.margins(y=0.08)
    return _svg(fig)


def count_chart(target: dict, lang: str, size: tuple[float, float] = (2.2, 1.5)) -> str:
    """Bar chart of a count target's distribution; bars that attain the target are dark."""
    _setup()
    dist = {int(k): v for k, v in target["distribution"].items()}
    xs = sorted(dist)
    lo, hi = xs[0], xs[-1]
    # Very long right tails squeeze the bars: the axis stops at the 99.5% point and says so.
    cum, cut = 0.0, hi
    for x in xs:
        cum += dist[x]
        if cum >= 0.995:
            cut = x
            break
    cut = max(cut, int(target["at_least"]) + 1)
    shown = [x for x in xs if x <= cut]
    fig, ax = plt.subplots(figsize=size)
    ax.bar(shown, [dist[x] for x in shown], width=0.85 if cut - lo < 40 else 1.0,
           color=[COLOURS["hit"] if x >= target["at_least"] else COLOURS["miss"] for x in shown], lw=0)
    ax.axvline(target["at_least"] - 0.5, color=COLOURS["target"], lw=1)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.yaxis.set_major_locator(MaxNLocator(nbins=3))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:.0%}" if v >= 0.1 or v == 0 else f"{v:.1%}"))
    ax.grid(axis="x", visible=False)
    return _svg(fig)


def pipeline_chart(flows: dict[str, list[float]], years: list[int], goals: dict[str, dict[int, float]], lang: str,
                   size: tuple[float, float] = (4.2, 2.0)) -> str:
    """Median yearly signings, starts and completions of one programme with the yearly targets."""
    _setup()
    fig, ax = plt.subplots(figsize=size)
    names = {"signed": "flow_signed", "starts": "flow_starts", "completions": "flow_completions", "reserve": "flow_reserve"}
    for key, lab in names.items():
        if key in flows:
            ax.plot(years, flows[key], marker="o", ms=2.5, lw=1.2, color=COLOURS[key], label=label(lab, lang))
    first = True
    for key, by_year in goals.items():
        for y, v in sorted(by_year.items()):
            ax.plot([y], [v], marker="D", ms=5, color=COLOURS[key], mec=COLOURS["target"], mew=1.2,
                    label=(label("col_goal", lang) if first else None), ls="none")
            first = False
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=3)
    return _svg(fig)


def fiscal_chart(rows: list[dict], lang: str, size: tuple[float, float] = (6.4, 2.2)) -> str:
    """Expected yearly cost of each evaluable reward schedule with its 10%–90% band (万元)."""
    _setup()
    fig, ax = plt.subplots(figsize=size)
    palette = ("#1f3f73", "#c0392b", "#27ae60", "#8e44ad")
    for k, r in enumerate(rows):
        c = palette[k % len(palette)]
        ax.fill_between(r["years"], r["q10"], r["q90"], color=c, alpha=0.15, lw=0)
        ax.plot(r["years"], r["mean"], color=c, lw=1.4, label=r["id"])
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.set_ylabel("万元")
    _thousands(ax)
    ax.legend(loc="upper left")
    return _svg(fig)


def tornado_chart(rows: list[tuple[str, float, float]], base: float | None, lang: str) -> str:
    """Horizontal bars from P at each lever's low setting to P at its high setting, widest on top."""
    _setup()
    rows = sorted(rows, key=lambda r: abs(r[2] - r[1]))
    fig, ax = plt.subplots(figsize=(6.0, 0.35 * len(rows) + 0.7))
    for i, (name, lo, hi) in enumerate(rows):
        ax.barh(i, hi - lo, left=lo, color=COLOURS["starts"] if hi >= lo else COLOURS["target"], height=0.6)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows])
    if base is not None:
        ax.axvline(base, color="#333333", lw=0.8)
    ax.set_xlabel("P")
    ax.set_xlim(0, 1)
    ax.grid(axis="y", visible=False)
    return _svg(fig)
