"""The planners' notebooks run top to bottom, with their parameters overridden the way papermill does."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
#: Small path counts keep CI fast; injected after the cell tagged ``parameters`` (as ``papermill -p paths 100``).
#: ``PATHS`` is the calibration-drift notebook's name for it.
PARAMETERS = "paths = 100\nPATHS = 100"


def _inject(nb) -> None:
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(tagged) == 1, "a notebook needs exactly one cell tagged 'parameters' (papermill)"
    cell = nbformat.v4.new_code_cell(PARAMETERS, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(tagged[0] + 1, cell)


def test_every_notebook_has_a_builder():
    builders = {p.name for p in NOTEBOOKS[0].parent.glob("build_*.py")}
    for nb in NOTEBOOKS:
        text = "\n".join((NOTEBOOKS[0].parent / b).read_text(encoding="utf-8") for b in builders)
        assert f"notebooks/{nb.name}" in text, f"{nb.name} has no builder script"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, monkeypatch):
    # The kernel must draw inline figures even when CI exports MPLBACKEND=Agg.
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(path, as_version=4)
    _inject(nb)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert any("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])), "no figure was drawn"
