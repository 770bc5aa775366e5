"""``attain calibrate [--as-of YEAR] [--check] [--figures DIR]``."""

from __future__ import annotations

import json
from pathlib import Path

from .artefact import default_artefact_path, load_params, save_params
from .calibrate import GrowthParams, calibrate
from .data import Panel, load_dataset
from .hierarchy import build_hierarchy
from .testing import params_diff

__all__ = ["calibrate_panel", "calibrate_command", "CHECK_RTOL"]

#: Recalibration on the same data must reproduce the artefact to this relative tolerance.
CHECK_RTOL = 1e-5


def calibrate_panel(panel: Panel, as_of: int | None = None) -> tuple[GrowthParams, Panel]:
    """Calibrate on ``panel`` (truncated to ``as_of`` when given)."""
    if as_of is not None:
        panel = panel.as_of(as_of)
    h = build_hierarchy(panel)
    province = panel.province_revenue()
    return calibrate(h, province, as_of=int(panel.years[-1])), panel


def calibrate_command(as_of: int | None, check: bool, figures: Path | None, as_json: bool, path: Path | None = None) -> int:
    """Fit, then write the artefact (or compare with it when ``check``)."""
    path = path or (default_artefact_path() if as_of is None else default_artefact_path().with_name(f"parameters_asof{as_of}.toml"))
    params, panel = calibrate_panel(load_dataset(), as_of)
    if check:
        return _check(params, panel, path, as_json)
    note = "fitted on ILLUSTRATIVE data (synthetic panel around published anchors)" if panel.illustrative else ""
    save_params(params, panel.data_hash(), path, note)
    written = [str(path)]
    if figures is not None:
        from .diagnostics import write_figures

        written += [str(p) for p in write_figures(params, panel, figures)]
    report = {"written": written, "params": params.to_dict(), "data_hash": panel.data_hash()}
    print(json.dumps(report, ensure_ascii=False, indent=1, default=str) if as_json else _text(params, written))
    return 0


def _check(params: GrowthParams, panel: Panel, path: Path, as_json: bool) -> int:
    stored, header = load_params(path)
    lines = params_diff(params, stored, rtol=CHECK_RTOL, atol=1e-9)
    if header.get("data_hash") != panel.data_hash():
        lines.insert(0, f"  data hash          stored {header.get('data_hash')} actual {panel.data_hash()} (the data changed)")
    ok = not lines
    if as_json:
        print(json.dumps({"ok": ok, "differences": lines, "artefact": str(path)}, ensure_ascii=False, indent=1))
    else:
        print(f"calibration check against {path}: " + ("OK (recalibration reproduces the stored parameters)" if ok else "DIFFERENT\n" + "\n".join(lines)))
    return 0 if ok else 1


def _text(p: GrowthParams, written: list[str]) -> str:
    rows = [
        ("phi (firm excess-growth persistence)", p.phi), ("tau (industry shock sd / yr)", p.tau),
        ("sigma (idiosyncratic sd at 1亿)", p.sigma), ("beta (size exponent)", p.beta), ("df (t tail)", p.df),
    ]
    lines = [f"{name:40s} {e.value:9.4f} ± {e.se:.4f}" for name, e in rows]
    m = p.macro
    lines.append(f"{'macro long-run log-growth mu':40s} {m.mu:9.4f}")
    lines.append(f"{'macro persistence phi':40s} {m.phi:9.4f}")
    lines.append(f"{'macro shock sd':40s} {m.sigma:9.4f}")
    lines.append(f"tail law: {p.tail} (AIC {p.diagnostics.get('aic')}); {p.n_obs} leaf-year observations, as of {p.as_of}")
    return "\n".join(lines + ["written: " + ", ".join(written)])
