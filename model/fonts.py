"""A CJK font for matplotlib so Chinese labels render (Noto Sans CJK SC from mplfonts)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

__all__ = ["use_cjk_font"]


@lru_cache(maxsize=1)
def use_cjk_font() -> str | None:
    """Register Noto Sans CJK SC (shipped by the ``mplfonts`` package) and make it the default.

    Returns the family name, or None when the package is absent (labels then fall back).
    """
    try:
        import mplfonts
    except ImportError:
        return None
    from matplotlib import font_manager, rcParams

    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.exists():
        return None
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    rcParams["font.family"] = "sans-serif"
    rcParams["axes.unicode_minus"] = False
    return name
