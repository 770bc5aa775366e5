"""The meeting report: a PDF of a run's results for the half-year promotion meeting.

``assemble`` gathers a result folder's data, ``typst_source`` writes the
markup (with ``typst_markup``'s primitives and ``typst_results``' sections),
``figures`` draws the vector figures and ``build`` typesets the PDF.
"""

from __future__ import annotations

from .assemble import ReportData, assemble, read_result
from .build import write_report

__all__ = ["ReportData", "assemble", "read_result", "write_report"]
