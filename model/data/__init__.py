"""Load and validate a dataset folder into a :class:`Panel`.

Every problem found is reported with file, row, column, the bad value and what
was expected; loading stops only after all checks of a stage have run, so a
planner sees every problem of a table at once. Nothing is dropped silently:
what the loader decided on its own (an encoding, skipped blank rows, an
aggregate without totals) is listed in :attr:`Panel.notes`.
"""


from ..panel import Panel, default_data_dir, parse_hosts
from .load import META_KEYS, load_dataset, load_revenue_table
from .values import apply_unit

__all__ = ["Panel", "load_dataset", "load_revenue_table", "default_data_dir", "parse_hosts", "apply_unit", "META_KEYS"]
