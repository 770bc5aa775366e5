"""Builds notebooks/compare_scenarios.ipynb (cells only; execute it with jupyter, nbclient or papermill)."""
import nbformat as nbf

nb = nbf.v4.new_notebook()
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
nb.cells = [
md("""# 情景比较 · Comparing scenarios

把几个情景放在一起看:每个情景改了什么(政策杠杆、宏观偏移),各目标的达成概率如何变化,赣州主营业务收入的扇形图如何移动。所有情景使用同一随机种子(共用随机数),所以情景之间的差异主要来自设定本身,而不是抽样噪声。

Several scenarios side by side: what each one changes (levers, macro shift), how P(attain) moves for every target, and how Ganzhou's revenue fan shifts. All scenarios share one seed (common random numbers), so their differences come from the settings rather than sampling noise.

**注意 / Note:** 内置数据为示意性数据 (illustrative data)."""),
code("""# 参数 · parameters (papermill: -p paths 200)
scenarios = ["baseline", "policy_push", "slowdown", "organic_only"]  # names in scenarios/ or paths to .toml files
paths = 1000  # Monte Carlo paths per scenario
seed = 2014
headline = ["GZ-REV-2016", "GZ-REV-2020", "JX-ENT100-2015", "JX-PARK100-2015", "JX-CLU100-2015", "JX-MAJOR-START-2015", "GZ-ENT100-2016"]""",
     metadata={"tags": ["parameters"]}),
code("""import pandas as pd
import matplotlib.pyplot as plt
from model.fonts import use_cjk_font
from model.scenario import load_scenario
from model.context import prepare
from model.engine import run_blocks
from model.summary import summarise

use_cjk_font()
loaded = {name: load_scenario(name).with_overrides(paths=int(paths), seed=int(seed)) for name in scenarios}
results = {name: summarise(run_blocks(prepare(sc), int(paths), int(seed))) for name, sc in loaded.items()}
first = results[scenarios[0]]
print(f"{len(scenarios)} scenarios, {paths} paths each, seed {seed}; illustrative data: {first['illustrative_data']}")"""),
md("## 每个情景改了什么 · What each scenario changes (against the first)"),
code("""ref = loaded[scenarios[0]]
rows = []
for name, sc in loaded.items():
    for section in ("macro", "pipeline"):
        for key, value in sc.settings[section].items():
            if value != ref.settings[section][key]:
                rows.append({"scenario": name, "setting": f"[{section}] {key}", scenarios[0]: ref.settings[section][key], "value": value})
    for key, value in sc.levers.items():
        if value != ref.levers.get(key):
            rows.append({"scenario": name, "setting": f"[levers] {key}", scenarios[0]: ref.levers.get(key), "value": value})
pd.DataFrame(rows) if rows else "all scenarios have the same settings" """),
md("## 达成概率 · P(attain) of every evaluable target\\n每列为一个情景的达成概率;`se` 为第一个情景的蒙特卡洛标准误。"),
code("""table = pd.DataFrame([{"id": t["id"], "目标": t["title_zh"], "年份": t["year"], "目标值": t["at_least"], "se": round(t["se"], 3)}
                      for t in first["targets"] if t["evaluable"]]).set_index("id")
for name, res in results.items():
    table[name] = pd.Series({t["id"]: t["probability"] for t in res["targets"] if t["evaluable"]}).round(3)
for name in scenarios[1:]:
    table[f"Δ {name}"] = (table[name] - table[scenarios[0]]).round(3)
table"""),
md("## 重点目标 · Headline targets"),
code("""import numpy as np
shown = [h for h in headline if h in table.index]
fig, ax = plt.subplots(figsize=(9, 3.8))
width = 0.8 / len(scenarios)
for k, name in enumerate(scenarios):
    se = {t["id"]: t["se"] for t in results[name]["targets"] if t["evaluable"]}
    # A target a scenario cannot evaluate (organic_only has no project pipeline) gets no bar.
    ax.bar(np.arange(len(shown)) + k * width, table.loc[shown, name], width, yerr=[se.get(h, np.nan) for h in shown], label=name, capsize=2)
ax.set_xticks(np.arange(len(shown)) + width * (len(scenarios) - 1) / 2, shown, rotation=20, ha="right")
ax.set_ylabel("P(attain)"); ax.set_ylim(0, 1); ax.legend(ncol=len(scenarios), loc="upper center", bbox_to_anchor=(0.5, 1.15), frameon=False)
plt.show()"""),
md("## 赣州规模以上工业主营业务收入 · Ganzhou revenue by scenario"),
code("""years = first["years"]
fig, ax = plt.subplots(figsize=(8, 4.2))
for name, res in results.items():
    g = res["aggregates"]["JX.GZ"]
    line, = ax.plot(years, g["q50"], label=f"{name} (中位数 median)")
    ax.fill_between(years, g["q10"], g["q90"], color=line.get_color(), alpha=0.12)
ax.scatter([2016, 2020], [5500, 10000], color="k", zorder=5, label="文件目标 targets")
ax.set_xlim(years[0], 2021); ax.set_ylabel("亿元"); ax.set_title("赣州市规模以上工业主营业务收入 (10%–90%)")
ax.set_ylim(0, 1.1 * max(max(r["aggregates"]["JX.GZ"]["q90"][: years.index(2021) + 1]) for r in results.values()))
ax.legend(fontsize=8)
plt.show()"""),
md("""## 读法 · How to read it

* 各情景共用随机数:某目标在两个情景下的概率差,其噪声通常远小于单个概率的 `se`。
* 概率是条件概率:以情景设定、数据和校准为前提。
* 会议用 PDF:`attain report policy_push --previous <上次结果文件夹>`(见 README「会议报告」)。

* The scenarios share random numbers: the noise of a difference is usually well below each probability's `se`.
* Probabilities are conditional on the scenario, the data and the calibration.
* For the meeting PDF of one scenario: `attain report policy_push` (README, "The meeting PDF")."""),
]
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbf.write(nb, "notebooks/compare_scenarios.ipynb")
