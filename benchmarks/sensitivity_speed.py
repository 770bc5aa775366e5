"""Benchmark of sensitivity analysis: a tornado of every lever on one target, and Sobol convergence.

Usage::

    python benchmarks/sensitivity_speed.py                 # full: tornado of all levers at 1,000 paths per end; Sobol up to N = 2,048 (--sobol-n)
    python benchmarks/sensitivity_speed.py --part sobol    # full Sobol only (--part tornado: the tornado only)
    python benchmarks/sensitivity_speed.py --small         # CI: 3 levers at 100 paths; Sobol N = 16

Writes ``benchmarks/results/sensitivity_speed.json`` and ``.md`` (``*_small`` in small mode; a part run
keeps the other part's figures from the previous file).

Tornado: every lever of ``attain levers`` from its declared low to its high end,
baseline scenario, target GZ-ENT100-2016 (≥3 Ganzhou firms above 100亿), common
random numbers, 2 workers. "Paths needed" is the number of paths per end at
which the largest paired standard error of a bar's ΔP would be 0.01, scaled
from the measured errors (se ∝ 1/sqrt(n)).

Sobol: Ganzhou's signings (40-300 a year, the goal-seek range) and the macro shift ([-0.04, 0.04], a model
variant) on GZ-REV-2020 (Ganzhou revenue in 2020), output the median level on a batch of 10 paths per point
(the same paths at every point: a smooth output, where P on a small batch would be mostly binomial noise).
Levers act from 2014, so a 2016 target hardly responds to intake; 2020 does. The sample size needed is the
smallest base sample N (nested prefixes of one Sobol sequence) at which every 95 % interval of S1 and ST
has half-width ≤ 0.05, measured, or its 1/sqrt(N) extrapolation when the run stops before.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from model.context import prepare  # noqa: E402
from model.design_points import PointRunner, lever_factors, make_factor  # noqa: E402
from model.scenario import load_scenario  # noqa: E402
from model.sensitivity import sobol, tornado  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
TARGET = "GZ-ENT100-2016"
SOBOL_TARGET = "GZ-REV-2020"
SOBOL_OUTPUT = "median"
SE_GOAL = 0.01


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--small", action="store_true", help="CI mode: a few levers, few paths")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--sobol-n", type=int, default=2048, help="Sobol base sample in full mode (power of 2)")
    ap.add_argument("--tornado-paths", type=int, default=1000, help="paths per tornado end in full mode")
    ap.add_argument("--part", choices=("both", "tornado", "sobol"), default="both", help="run one part only (full mode)")
    args = ap.parse_args(argv)
    small = args.small
    t0 = time.perf_counter()
    scenario = load_scenario("baseline")
    ctx = prepare(scenario)
    prep = time.perf_counter() - t0
    seed = scenario.get("scenario", "seed")

    suffix = "_small" if small else ""
    previous = RESULTS / f"sensitivity_speed{suffix}.json"
    kept = json.loads(previous.read_text(encoding="utf-8")) if previous.exists() and args.part != "both" else {}
    tornado_row = kept.get("tornado")
    if args.part in ("both", "tornado"):
        names = ["signed_per_year_gz_1yi", "new_entrant_share_gz_1yi", "financing_success_probability"] if small else None
        n_tornado = 100 if small else args.tornado_paths
        runner = PointRunner(ctx, [TARGET], n_tornado, seed, workers=args.workers, progress=True)
        tor = tornado(runner, lever_factors(names))
        bars = tor["targets"][0]["bars"]
        max_se = max(b["se_delta_p"] for b in bars)
        needed = int(n_tornado * (max_se / SE_GOAL) ** 2) if max_se > 0 else n_tornado
        tornado_row = {"measured": time.strftime("%Y-%m-%d"), "target": TARGET, "levers": len(bars), "points": tor["points"], "paths_per_point": n_tornado, "paths": tor["paths_simulated"],
                       "workers": args.workers, "seconds": runner.seconds, "max_se_delta_p": max_se, "paths_per_end_for_se_0.01": needed,
                       "seconds_for_se_0.01_estimate": runner.seconds * needed / n_tornado, "base": tor["targets"][0]["base"],
                       "bars": [{k: b[k] for k in ("factor", "low", "high", "p_low", "p_high", "delta_p", "se_delta_p", "delta_median", "se_delta_median", "delta_cost", "dp_per_wan")} for b in bars]}

    sobol_row = kept.get("sobol")
    if args.part in ("both", "sobol"):
        factors = [make_factor("signed_per_year_gz_1yi", "40:300"), make_factor("macro.shift", "-0.04:0.04")]
        n_base, batch = (16, 10) if small else (args.sobol_n, 10)
        srunner = PointRunner(ctx, [SOBOL_TARGET], batch, seed, workers=args.workers, progress=True)
        sob = sobol(srunner, factors, n_base, SOBOL_OUTPUT)
        st = sob["targets"][0]
        sobol_row = {"measured": time.strftime("%Y-%m-%d"), "target": SOBOL_TARGET, "factors": [f.name for f in factors], "output": SOBOL_OUTPUT, "batch_paths": batch, "n_base": n_base,
                     "evaluations": sob["evaluations"], "paths": sob["evaluations"] * batch, "workers": args.workers, "seconds": srunner.seconds,
                     "noise_ratio": st["noise_ratio"], "S1": st["S1"], "S1_conf": st["S1_conf"], "ST": st["ST"], "ST_conf": st["ST_conf"],
                     "n_needed": st["n_needed"], "n_needed_estimate": st["n_needed_estimate"],
                     "convergence": [{k: c[k] for k in ("n_base", "evaluations", "max_half_width", "S1", "ST")} for c in st["convergence"]]}
    out = {"mode": "small" if small else "full", "prepare_s": prep, "cpu_count": os.cpu_count(), "load_avg_end": os.getloadavg()[0], "tornado": tornado_row, "sobol": sobol_row}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"sensitivity_speed{suffix}.json").write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    (RESULTS / f"sensitivity_speed{suffix}.md").write_text(_markdown(out), encoding="utf-8")
    print(_markdown(out))
    return 0


def _markdown(out: dict) -> str:
    t, s = out["tornado"], out["sobol"]
    lines = [
        f"# Sensitivity benchmark ({out['mode']})", "",
        f"Preparation {out['prepare_s']:.1f} s; {t['workers']} workers; load average at the end {out['load_avg_end']:.1f}.", "",
        f"## Tornado: {t['levers']} levers on {t['target']}", "",
        (f"Measured {t['measured']}." if "measured" in t else "**Stale:** measured on 2026-12-02, before levers were made to act only from the policy start "
         "(2014); rerun with `--part tornado`. The README's tornado example is the current one."), "",
        f"{t['points']} points × {t['paths_per_point']:,} paths = {t['paths']:,} paths in {t['seconds']:.1f} s. Largest paired s.e. of ΔP: {t['max_se_delta_p']:.4f}; "
        f"paths per end for s.e. ≤ {SE_GOAL}: {t['paths_per_end_for_se_0.01']:,} (≈ {t['seconds_for_se_0.01_estimate']:.0f} s).", "",
        f"Base P = {t['base']['p']:.3f} ± {t['base']['se']:.3f}.", "",
        "| lever | low → high | P(low) | P(high) | ΔP ± se | Δ median ± se | Δ reward cost (万元) |", "|---|---|---|---|---|---|---|",
    ]
    for b in t["bars"]:
        lines.append(f"| {b['factor']} | {b['low']:g} → {b['high']:g} | {b['p_low']:.3f} | {b['p_high']:.3f} | {b['delta_p']:+.3f} ± {b['se_delta_p']:.3f} | {b['delta_median']:+.1f} ± {b['se_delta_median']:.1f} | {b['delta_cost']:+,.0f} |")
    lines += ["", f"## Sobol: {', '.join(s['factors'])} on {s['target']}", "",
              f"Output {s['output']} on a batch of {s['batch_paths']} paths per point" + (f" (batch-noise share {s['noise_ratio']:.2f})" if s["noise_ratio"] is not None else "") + f"; N = {s['n_base']}: {s['evaluations']:,} points, "
              f"{s['paths']:,} paths in {s['seconds']:.1f} s. Base sample needed for 95 % half-widths ≤ 0.05: "
              + (f"{s['n_needed']}" if s["n_needed"] else f"not reached at {s['n_base']}; 1/√N extrapolation {s['n_needed_estimate']}") + ".", "",
              "| factor | S1 ± CI | ST ± CI |", "|---|---|---|"]
    for i, f in enumerate(s["factors"]):
        lines.append(f"| {f} | {s['S1'][i]:.3f} ± {s['S1_conf'][i]:.3f} | {s['ST'][i]:.3f} ± {s['ST_conf'][i]:.3f} |")
    lines += ["", "| N | points | largest half-width |", "|---|---|---|"] + [f"| {c['n_base']} | {c['evaluations']:,} | {c['max_half_width']:.3f} |" for c in s["convergence"]]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main())
