"""``attain data check [PATH]``: validate a dataset folder or a revenue table, optionally merge the table into a new dataset."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from .output import emit

__all__ = ["add_parser", "run"]


def add_parser(subparsers) -> None:
    """The ``data`` verb and its ``check`` action."""
    data = subparsers.add_parser("data", help="validate and summarise data").add_subparsers(dest="action", required=True)
    chk = data.add_parser("check", help="validate a dataset folder or a revenue table (default: embedded data)")
    chk.add_argument("path", nargs="?", help="dataset folder, or a CSV/xlsx revenue table checked against the entities of --data (default: the embedded data)")
    chk.add_argument("--unit", help="unit of every row when the table has no 单位 column (亿元 or 万元)")
    chk.add_argument("--sheet", help="Excel sheet name")
    chk.add_argument("--data", type=Path, metavar="DIR", help="for a table: the dataset whose entities and values it is checked against and merged into")
    chk.add_argument("-o", "--out", type=Path, metavar="NEWDIR", help="for a table: write DIR with the table merged in as a new dataset folder (then: attain run ... --data NEWDIR)")
    chk.add_argument("--json", action="store_true", help="print JSON")


def run(args) -> int:
    """Load and validate, print the summary (and write the merged dataset with ``-o``)."""
    from ..data import default_data_dir, load_dataset, load_revenue_table
    from ..display import data_summary_table
    from ..hierarchy import build_hierarchy

    path = Path(args.path) if args.path else default_data_dir()
    _check_table_flags(path, args.unit, args.sheet, args.data, args.out)
    if path.is_dir():
        panel, against = load_dataset(path), None
    else:
        against = args.data or default_data_dir()
        panel = load_revenue_table(path, load_dataset(against), unit=args.unit, sheet=args.sheet)
    h = build_hierarchy(panel)
    prov = panel.provenance.to_numpy().ravel()
    prov = prov[prov != ""]
    info = {
        "source": str(path), "years": [int(panel.years[0]), int(panel.years[-1])],
        "entities": {"regions": len(panel.regions), "parks": len(panel.parks), "clusters": len(panel.clusters), "enterprises": len(panel.enterprises)},
        "values": int(prov.size), "provenance_share": {k: float((prov == k).mean()) for k in ("published", "derived", "synthetic")},
        "leaves": len(h.leaves), "aggregates": len(h.nodes), "illustrative": panel.illustrative, "data_hash": panel.data_hash(),
        "notes": list(panel.notes),  # encoding used, skipped blank rows, aggregates without totals, rows a table replaced
    }
    if against is not None:
        info["checked_against"] = _registry_label(against)
    written = None
    if args.out is not None:
        from ..dataset_write import write_dataset

        written = write_dataset(panel, against, args.out)
        info["written"] = str(written)
    text = data_summary_table(info)
    if against is not None:
        text = f"checked against: {info['checked_against']}\n" + text
    if written is not None:
        text += f"\nmerged dataset written to {written}/ — run on it with: attain run baseline --data {written}"
    emit(info, args.json, text)
    return 0


def _registry_label(folder: Path) -> str:
    from ..data import default_data_dir

    if Path(folder).resolve() == default_data_dir().resolve():
        return f"the embedded dataset {default_data_dir()} (pass --data DIR to check against your own)"
    return f"the dataset {folder}"


def _check_table_flags(path: Path, unit: str | None, sheet: str | None, data: Path | None = None, out: Path | None = None) -> None:
    """``--unit``, ``--sheet``, ``--data`` and ``-o`` apply to one revenue table; ``--sheet`` to an .xlsx only."""
    flags = [f"{f} {v}" for f, v in (("--unit", unit), ("--sheet", sheet), ("--data", data), ("-o", out)) if v is not None]
    if flags and path.is_dir():
        raise UsageError(f"{' and '.join(flags)}: only for a single revenue table, but {path} is a dataset folder (its dataset.toml may declare 'unit'; sheets are named after their table)")
    if data is not None and not (data / "dataset.toml").is_file():
        raise UsageError(f"--data {data}: not a dataset folder (no dataset.toml); expected the folder your table belongs to")
    if out is not None:
        from ..dataset_write import check_new_dataset_folder

        check_new_dataset_folder(out)
    if sheet is not None and path.suffix.lower() != ".xlsx":
        raise UsageError(f"--sheet {sheet}: only for an .xlsx workbook, but {path} is not one (a CSV has no sheets)")
