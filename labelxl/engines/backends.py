"""The engines: pandas, DuckDB and Spark, each turning a table into a narwhals LazyFrame.

Every aggregation and rule is one narwhals expression (``aggregates``, ``checks``); a
backend only knows how to scan a table (adding ``_file`` and ``_row``: the file a record
came from and its row there) and how to bring a small result back as pandas.

Row numbers: Parquet rows count from 1 (the first record is row 1); CSV rows are line
numbers with the header as line 1, as a spreadsheet shows them. Catalog tables have none.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import narwhals as nw
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from labelxl.engines.sources import TableRef
from labelxl.errors import LabelxlError

ENGINES = ("pandas", "duckdb", "spark")
FILE, ROW = "_file", "_row"


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class Backend:
    """One engine session: scan tables, wrap frames, collect results."""

    name = "pandas"

    def scan(self, ref: TableRef) -> nw.LazyFrame[Any]:
        raise NotImplementedError

    def from_pandas(self, frame: pd.DataFrame) -> nw.LazyFrame[Any]:
        raise NotImplementedError

    def collect(self, frame: nw.LazyFrame[Any]) -> pd.DataFrame:
        """A (small) result as pandas; Arrow in between keeps dates and nulls exact."""
        table = frame.collect("pyarrow").to_native()
        return table.to_pandas(types_mapper=None, date_as_object=False, ignore_metadata=True)

    def lean_scan(self, ref: TableRef) -> nw.LazyFrame[Any] | None:
        """The table without its file and row columns, where that is cheaper to count on
        (``checks.id_checks``); None: count on ``scan``."""
        return None

    def side_session(self) -> Backend | None:
        """A second session for queries run alongside this one's in another thread, or
        None where that does not pay (pandas holds the GIL; Spark queues its jobs)."""
        return None

    def close(self) -> None:
        """Release the engine (a Spark session stays up for the next run in the process)."""


class PandasBackend(Backend):
    """Everything in memory: today's path, and the reference the other engines must match."""

    name = "pandas"

    def scan(self, ref: TableRef) -> nw.LazyFrame[Any]:
        if ref.format == "catalog":
            raise LabelxlError("catalog tables need --engine spark")
        frames = []
        for path in ref.paths:
            if ref.format == "parquet":
                table = pq.read_table(path, partitioning="hive" if ref.hive else None)
                first = 1
            else:
                table = pacsv.read_csv(path)
                first = 2  # line 1 is the header
            frame = table.to_pandas(date_as_object=False)
            if ref.hive:
                frame = _hive_columns(frame, path, ref)
            frame[FILE] = str(path)
            frame[ROW] = range(first, first + len(frame))
            frames.append(frame)
        both = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        return self.from_pandas(both)

    def from_pandas(self, frame: pd.DataFrame) -> nw.LazyFrame[Any]:
        return nw.from_native(frame, eager_only=True).lazy()


def _hive_columns(frame: pd.DataFrame, path: Path, ref: TableRef) -> pd.DataFrame:
    base = _table_dir(ref)
    for part in path.relative_to(base).parts[:-1]:
        if "=" in part:
            key, value = part.split("=", 1)
            if key not in frame:
                frame[key] = value
    return frame


def _table_dir(ref: TableRef) -> Path:
    common = Path(os.path.commonpath([str(p.parent) for p in ref.paths]))
    while "=" in common.name:
        common = common.parent
    return common


