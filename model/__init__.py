"""attain: how likely are regional industrial targets to be hit, and what would change the odds.

The public API (this list doubles as its index):
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
