"""Builds notebooks/midyear_update.ipynb (cells only; execute it with jupyter, nbclient or papermill)."""
import nbformat as nbf

nb = nbf.v4.new_notebook()
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
md("""# 年中更新 · The mid-year update

半年推进会前,规划人员手里有 1–6 月的累计数(月调度表)和重大项目的调度表。本笔记本按会前的工作顺序:
1. 检查月调度表并对全年做现时预测(nowcast),看它的区间有多宽、历史回测覆盖率如何;
2. 用同一随机种子分别跑"更新前"(不用调度表)和"更新后"的情景,看每个目标的达成概率怎样变化、为什么变化。

Before the half-year meeting the planners hold the January–June cumulative figures (月调度表) and the major projects'
dispatch table. In the order of the work before the meeting, this notebook
1. checks the monthly table and nowcasts the full year (how wide the interval is, how it covered in the backtest);
2. runs the scenario before (without the tables) and after the update with the same seed, and shows how each target's
   probability moved and why.

The command-line equivalents: `attain nowcast TABLE` and `attain run baseline --ytd TABLE --ytd-projects TABLE`
(README, "The mid-year update").

**注意 / Note:** 内置的月度表是示意性数据 (illustrative monthly tables, generated from the illustrative annual panel)."""),
code("""# 参数 · parameters (papermill: -p paths 200)
scenario = "baseline"
table = "../calibration/data/monthly/2014-06.csv"  # the current year's 月调度表 (CSV or .xlsx)
projects = "../calibration/data/monthly/2014-06-projects.csv"  # the 百项 project dispatch table, or None
paths = 1000
seed = 20140101""",
     metadata={"tags": ["parameters"]}),
