"""Members as CSV: staff import (create or update by email) and export of a filtered list.

Import is all-or-nothing. `members_import_check()` reads the whole file and reports every
bad row with its reason (the dry run); `members_import_apply()` checks again and writes
inside one transaction only when no row is bad. New people stay hidden until their first
login. The export writes the same columns, so an exported file imports back unchanged.

`check.py` reads and checks a file, `apply.py` writes it, `export.py` writes a list out;
`columns.py` holds the columns the import and the export share.
"""

from .apply import members_import_apply
from .check import MAX_BYTES, MAX_ROWS, ImportReport, RowResult, members_import_check
from .columns import COLUMNS, EXPORT_ONLY, LIST_SEP, REQUIRED
from .export import members_export_queryset, members_export_rows

__all__ = [
    "COLUMNS",
    "EXPORT_ONLY",
    "LIST_SEP",
    "MAX_BYTES",
    "MAX_ROWS",
    "REQUIRED",
    "ImportReport",
    "RowResult",
    "members_export_queryset",
    "members_export_rows",
    "members_import_apply",
    "members_import_check",
]
