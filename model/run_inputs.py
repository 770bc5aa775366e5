"""The files a run reads, each with its SHA-256 as read (for ``manifest.json``).

A result must say exactly what it was computed from: the scenario files of its
inheritance chain, the dataset's tables and ``dataset.toml``, the calibration
artefact tried, the target catalogue, the pipeline calibration and the
published figures the data are checked against. Xinyi's assumptions and panel
(:attr:`model.xinyi.XinyiModel.inputs`) and the mid-year update's tables
(:func:`model.ytd_update.input_records`) are recorded by the modules that read
them, in the same form.
"""

from __future__ import annotations

from pathlib import Path

from .catalogue import default_catalogue_path
from .data import Panel
from .file_records import file_records
from .pipeline import DEFAULT_CALIBRATION
from .plausibility import PUBLISHED_FIGURES
from .scenario import Scenario

__all__ = ["run_inputs"]


def run_inputs(scenario: Scenario, panel: Panel, artefact: Path) -> tuple[dict, ...]:
    """The files :func:`model.context.prepare` reads (besides Xinyi's), with their hashes.

    Parameters
    ----------
    scenario : Scenario
        Its inheritance chain, root first.
    panel : Panel
        Its tables (``panel.files``: a workbook's label names the sheet after the path).
    artefact : Path
        The calibration artefact tried; recorded when it exists (it is read even
        when the run then calibrates on the fly).

    Returns
    -------
    tuple of dict
    """
    files = [("scenario", Path(p)) for p in scenario.chain]
    files += [(f"data {name}", Path(label.split(" [sheet")[0])) for name, label in panel.files.items()]
    if Path(artefact).is_file():
        files.append(("calibration artefact", Path(artefact)))
    files += [("target catalogue", default_catalogue_path()), ("pipeline calibration", DEFAULT_CALIBRATION), ("published figures", PUBLISHED_FIGURES)]
    return file_records(files)
