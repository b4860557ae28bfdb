"""Write labelxl's ``LX`` result sheets into an .xlsx/.xlsm package, copying every other part.

openpyxl drops charts, images and shapes when it saves a workbook it loaded, so this package
edits the OOXML zip package itself. It owns only the parts of ``LX`` sheets (worksheet, its
rels, its table). It edits, minimally, the parts that list sheets: ``[Content_Types].xml``,
the workbook part and its rels (only when a sheet is added), ``styles.xml`` (entries are only
appended, so every existing style index stays valid) and, when a replaced ``LX`` sheet had
formulas listed in it, drops the ``calcChain.xml`` cache. Every other zip entry is copied
with the same decompressed bytes and compression type. See ``docs/writing.md``.

Modules: ``package`` (zip parts, relationships, content types), ``styles`` (styles.xml
find-or-append), ``cells`` (cell XML), ``sheet`` (OutputSheet and the worksheet writer),
``rewrite`` (the phases of one package rewrite), ``writer`` (the entry points).
"""

from labelxl.io.ooxml.rewrite import WriteResult
from labelxl.io.ooxml.sheet import FLAG_KINDS, RAG_VALUES, OutputSheet, check_sheet_name
from labelxl.io.ooxml.writer import new_workbook, write_lx_sheets
from labelxl.model.formats import FORMATS, MAX_ROWS, NUMBER_FORMATS

__all__ = [
    "FLAG_KINDS",
    "FORMATS",
    "MAX_ROWS",
    "NUMBER_FORMATS",
    "RAG_VALUES",
    "OutputSheet",
    "WriteResult",
    "check_sheet_name",
    "new_workbook",
    "write_lx_sheets",
]
