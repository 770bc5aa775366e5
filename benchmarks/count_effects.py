"""How exit, below-floor firms, separate entrants and drawn made-up starts move the count targets.

Runs the baseline with the four ``[counts]`` pieces all off (the old survivor
panel), each one alone, and all on (the default), with one seed, so every
difference is the piece's effect (common random numbers). Writes a Markdown
table (P(attain) and median count per count target).

    python benchmarks/count_effects.py                 # 2,000 paths, seed 20140101
    python benchmarks/count_effects.py --small         # 250 paths (smoke check)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.context import prepare  # noqa: E402
from model.engine import run_blocks  # noqa: E402
from model.scenario import load_scenario  # noqa: E402

OFF = {"exit_hazard": 0.0, "below_floor": False, "separate_entrants": False, "synthetic_sd": 0.0, "synthetic_sd_aggregate": 0.0}
VARIANTS = {
    "all off (survivor panel)": {},
    "+ exit hazard": {"exit_hazard": 0.03},
    "+ below-floor firms": {"below_floor": True},
    "+ separate entrants": {"separate_entrants": True},
    "+ drawn made-up starts": {"synthetic_sd": 0.3, "synthetic_sd_aggregate": 0.15},
    "all on (default)": {"exit_hazard": 0.03, "below_floor": True, "separate_entrants": True, "synthetic_sd": 0.3, "synthetic_sd_aggregate": 0.15},
}


def _toml(value) -> str:
    return str(value).lower() if isinstance(value, bool) else repr(value)


def run_variant(settings: dict, paths: int, seed: int, folder: Path) -> dict[str, tuple[float, float, float]]:
    """P(attain), its MC error and the median count of every evaluable count target."""
    path = folder / "variant.toml"
    lines = ['[scenario]', 'inherits = "baseline.toml"', 'name = "counts-variant"', f"paths = {paths}", f"seed = {seed}", "", "[counts]"]
    lines += [f"{k} = {_toml(v)}" for k, v in {**OFF, **settings}.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ctx = prepare(load_scenario(path))
    out = run_blocks(ctx, paths, seed)
    res = {}
    for c in ctx.targets:
        if c.evaluable and c.is_count:
            x = out.stack("values", c.target.id)
            p = float((x >= c.target.at_least).mean())
            res[c.target.id] = (p, float(np.sqrt(max(p * (1 - p), 0.0) / x.size)), float(np.median(x)))
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20140101)
    ap.add_argument("--small", action="store_true", help="250 paths, no file written")
    ap.add_argument("--write", type=Path, default=ROOT / "benchmarks" / "results" / "count_effects.md")
    args = ap.parse_args(argv)
    paths = 250 if args.small else args.paths
    results, t0 = {}, time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name, settings in VARIANTS.items():
            results[name] = run_variant(settings, paths, args.seed, Path(tmp))
            print(f"{name}: done ({time.perf_counter() - t0:.0f} s)", flush=True)
    targets = list(next(iter(results.values())))
    head = "| target | " + " | ".join(VARIANTS) + " |"
    rows = [head, "|" + "---|" * (len(VARIANTS) + 1)]
    for tid in targets:
        rows.append(f"| {tid} | " + " | ".join(f"{results[v][tid][0]:.3f} ({results[v][tid][2]:g})" for v in VARIANTS) + " |")
    worst = max(r[tid][1] for r in results.values() for tid in targets)
    text = (f"# Count targets with and without entry and exit\n\nBaseline, seed {args.seed}, {paths} paths, common random numbers; "
            f"P(attain) (median count). Largest Monte Carlo error {worst:.3f}. `python benchmarks/count_effects.py`.\n\n" + "\n".join(rows) + "\n")
    print(text)
    if not args.small:
        args.write.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
