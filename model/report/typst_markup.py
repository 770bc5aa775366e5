"""Typst markup primitives of the report: string literals, numbers, traffic lights, tables, and the document being built.

Every value from the results enters the markup as a Typst string literal
(:func:`s`), so names holding ``#``, ``*`` or ``[`` cannot break the layout.
"""

from __future__ import annotations

from ..summary import DECISIVE_BAND
from .assemble import ReportData
from .labels import label

__all__ = ["Doc", "s", "m", "p_text", "num", "light", "short", "markup_table", "FONT", "HEADING_FONT"]

FONT = "Noto Sans CJK SC"
HEADING_FONT = "SimHei"
# Headings: SimHei for Chinese (heavier than the regular Noto), Noto for Latin (SimHei's Latin is monospaced).
_HEADING = f'((name: "{FONT}", covers: "latin-in-cjk"), "{HEADING_FONT}", "{FONT}")'
_LIGHTS = {"green": "#2e7d32", "amber": "#f2a900", "red": "#c62828"}


def s(text: object) -> str:
    """A Typst string literal holding ``text`` (code mode)."""
    t = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{t}"'


def m(text: object) -> str:
    """``text`` in markup mode (as an embedded string literal)."""
    return f"#{s(text)}"


def p_text(p: float, se: float) -> str:
    """``0.056 ± 0.010``; small errors keep one significant digit (as in ``attain run``)."""
    return f"{p:.3f} ± {se:.3f}" if se >= 0.0005 else f"{p:.4f} ± {se:.1g}"


def num(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.4g}"


def light(p: float) -> str:
    """Traffic light of a probability: green above the decisive band, red below it, amber inside."""
    lo, hi = DECISIVE_BAND
    return "green" if p >= hi else ("red" if p < lo else "amber")


class Doc:
    """Collects markup lines and the figures they reference."""

    def __init__(self, data: ReportData):
        self.d = data
        self.lang = data.lang
        self.lines: list[str] = []
        self.figures: dict[str, str] = {}

    def L(self, key: str, **fmt) -> str:  # noqa: N802 - short on purpose, used everywhere
        return label(key, self.lang, **fmt)

    def add(self, *lines: str) -> None:
        self.lines.extend(lines)

    def figure(self, name: str, svg: str, width: str = "100%") -> str:
        self.figures[name] = svg
        return f'image({s(name)}, width: {width})'

    def title(self, t: dict) -> str:
        return t["title_zh"] if self.lang == "zh" else t["title_en"]

    def para(self, text: str) -> None:
        self.add(m(text), "")

    def note(self, text: str) -> None:
        # Sticky: a note stays on the page of the table or figure it introduces.
        self.add(f"#block(sticky: true)[#text(size: 8pt, fill: luma(90))[{m(text)}]]", "")


def markup_table(columns: str, header: list[str], rows: list[list[str]], size: str = "8pt", align: str = "left") -> str:
    """A table whose header repeats on every page it spans; cells are code-mode expressions."""
    head = ", ".join(f"[*{m(h)}*]" for h in header)
    body = ",\n  ".join(", ".join(r) for r in rows)
    return (f"#text(size: {size})[#table(columns: {columns}, align: {align}, table.header({head}),\n  {body}\n)]\n")


def short(title: str, n: int = 22) -> str:
    """Titles are long clauses; the summary keeps the first ``n`` characters (the ID names the target)."""
    return title if len(title) <= n else title[: n - 1] + "…"
