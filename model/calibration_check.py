"""``attain calibrate [--data DIR] [--as-of YEAR] [--check] [--figures DIR]``.

Where the parameters go: the embedded data's fit is ``calibration/parameters.toml``
(what ``attain run`` uses by default). A fit of another dataset (``--data DIR``)
is written *into that dataset folder*, as ``DIR/parameters.toml``, so it can
never overwrite the embedded data's parameters; ``attain run --data DIR`` uses it
when its data hash matches. ``--as-of Y`` writes ``parameters_asofY.toml`` next
to the default.
"""

from __future__ import annotations

import json
from pathlib import Path

from .artefact import CHECK_RTOL, artefact_path, load_params, save_params
from .calibrate import GrowthParams, calibrate_panel, check_as_of
from .data import Panel, load_dataset
from .data_record import check_record_target, write_record
from .testing import params_diff

__all__ = ["calibrate_command", "NOISE_RTOL"]

def calibrate_command(as_of: int | None, check: bool, figures: Path | None, as_json: bool, path: Path | None = None, data_dir: Path | None = None) -> int:
    """Fit, then write the artefact (or compare with it when ``check``).

    Output paths are checked before any work. The artefact is left untouched
    when the new fit differs from it only by floating-point noise
    (:data:`NOISE_RTOL`) and the data hash is the same, so an unchanged
    dataset never shows up as a modified tracked file.

    Parameters
    ----------
    as_of : int, optional
    check : bool
        Compare with the stored artefact instead of writing it (``figures``, if
        given, are still drawn: they are a separate, explicitly asked output).
    figures : Path, optional
        Folder for the diagnostic figures.
    as_json : bool
    path : Path, optional
        Artefact to write or check (default: :func:`artefact_path`).
    data_dir : Path, optional
        Dataset folder (default: the embedded data).

    Returns
    -------
    int
        Exit status.
    """
    path = Path(path) if path is not None else artefact_path(data_dir, as_of)
    _check_targets(path, figures, check)
    panel = load_dataset(data_dir)
    check_as_of(panel, as_of)
    if not check:
        check_record_target(path)  # before the fit: the artefact and its data record are written together
    params, panel = calibrate_panel(panel, as_of)
    drawn = _draw(params, panel, figures)
    if check:
        return _check(params, panel, path, as_json, drawn)
    note = "fitted on ILLUSTRATIVE data (synthetic panel around published anchors)" if panel.illustrative else ""
    unchanged = _unchanged(params, panel, path)
    if not unchanged:
        save_params(params, panel.data_hash(), path, note)
    # The values the fit saw, for `attain calibrate --compare` (rewritten only when they changed).
    record = write_record(panel, path) if not unchanged or not _record_current(panel, path) else None
    written = ([] if unchanged else [str(path)]) + ([str(record)] if record else []) + drawn
    report = {"written": written, "unchanged": [str(path)] if unchanged else [], "params": params.to_dict(), "data_hash": panel.data_hash()}
    text = _text(params, written) + (f"\nunchanged: {path} (the fit differs from it by floating-point noise only, below rtol {NOISE_RTOL:g})" if unchanged else "")
    print(json.dumps(report, ensure_ascii=False, indent=1, default=str) if as_json else text)
    return 0


#: Differences below this relative size are floating-point noise: the artefact is not rewritten for them.
NOISE_RTOL = 1e-9


def _unchanged(params: GrowthParams, panel: Panel, path: Path) -> bool:
    """True when ``path`` holds this fit already (same data hash, parameters equal up to noise)."""
    if not path.exists():
        return False
    try:
        stored, header = load_params(path)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return header.get("data_hash") == panel.data_hash() and not params_diff(params, stored, rtol=NOISE_RTOL, atol=1e-12)


def _draw(params: GrowthParams, panel: Panel, figures: Path | None) -> list[str]:
    if figures is None:
        return []
    from .diagnostics import write_figures

    return [str(p) for p in write_figures(params, panel, figures)]


