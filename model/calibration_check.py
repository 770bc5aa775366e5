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

from .artefact import default_artefact_path, load_params, save_params
from .calibrate import GrowthParams, calibrate
from .data import Panel, default_data_dir, load_dataset
from .data_record import check_record_target, write_record
from .errors import DataError
from .hierarchy import Hierarchy, build_hierarchy
from .testing import params_diff

__all__ = ["calibrate_panel", "calibrate_command", "CHECK_RTOL", "as_of_range", "check_as_of", "artefact_path", "fit"]

#: Calibration needs two growth years before the as-of year (persistence uses last year's growth).
MIN_YEARS = 3

#: Recalibration on the same data must reproduce the artefact to this relative tolerance.
CHECK_RTOL = 1e-5


def as_of_range(panel: Panel) -> tuple[int, int]:
    """The as-of years a panel allows: ``(first data year + 2, last data year)``."""
    return int(panel.years[0]) + MIN_YEARS - 1, int(panel.years[-1])


def check_as_of(panel: Panel, as_of: int | None, flag: str = "--as-of") -> None:
    """Raise :class:`DataError` when ``as_of`` is outside :func:`as_of_range`.

    Parameters
    ----------
    panel : Panel
    as_of : int or None
        None is always fine (all the data).
    flag : str
        How the user gave the year (for the message).
    """
    if as_of is None:
        return
    low, high = as_of_range(panel)
    if not low <= as_of <= high:
        raise DataError(
            f"{flag} {as_of}: expected a year from {low} to {high} (the data cover {int(panel.years[0])}-{high}; "
            f"calibration needs at least {MIN_YEARS} years of data up to the as-of year)"
        )


def artefact_path(data_dir: Path | str | None = None, as_of: int | None = None) -> Path:
    """Where the fitted parameters of a dataset live.

    Parameters
    ----------
    data_dir : path, optional
        Dataset folder; None (or the embedded folder itself) means the embedded data.
    as_of : int, optional

    Returns
    -------
    Path
        ``calibration/parameters.toml`` for the embedded data, ``DIR/parameters.toml``
        for a dataset folder ``DIR``; ``parameters_asofY.toml`` beside either for ``as_of = Y``.
    """
    path = default_artefact_path()
    if data_dir is not None and Path(data_dir).resolve() != default_data_dir().resolve():
        path = Path(data_dir) / "parameters.toml"
    return path if as_of is None else path.with_name(f"parameters_asof{as_of}.toml")


def fit(h: Hierarchy, province, as_of: int) -> GrowthParams:
    """:func:`model.calibrate.calibrate`, with too little data reported as a :class:`DataError`.

    Parameters
    ----------
    h : Hierarchy
    province : ndarray
        The province total per year.
    as_of : int
        Last data year (recorded in the parameters).

    Returns
    -------
    GrowthParams
    """
    try:
        return calibrate(h, province, as_of=as_of)
    except ValueError as exc:
        if "growth observations" not in str(exc):
            raise
        raise DataError(f"calibration on data up to {as_of}: {exc}; expected more enterprises or more years of data (or a later --as-of)") from None


def calibrate_panel(panel: Panel, as_of: int | None = None) -> tuple[GrowthParams, Panel]:
    """Calibrate on ``panel`` (truncated to ``as_of`` when given)."""
    check_as_of(panel, as_of, flag="as_of")
    if as_of is not None:
        panel = panel.as_of(as_of)
    h = build_hierarchy(panel)
    province = panel.province_revenue()
    return fit(h, province, int(panel.years[-1])), panel


def calibrate_command(as_of: int | None, check: bool, figures: Path | None, as_json: bool, path: Path | None = None, data_dir: Path | None = None) -> int:
    """Fit, then write the artefact (or compare with it when ``check``).

    Parameters
    ----------
    as_of : int, optional
    check : bool
        Compare with the stored artefact instead of writing it.
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
    panel = load_dataset(data_dir)
    check_as_of(panel, as_of)
    path = Path(path) if path is not None else artefact_path(data_dir, as_of)
    if not check:
        _check_targets(path, figures)
        check_record_target(path)  # before the fit: the artefact and its data record are written together
    params, panel = calibrate_panel(panel, as_of)
    if check:
        return _check(params, panel, path, as_json)
    note = "fitted on ILLUSTRATIVE data (synthetic panel around published anchors)" if panel.illustrative else ""
    save_params(params, panel.data_hash(), path, note)
    written = [str(path), str(write_record(panel, path))]  # the values it saw, for `attain calibrate --compare`
    if figures is not None:
        from .diagnostics import write_figures

        written += [str(p) for p in write_figures(params, panel, figures)]
    report = {"written": written, "params": params.to_dict(), "data_hash": panel.data_hash()}
    print(json.dumps(report, ensure_ascii=False, indent=1, default=str) if as_json else _text(params, written))
    return 0


def _check_targets(path: Path, figures: Path | None) -> None:
    """Before fitting: the artefact may only replace an earlier artefact; figures need a folder."""
    from .results import OutputError, check_output_file

    check_output_file(path, flag="calibration artefact")
    if path.exists():
        try:
            load_params(path)
        except (OSError, ValueError, KeyError, TypeError):
            raise OutputError(f"{path}: exists and is not an attain calibration artefact; move it away, attain will not overwrite it") from None
    if figures is not None and figures.exists() and not figures.is_dir():
        raise OutputError(f"--figures {figures}: is a file; expected a folder for the figures")


def _check(params: GrowthParams, panel: Panel, path: Path, as_json: bool) -> int:
    if not path.exists():
        raise FileNotFoundError(f"{path}: no stored calibration to check against; run `attain calibrate` (with the same --data and --as-of) first")
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