class DuckDBBackend(Backend):
    """Embedded DuckDB: scans Parquet/CSV in place, out of core, on every core."""

    name = "duckdb"

    def __init__(
        self, memory_limit: str | None = None, threads: int | None = None, con: Any = None
    ) -> None:
        self._n = 0
        if con is not None:  # a cursor of another session's database (``side_session``)
            self.con = con
            return
        try:
            import duckdb
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise LabelxlError(
                "--engine duckdb needs DuckDB: pip install 'labelxl[duckdb]'"
            ) from exc
        self.con = duckdb.connect()
        # labelxl sorts what it shows itself, so scan order need not be kept (cheaper plans)
        # unless a CSV is read: its row numbers are counted in scan order.
        self.con.execute("SET preserve_insertion_order = false")
        if memory_limit:
            self.con.execute(f"SET memory_limit = '{memory_limit}'")
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")

    def scan(self, ref: TableRef) -> nw.LazyFrame[Any]:
        if ref.format == "catalog":
            raise LabelxlError("catalog tables need --engine spark")
        files = "[" + ", ".join(_quote(p) for p in ref.paths) + "]"
        hive = "true" if ref.hive else "false"
        if ref.format == "parquet":
            sql = (
                f"SELECT * EXCLUDE (filename, file_row_number), filename AS {FILE}, "
                f"file_row_number + 1 AS {ROW} FROM read_parquet({files}, filename = true, "
                f"file_row_number = true, hive_partitioning = {hive}, union_by_name = true)"
            )
        else:
            # CSV has no row-number column: number the rows of each file in scan order.
            self.con.execute("SET preserve_insertion_order = true")
            sql = (
                f"SELECT * EXCLUDE (filename), filename AS {FILE}, "
                f"row_number() OVER (PARTITION BY filename) + 1 AS {ROW} "
                f"FROM read_csv({files}, filename = true, header = true, "
                f"hive_partitioning = {hive}, union_by_name = true)"
            )
        return nw.from_native(self.con.sql(sql))

    def lean_scan(self, ref: TableRef) -> nw.LazyFrame[Any] | None:
        """Asking DuckDB for file names and row numbers makes a scan that only counts
        slower (the id pass over 10M audits on one thread: 2.16 s with them, 1.89 s
        without)."""
        if ref.format == "catalog":
            return None
        files = "[" + ", ".join(_quote(p) for p in ref.paths) + "]"
        hive = "true" if ref.hive else "false"
        reader = "read_parquet" if ref.format == "parquet" else "read_csv"
        header = "" if ref.format == "parquet" else ", header = true"
        sql = (
            f"SELECT * FROM {reader}({files}{header}, hive_partitioning = {hive}, "
            f"union_by_name = true)"
        )
        return nw.from_native(self.con.sql(sql))

    def side_session(self) -> DuckDBBackend:
        """A cursor: its own connection to the same database, usable from another thread."""
        return DuckDBBackend(con=self.con.cursor())

    def from_pandas(self, frame: pd.DataFrame) -> nw.LazyFrame[Any]:
        self._n += 1
        name = f"_lx_frame_{self._n}"
        self.con.register(name, pa.Table.from_pandas(frame, preserve_index=False))
        return nw.from_native(self.con.sql(f"SELECT * FROM {name}"))

    def close(self) -> None:
        self.con.close()


@contextmanager
def quiet_spark() -> Iterator[None]:
    """PySpark warns that it does not fully support pandas 3; labelxl hands it Arrow only."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
        yield


def spark_session(master: str | None = None) -> Any:
    """The active Spark session, or a local one (``LABELXL_SPARK_MASTER`` or local[2])."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise LabelxlError("--engine spark needs PySpark: pip install 'labelxl[spark]'") from exc
    # Spark's Python workers (if a plan needs any) use this interpreter, not PATH's python3.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    with quiet_spark():
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        builder = (
            SparkSession.builder.master(
                master or os.environ.get("LABELXL_SPARK_MASTER", "local[2]")
            )
            .appName("labelxl")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        )
        session = builder.getOrCreate()
        session.sparkContext.setLogLevel("ERROR")
        return session


class SparkBackend(Backend):
    """PySpark: local mode in tests, a cluster or Databricks in production (same code)."""

    name = "spark"

    def __init__(self, session: Any = None) -> None:
        self.spark = session or spark_session()
        self._tmp = tempfile.TemporaryDirectory(prefix="labelxl-spark-")
        self._n = 0

    def scan(self, ref: TableRef) -> nw.LazyFrame[Any]:
        from pyspark.sql import functions as F

        with quiet_spark():
            if ref.format == "catalog":
                df = self.spark.table(ref.table)
                df = df.withColumn(FILE, F.lit(ref.table)).withColumn(ROW, F.lit(None).cast("long"))
            elif ref.format == "parquet":
                paths = [str(p) for p in ref.paths]
                reader = self.spark.read
                if ref.hive:
                    reader = reader.option("basePath", str(_table_dir(ref)))
                df = reader.parquet(*paths)
                df = df.select(
                    "*",
                    F.col("_metadata.file_path").alias(FILE),
                    (F.col("_metadata.row_index") + 1).alias(ROW),
                )
            else:
                df = self.spark.read.csv([str(p) for p in ref.paths], header=True, inferSchema=True)
                # Spark keeps no CSV line numbers; findings name the file only.
                df = df.select(
                    "*",
                    F.col("_metadata.file_path").alias(FILE),
                    F.lit(None).cast("long").alias(ROW),
                )
        return nw.from_native(df)

    def from_pandas(self, frame: pd.DataFrame) -> nw.LazyFrame[Any]:
        # Through Parquet: exact types, and no pandas conversion inside PySpark.
        self._n += 1
        path = Path(self._tmp.name) / f"frame{self._n}.parquet"
        from labelxl.engines.export import arrow_table

        pq.write_table(arrow_table(frame), path)
        with quiet_spark():
            return nw.from_native(self.spark.read.parquet(str(path)))

    def collect(self, frame: nw.LazyFrame[Any]) -> pd.DataFrame:
        with quiet_spark():
            return super().collect(frame)

    def close(self) -> None:
        self._tmp.cleanup()


def backend(name: str, **options: Any) -> Backend:
    """The backend called ``name`` (one of ENGINES)."""
    if name == "pandas":
        return PandasBackend()
    if name == "duckdb":
        return DuckDBBackend(**options)
    if name == "spark":
        return SparkBackend(**options)
    raise LabelxlError(f"unknown engine {name!r}; choose one of {', '.join(ENGINES)}")
