"""Typeset the report: Typst source + SVG figures → PDF, with the CJK font embedded.

The font comes from the ``mplfonts`` package (Noto Sans CJK SC, and SimHei for
headings); system fonts are ignored so the PDF looks the same everywhere.
The PDF is written atomically (a temporary file moved into place).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from ..atomic import replace_bytes
from ..errors import OutputError
from .assemble import ReportData
from .typst_source import report_source

__all__ = ["font_dir", "compile_pdf", "write_report"]


def font_dir() -> Path:
    """Folder of the fonts shipped by ``mplfonts``.

    Raises
    ------
    OutputError
        When ``mplfonts`` or its Noto Sans CJK SC font is missing.
    """
    try:
        import mplfonts
    except ImportError:
        raise OutputError("the report needs the mplfonts package for its Chinese font (pip install mplfonts)") from None
    folder = Path(mplfonts.__file__).parent / "fonts"
    if not (folder / "NotoSansCJKsc-Regular.otf").is_file():
        raise OutputError(f"{folder}: NotoSansCJKsc-Regular.otf is missing; reinstall mplfonts")
    return folder


def compile_pdf(source: str, figures: dict[str, str]) -> bytes:
    """Compile Typst ``source`` whose images are ``figures`` (file name → SVG text).

    Returns
    -------
    bytes
        The PDF.
    """
    try:
        import typst
    except ImportError:
        raise OutputError("the report needs the typst package (pip install typst)") from None
    with tempfile.TemporaryDirectory(prefix="attain-report-") as tmp:
        root = Path(tmp)
        for name, svg in figures.items():
            (root / name).write_text(svg, encoding="utf-8")
        (root / "report.typ").write_text(source, encoding="utf-8")
        return typst.compile(str(root / "report.typ"), root=str(root), font_paths=[str(font_dir())], ignore_system_fonts=True)


def write_report(data: ReportData, path: Path | str) -> Path:
    """Typeset ``data`` and write the PDF to ``path`` atomically.

    Parameters
    ----------
    data : ReportData
    path : path
        Destination ``.pdf``; its parent folders are created.

    Returns
    -------
    Path
    """
    path = Path(path)
    source, figures = report_source(data)
    pdf = compile_pdf(source, figures)
    return replace_bytes(pdf, path)
