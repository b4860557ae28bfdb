"""Scale out: the same metrics on pandas, embedded DuckDB or Spark, with identical results.

The heavy step of every metric is a group-by of counts and sums; here it runs on an
engine (``aggregates``), the one-row validation rules run there too (``checks``), and the
statistics run unchanged on the small tables that come back (``report``)::

    from labelxl.engines import report
    report("warehouse-export/", engine="duckdb", out=Path("labelxl-report.xlsx"))
"""

from labelxl.engines.backends import ENGINES
from labelxl.engines.export import export_tables
from labelxl.engines.report import EnginePipeline, Loaded, ReportResult, load, report
from labelxl.engines.sources import Source, TableRef, find_tables, open_source

__all__ = [
    "ENGINES",
    "EnginePipeline",
    "Loaded",
    "ReportResult",
    "Source",
    "TableRef",
    "export_tables",
    "find_tables",
    "load",
    "open_source",
    "report",
]