code("""import dataclasses
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from model.context import prepare
from model.dispatch import load_dispatch
from model.engine import run_blocks
from model.fonts import use_cjk_font
from model.nowcast import build_nowcast, nowcast_table
from model.nowcast_backtest import backtest_nowcast
from model.scenario import load_scenario
from model.seasonality import estimate_pattern
from model.ytd_display import ytd_lines
from model.ytd_update import compare_runs, default_history, input_records, prepare_projects, prepare_ytd

use_cjk_font()
sc = load_scenario(scenario).with_overrides(paths=int(paths), seed=int(seed))
ctx = prepare(sc)
year = int(ctx.years[0])
print(f"{scenario}: the run simulates from {year}; {paths} paths, seed {seed}; illustrative data: {ctx.panel.illustrative}")"""),
md("""## 1. 月调度表与现时预测 · The monthly table and the nowcast

全年 = 累计数 ÷ 历史上同月的累计占比;占比的年际波动(所有企业共有)和企业间波动给出区间。

Full year = year-to-date ÷ the historical share of the year earned by that month; the share's variation between years
(shared by all firms) and between firms gives the interval."""),
code("""history = load_dispatch(default_history(ctx.data_dir), ctx.panel)
current = load_dispatch(table, ctx.panel, year=year, history=history)  # a bad table stops here, naming file, row and column
pattern = estimate_pattern(history, ctx.panel)
nc = build_nowcast(current, pattern, ctx.panel, year)
print(pattern.describe())
score = backtest_nowcast(history, ctx.panel, months=(nc.month,))["by_month"][nc.month]
print(f"backtest, month {nc.month}: 80% interval covers {score['cover80']:.2f}, 95% covers {score['cover95']:.2f} ({score['n']} firm/park-years)")
names = {**ctx.panel.enterprises["name"].to_dict(), **ctx.panel.parks["name"].to_dict()}
nowcast = nowcast_table(nc)
nowcast.insert(1, "name", [names.get(e, e) for e in nowcast["entity"]])
nowcast.sort_values("median", ascending=False).head(12).round(1)"""),
code("""top = nowcast[nowcast["kind"] == "park"].sort_values("median", ascending=False).head(15)[::-1]
fig, ax = plt.subplots(figsize=(8, 5))
ax.barh(top["name"], top["median"], xerr=[top["median"] - top["p10"], top["p90"] - top["median"]], color="#8fb3d9", capsize=2, label="全年现时预测 nowcast (10%–90%)")
ax.barh(top["name"], top["ytd"], color="#3b6ea5", label=f"1–{nc.month}月累计 year to date")
ax.axvline(100, color="k", lw=0.8, ls="--")
ax.set_xlabel("亿元"); ax.set_title(f"{year} 年园区主营业务收入:累计与全年预测(虚线:100亿)", fontsize=10)
ax.legend(fontsize=8, loc="lower right")
plt.show()"""),
md("""## 2. 更新前后的达成概率 · P(attain) before and after

"更新前"就是不用调度表、同一种子同一路径数的运行,所以两者之差来自调度表本身(配对标准误)。

"Before" is the run without the tables, with the same seed and paths, so the difference comes from the tables
(paired standard error)."""),
code("""cond = prepare_ytd(ctx, Path(table))
proj = prepare_projects(ctx, Path(projects)) if projects else None
updated = dataclasses.replace(ctx, ytd=cond, ytd_projects=proj.condition() if proj is not None else None,
                              ytd_inputs=input_records(Path(table), None, Path(projects) if projects else None, ctx.data_dir))
before = run_blocks(ctx, int(paths), int(seed))
after = run_blocks(updated, int(paths), int(seed))
update = compare_runs(before, after, cond, proj)
print("\\n".join(ytd_lines(update)))"""),
code("""moved = pd.DataFrame(update["targets"]).set_index("id")
moved = moved[(moved["delta"].abs() > 2 * moved["se_delta"]) & (moved["delta"] != 0)].sort_values("delta")
fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(moved), 1) + 1.5))
ax.hlines(moved.index, moved["p_before"], moved["p_after"], color="#999999")
ax.scatter(moved["p_before"], moved.index, color="#8fb3d9", label="更新前 before", zorder=3)
ax.scatter(moved["p_after"], moved.index, color="#d9534f", label="更新后 after", zorder=3)
ax.set_xlim(0, 1); ax.set_xlabel("P(达成)"); ax.set_title("变化超过 2 个标准误的目标 · targets that moved by more than 2 s.e.", fontsize=10)
ax.legend(fontsize=8)
plt.show()
moved[["title_zh", "p_before", "p_after", "delta", "se_delta", "source"]].round(3)"""),
md("""## 读法 · How to read it

* 现时预测的区间来自示意性月度历史的年际波动;真实数据的季节性可能不同,用真实月度历史替换 `calibration/data/monthly/history.csv` 后再看回测覆盖率。
* 未报送的企业和园区并不保持原样:它们按在模型路径中与已报送者的相关程度(回归系数 β)随之调整。
* 项目调度表给出当年"百项"清单 1 至报告月的开工和投产:每条路径上进度最接近的清单项目被移到所报状态和日期(已投产的不再投产,已开工的不再开工),其余月份、以后年份、收入和投资都从这一状态模拟。
* 会议用 PDF:`attain report baseline --ytd TABLE --ytd-projects TABLE`。

* The nowcast's interval comes from the year-to-year variation of the illustrative monthly history; real seasonality may
  differ: replace `calibration/data/monthly/history.csv` with the real monthly history and check the backtest coverage.
* Firms and parks that did not report are not left as they were: they move with the reporters by their regression
  coefficient β in the model's own paths.
* The project table gives the current year's list starts and completions from January to the report month: on every
  path the listed projects closest to that state are moved to it, at the reported dates (a project reported producing
  does not produce again, one reported started does not start again); the rest of the year, later years, revenue and
  investment are simulated from there.
* For the meeting PDF: `attain report baseline --ytd TABLE --ytd-projects TABLE`."""),
]
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbf.write(nb, "notebooks/midyear_update.ipynb")
