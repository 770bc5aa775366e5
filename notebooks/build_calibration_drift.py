"""Builds notebooks/calibration_drift.ipynb (cells only; execute it with jupyter, nbclient or papermill).

Run from the repository root: ``python notebooks/build_calibration_drift.py``.
"""
import nbformat as nbf

nb = nbf.v4.new_notebook()
md, code = nbf.v4.new_markdown_cell, nbf.v4.new_code_cell
params = code("""import os
PATHS = int(os.environ.get("ATTAIN_NB_PATHS", 500))  # Monte Carlo paths per run (tests use 100)
OLD_AS_OF, NEW_AS_OF = 2012, 2013                    # calibrate as of 2012, then as of 2013
SCENARIO = "baseline"
ALPHA = 0.05                                         # family-wise false-alarm rate of the drift verdicts""")
params.metadata["tags"] = ["parameters"]  # papermill: `papermill calibration_drift.ipynb out.ipynb -p PATHS 2000`
nb.cells = [
md("""# 标定回归检验 · Calibration drift: what moved beyond its uncertainty, and how the odds changed

每年新增一年数据、统计部门修订往年数据之后,规划人员要回答三个问题:拟合的增长规律变了吗,还是只是噪声?哪些目标概率变了、为什么?上次会议公布的概率还能复现吗?

This notebook calibrates the growth model as of 2012 and as of 2013, compares every parameter in standard
errors (Holm-corrected), names the data that changed, reruns the baseline targets under both calibrations with
common random numbers, and shows what the golden-results test prints when the model changes.

**注意 / Note:** 内置数据为示意性数据 (illustrative data)."""),
params,
code("""import shutil, tempfile
from pathlib import Path
import numpy as np
import pandas as pd
import matplotlib.pyplot as plt
from model.fonts import use_cjk_font
from model.artefact import save_params
from model.calibrate import calibrate_panel
from model.calibration_compare import compare_calibrations, format_comparison, format_data_changes
from model.data import default_data_dir, load_dataset
from model.data_record import write_record

use_cjk_font()
work = Path(tempfile.mkdtemp(prefix="attain-drift-"))
data = work / "jx"
shutil.copytree(default_data_dir(), data)  # a working copy: the embedded data stay untouched

# what `attain calibrate --data DIR --as-of 2012` does: the artefact and, beside it, the record of its data
params_old, panel_old = calibrate_panel(load_dataset(data), OLD_AS_OF)
old = save_params(params_old, panel_old.data_hash(), data / f"parameters_asof{OLD_AS_OF}.toml")
write_record(panel_old, old)
print(old.name, "and", old.with_name(old.stem + ".data.csv").name)"""),
md("## 参数漂移 · Parameter drift, 2012 → 2013\n`z = (new − old) / sqrt(se_old² + se_new²)`; drift when Holm's procedure rejects at a family-wise false-alarm rate of 5 %."),
code("""diff = compare_calibrations(old, data_dir=data, as_of=NEW_AS_OF, alpha=ALPHA)
print(format_comparison(diff.comparison))
print()
print(format_data_changes(diff.data))"""),
code("""rated = [c for c in diff.comparison.changes if c.z is not None]
fig, ax = plt.subplots(figsize=(7, 3.5))
ax.barh([c.name for c in rated], [c.z for c in rated], color=["#c62" if c.verdict == "drift" else "#268" for c in rated])
first = max(c.threshold for c in rated)  # Holm's first (strictest) threshold
for x in (-first, first):
    ax.axvline(x, color="k", ls=":")
ax.set_xlabel("z = 变化 / 合成标准误 (change in standard errors)")
ax.set_title(f"标定参数漂移 {OLD_AS_OF} → {NEW_AS_OF} (虚线: Holm 首个阈值 |z| = {first:.2f})")
ax.invert_yaxis(); plt.tight_layout(); plt.show()"""),
md("## 数据修订 · A revised value is named with its entity and year\nThe bureau revises 江西铜业集团's 2011 revenue; the comparison names it."),
code("""rev = pd.read_csv(data / "revenue.csv", dtype=str, keep_default_na=False)
at = (rev["entity"] == "E.JCC") & (rev["year"] == "2011")
rev.loc[at, ["value", "provenance", "source"]] = ["1380.0", "published", "江西统计年鉴2014 (revised)"]
rev.to_csv(data / "revenue.csv", index=False, lineterminator="\\n")
diff = compare_calibrations(old, data_dir=data, as_of=NEW_AS_OF, alpha=ALPHA)
print(format_data_changes(diff.data))
print("drifted:", [c.name for c in diff.comparison.drifted] or "none")"""),
md("## 概率变化及其来源 · How the odds moved, and why\nFour runs with common random numbers: old calibration; + the 2013 data; + the revision; + the refitted parameters. ± is the paired Monte Carlo error. With the parameters held fixed, a revision of 2011 does not move the start of the simulation (the last level and the last growth rate), so the \"revised data\" step is zero here: the revision acts through the refit, in the \"parameters\" step."),
code("""from model.prob_shift import probability_shift
shift = probability_shift(old, diff, SCENARIO, PATHS, None, data)
table = pd.DataFrame([{"target": r["id"], "P 2012": r["p_old"], "P 2013": r["p_new"], "ΔP": r["shift"], "± se": r["se"],
                       **{k: v["shift"] for k, v in r["steps"].items()}} for r in shift.rows])
table = table[(table["P 2012"] > 0) | (table["P 2013"] > 0)].round(3)
table.sort_values("ΔP", key=abs, ascending=False).head(15)"""),
md("## 检验工具 · The same checks in your own test suite"),
code("""from model.testing import assert_calibration_stable
# as of 2011 vs 2013 (on the revised data): firm persistence really moved
params_2011, panel_2011 = calibrate_panel(load_dataset(data), 2011)
try:
    assert_calibration_stable(params_2011, calibrate_panel(load_dataset(data), NEW_AS_OF)[0])
except AssertionError as exc:
    print(exc)"""),
md("## 黄金结果 · What the golden test prints when the model changes\n`tests/test_golden.py` reruns the committed reference probabilities (`attain golden`). Here the \"model change\" is the 2012 calibration: the check names every target that moved beyond 4 SE + 1/n. A deliberate change is accepted with `attain golden --write`."),
code("""import json
from model.golden import format_golden_diff, golden_diff, golden_path, golden_probabilities
stored = json.loads(golden_path().read_text(encoding="utf-8"))
stored = {**stored, "scenarios": {SCENARIO: stored["scenarios"][SCENARIO]}}
changed = golden_probabilities(PATHS, [SCENARIO], as_of=OLD_AS_OF)
moved, notes = golden_diff(stored, changed)
print(format_golden_diff(moved, notes, len(changed["scenarios"][SCENARIO]["targets"]), "tests/golden/probabilities.json"))"""),
code("""shutil.rmtree(work)"""),
]
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
nbf.write(nb, "notebooks/calibration_drift.ipynb")