def _check_targets(path: Path, figures: Path | None, check: bool = False) -> None:
    """Before any work: the artefact may only replace an earlier artefact; figures only earlier figures."""
    from .errors import OutputError
    from .outputs import check_output_file

    if check and not path.exists():
        raise FileNotFoundError(f"{path}: no stored calibration to check against; run `attain calibrate` (with the same --data and --as-of) first")
    if not check:
        if path.exists():
            try:
                load_params(path)
            except (OSError, ValueError, KeyError, TypeError):
                raise OutputError(f"{path}: exists and is not an attain calibration artefact; move it away, attain will not overwrite it") from None
        check_output_file(path, flag="calibration artefact", kind="toml")
    if figures is not None:
        _check_figures(figures)


def _check_figures(figures: Path) -> None:
    from .diagnostics import FIGURE_NAMES
    from .errors import OutputError
    from .outputs import check_output_file

    if figures.exists() and not figures.is_dir():
        raise OutputError(f"--figures {figures}: is a file; expected a folder for the figures")
    for name in FIGURE_NAMES:
        check_output_file(figures / name, flag="--figures", kind="png")


def _check(params: GrowthParams, panel: Panel, path: Path, as_json: bool, drawn: list[str] = ()) -> int:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no stored calibration to check against; run `attain calibrate` (with the same --data and --as-of) first")
    stored, header = load_params(path)
    lines = params_diff(params, stored, rtol=CHECK_RTOL, atol=1e-9)
    if header.get("data_hash") != panel.data_hash():
        lines.insert(0, f"  data hash          stored {header.get('data_hash')} actual {panel.data_hash()} (the data changed)")
    ok = not lines
    if as_json:
        print(json.dumps({"ok": ok, "differences": lines, "artefact": str(path), "written": list(drawn)}, ensure_ascii=False, indent=1))
    else:
        print(f"calibration check against {path}: " + ("OK (recalibration reproduces the stored parameters)" if ok else "DIFFERENT\n" + "\n".join(lines)))
        if drawn:
            print("figures written: " + ", ".join(drawn))
    return 0 if ok else 1


def _text(p: GrowthParams, written: list[str]) -> str:
    rows = [
        ("phi (firm excess-growth persistence)", p.phi), ("tau (industry shock sd / yr)", p.tau), ("rho (industry shock persistence)", p.rho),
        ("sigma (idiosyncratic sd at 1亿)", p.sigma), ("beta (size exponent)", p.beta), ("df (t tail)", p.df),
    ]
    lines = [f"{name:40s} {e.value:9.4f} ± {e.se:.4f}" for name, e in rows]
    lines.append(f"{'corr(log sigma, beta) of the estimates':40s} {p.sigma_beta_corr:9.4f}")
    m = p.macro
    v, w = m.view, m.data_weight
    lines.append(f"macro (default view {v.long_run_growth} ± {v.long_run_growth_sd}, persistence {v.persistence} ± {v.persistence_sd}; see [macro] in a scenario):")
    lines.append(f"{'  long-run log-growth mu':40s} {m.mu:9.4f} ± {m.mu_sd:.4f}  data weight {w['mu']:.0%}")
    lines.append(f"{'  persistence phi':40s} {m.phi:9.4f} ± {m.phi_sd:.4f}  data weight {w['phi']:.0%}")
    lines.append(f"{'  shock sd':40s} {m.sigma:9.4f}  (log sd {m.log_sigma_sd:.3f})  data weight {w['log_sigma']:.0%}")
    lines.append(f"{'  start growth (filtered 2013 state)':40s} {m.last_growth:9.4f} ± {m.last_growth_sd:.4f}  (observed {m.last_observed_growth:.4f})")
    lines.append(f"tail law: {p.tail} (AIC {p.diagnostics.get('aic')}); {p.n_obs} leaf-year observations, as of {p.as_of}")
    return "\n".join(lines + ["written: " + (", ".join(written) or "nothing")])


def _record_current(panel: Panel, artefact: Path) -> bool:
    """True when the artefact's data record exists and holds this panel's data hash."""
    from .data_record import record_path

    target = record_path(artefact)
    if not target.exists():
        return False
    with open(target, encoding="utf-8") as fh:
        return panel.data_hash() in fh.readline() + fh.readline()
