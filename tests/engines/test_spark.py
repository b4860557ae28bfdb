"""Spark (PySpark in local mode) gives the LX tables of `refresh`, from files and a catalog.

Few and slow (a JVM starts): marked ``spark`` so ``pytest -m 'not spark'`` skips them.
"""

from __future__ import annotations

import os
import shutil

import pytest

from labelxl.engines import EnginePipeline, load
from tests.engines.conftest import TODAY, assert_same_tables

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark", reason="PySpark is not installed (pip install labelxl[spark])")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("no Java runtime (Spark needs Java 17+; Debian: default-jre-headless)")
    from labelxl.engines.backends import spark_session

    return spark_session("local[2]")


def test_spark_on_parquet_tables_gives_the_lx_tables_of_refresh(spark, demo_tables, refreshed):
    expected, expected_counts = refreshed
    loaded = load(demo_tables, "spark", today=TODAY)
    got = {s.name: s.frame for s in EnginePipeline(loaded, today=TODAY).outputs()}
    assert_same_tables(expected, got)
    assert loaded.scale.totals() == {k: v for k, v in expected_counts.items() if k != "bad-type"}
    # Spark names the file and row too (from the Parquet row index).
    ref = next(f for f in loaded.report if f.code == "self-audit")
    assert ref.message.startswith("audits.parquet row ")


def test_spark_catalog_tables_give_the_same_tables(spark, demo_tables, refreshed):
    from labelxl.engines.backends import quiet_spark
    from labelxl.engines.sources import find_tables

    with quiet_spark():
        for name, ref in find_tables(demo_tables).items():
            df = spark.read.parquet(str(ref.paths[0]))
            df.createOrReplaceGlobalTempView(name.lower())
    expected, _ = refreshed
    loaded = load("", "spark", catalog="global_temp", today=TODAY)
    got = {s.name: s.frame for s in EnginePipeline(loaded, today=TODAY).outputs()}
    assert_same_tables(expected, got)
