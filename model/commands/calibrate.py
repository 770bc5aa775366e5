"""``attain calibrate [--data DIR] [--as-of YEAR] [--check] [--figures DIR] [--compare OLD]``.

Where the parameters go: the embedded data's fit is ``calibration/parameters.toml``
(what ``attain run`` uses by default). A fit of another dataset (``--data DIR``)
is written *into that dataset folder*, as ``DIR/parameters.toml``, so it can
never overwrite the embedded data's parameters; ``attain run --data DIR`` uses it
when its data hash matches. ``--as-of Y`` writes ``parameters_asofY.toml`` next
to the default. ``--compare OLD`` refits and compares with a stored artefact
(:mod:`model.calibration_compare`); nothing is written.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import OutputError, UsageError
from .checks import check_paths
from .output import emit

if TYPE_CHECKING:  # the modules are imported when a command runs: `attain --help` stays quick
    from ..calibrate import GrowthParams
    from ..data import Panel

__all__ = ["add_parser", "run", "calibrate_command", "NOISE_RTOL"]


def add_parser(subparsers) -> None:
    """The ``calibrate`` verb (with the ``--compare`` group)."""
    cal = subparsers.add_parser("calibrate", help="fit the growth model and write calibration/parameters.toml (DIR/parameters.toml with --data DIR)")
    cal.add_argument("--data", type=Path, metavar="DIR", help="dataset folder (default: embedded data); its fit is written to DIR/parameters.toml")
    cal.add_argument("--as-of", type=int, help="use data up to this year only")
    cal.add_argument("--check", action="store_true", help="recalibrate and compare with the stored artefact (no write)")
    cal.add_argument("--figures", type=Path, help="write diagnostic figures to this folder")
    cal.add_argument("--json", action="store_true")
    _compare_flags(cal)


def _compare_flags(cal) -> None:
    """``attain calibrate --compare OLD``: drift against a stored artefact (model.calibration_compare)."""
    g = cal.add_argument_group("comparison with a stored calibration (--compare)")
    g.add_argument("--compare", type=Path, metavar="OLD", help="refit and compare with the stored artefact OLD in standard errors (nothing is written)")
    g.add_argument("--old-data", type=Path, metavar="DIR", help="dataset OLD was fitted on, when OLD has no data record beside it")
    g.add_argument("--alpha", type=float, default=0.05, help="family-wise false-alarm rate of the drift verdicts (Holm; default 0.05)")
    g.add_argument("--nested", action="store_true", help="overlap correction: the old data are a subset of the new (sharper, less conservative)")
    g.add_argument("--paths", type=int, help="also rerun the scenario's targets under both calibrations with this many paths (probability shift)")
    g.add_argument("--scenario", default="baseline", help="scenario of the probability shift (default: baseline)")
    g.add_argument("--seed", type=int, help="seed of the probability shift (default: the scenario's)")


def run(args) -> int:
    """Fit and write (or ``--check``, or ``--compare OLD``)."""
    if args.compare is not None:
        return _calibrate_compare(args)
    given = (("--old-data", args.old_data), ("--nested", args.nested or None), ("--paths", args.paths), ("--seed", args.seed),
             ("--scenario", None if args.scenario == "baseline" else args.scenario), ("--alpha", None if args.alpha == 0.05 else args.alpha))
    extra = [f for f, v in given if v is not None]
    if extra:
        raise UsageError(f"{', '.join(extra)}: only with --compare OLD")
    return calibrate_command(as_of=args.as_of, check=args.check, figures=args.figures, as_json=args.json, data_dir=args.data)


def _calibrate_compare(args) -> int:
    if args.check or args.figures is not None:
        raise UsageError("--compare: cannot be combined with --check or --figures (it writes nothing)")
    if args.paths is not None:
        check_paths(args.paths, "Monte Carlo paths of the probability shift")
    return _compare_command(args.compare, args.data, args.as_of, args.old_data, args.json, alpha=args.alpha, nested=args.nested,
                            paths=args.paths, scenario=args.scenario, seed=args.seed)


def _compare_command(old: Path, data_dir: Path | None, as_of: int | None, old_data: Path | None, as_json: bool,
                    alpha: float, nested: bool = False, paths: int | None = None, scenario: str = "baseline", seed: int | None = None) -> int:
    """Print the comparison (and, with ``paths``, the probability shift). Exit status 0.

    Parameters
    ----------
    old : Path
    data_dir, as_of, old_data, alpha, nested
        As :func:`compare_calibrations`.
    as_json : bool
    paths : int, optional
        Monte Carlo paths of the probability shift (none when omitted).
    scenario : str
        Scenario of the probability shift.
    seed : int, optional
        Its seed (default: the scenario's).

    Returns
    -------
    int
    """
    from ..calibration_compare import compare_calibrations, format_comparison, format_data_changes
    from ..param_table import read_artefact

    try:
        read_artefact(old)  # a clear error before the fit
    except ValueError as exc:
        raise UsageError(f"--compare {exc}") from None
    if alpha <= 0 or alpha >= 1:
        raise UsageError(f"--alpha {alpha}: expected a family-wise false-alarm rate between 0 and 1, e.g. 0.05")
    diff = compare_calibrations(Path(old), data_dir, as_of, old_data, alpha, nested)
    shift = None
    if paths is not None:
        from ..prob_shift import probability_shift

        if diff.old_record is None:
            raise UsageError(f"--paths: the probability shift reruns the old data, but {diff.data_note.split(': ', 1)[1]}")
        shift = probability_shift(Path(old), diff, scenario, paths, seed, data_dir)
    if as_json:
        out = {"comparison": diff.comparison.to_dict(), "data_changes": diff.data.to_dict() if diff.data else None, "data_note": diff.data_note}
        if shift is not None:
            out["probability_shift"] = shift.to_dict()
        emit(out, True, "")
        return 0
    text = [format_comparison(diff.comparison), "", diff.data_note]
    if diff.data is not None:
        text.append(format_data_changes(diff.data))
    if shift is not None:
        from ..prob_shift import format_shift

        text += ["", format_shift(shift)]
    emit(None, False, "\n".join(text))
    return 0


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
    from .. import artefact
    from ..calibrate import calibrate_panel, check_as_of
    from ..data import load_dataset
    from ..data_record import check_record_target, write_record

    path = Path(path) if path is not None else artefact.artefact_path(data_dir, as_of)  # looked up at call time: tests point it elsewhere
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
        artefact.save_params(params, panel.data_hash(), path, note)
    # The values the fit saw, for `attain calibrate --compare` (rewritten only when they changed).
    record = write_record(panel, path) if not unchanged or not _record_current(panel, path) else None
    written = ([] if unchanged else [str(path)]) + ([str(record)] if record else []) + drawn
    report = {"written": written, "unchanged": [str(path)] if unchanged else [], "params": params.to_dict(), "data_hash": panel.data_hash()}
    text = _text(params, written) + (f"\nunchanged: {path} (the fit differs from it by floating-point noise only, below rtol {NOISE_RTOL:g})" if unchanged else "")
    emit(report, as_json, text)
    return 0


#: Differences below this relative size are floating-point noise: the artefact is not rewritten for them.
NOISE_RTOL = 1e-9


def _unchanged(params: GrowthParams, panel: Panel, path: Path) -> bool:
    """True when ``path`` holds this fit already (same data hash, parameters equal up to noise)."""
    from .. import artefact
    from ..testing import params_diff

    if not path.exists():
        return False
    try:
        stored, header = artefact.load_params(path)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return header.get("data_hash") == panel.data_hash() and not params_diff(params, stored, rtol=NOISE_RTOL, atol=1e-12)


def _draw(params: GrowthParams, panel: Panel, figures: Path | None) -> list[str]:
    if figures is None:
        return []
    from ..diagnostics import write_figures

    return [str(p) for p in write_figures(params, panel, figures)]


def _check_targets(path: Path, figures: Path | None, check: bool = False) -> None:
    """Before any work: the artefact may only replace an earlier artefact; figures only earlier figures."""
    from .. import artefact
    from ..outputs import check_output_file

    if check and not path.exists():
        raise FileNotFoundError(f"{path}: no stored calibration to check against; run `attain calibrate` (with the same --data and --as-of) first")
    if not check:
        if path.exists():
            try:
                artefact.load_params(path)
            except (OSError, ValueError, KeyError, TypeError):
                raise OutputError(f"{path}: exists and is not an attain calibration artefact; move it away, attain will not overwrite it") from None
        check_output_file(path, flag="calibration artefact", kind="toml")
    if figures is not None:
        _check_figures(figures)


def _check_figures(figures: Path) -> None:
    from ..diagnostics import FIGURE_NAMES
    from ..outputs import check_output_file

    if figures.exists() and not figures.is_dir():
        raise OutputError(f"--figures {figures}: is a file; expected a folder for the figures")
    for name in FIGURE_NAMES:
        check_output_file(figures / name, flag="--figures", kind="png")


def _check(params: GrowthParams, panel: Panel, path: Path, as_json: bool, drawn: list[str] = ()) -> int:
    from .. import artefact
    from ..testing import params_diff

    if not path.exists():
        raise FileNotFoundError(f"{path}: no stored calibration to check against; run `attain calibrate` (with the same --data and --as-of) first")
    stored, header = artefact.load_params(path)
    lines = params_diff(params, stored, rtol=artefact.CHECK_RTOL, atol=1e-9)
    if header.get("data_hash") != panel.data_hash():
        lines.insert(0, f"  data hash          stored {header.get('data_hash')} actual {panel.data_hash()} (the data changed)")
    ok = not lines
    text = f"calibration check against {path}: " + ("OK (recalibration reproduces the stored parameters)" if ok else "DIFFERENT\n" + "\n".join(lines))
    if drawn:
        text += "\nfigures written: " + ", ".join(drawn)
    emit({"ok": ok, "differences": lines, "artefact": str(path), "written": list(drawn)}, as_json, text)
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
    from ..data_record import record_path

    target = record_path(artefact)
    if not target.exists():
        return False
    with open(target, encoding="utf-8") as fh:
        return panel.data_hash() in fh.readline() + fh.readline()
