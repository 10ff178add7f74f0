"""One Spark session for the Glue scripts' logic (their functions on DataFrames), started once:
a whole job run (a JVM of its own, through the local Glue) is for what only a run proves."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator
from types import ModuleType

import pytest

from deploy.glue_scripts import SHARED
from local.aws.glue_jobs import spark_env

SHARED_MODULES_DIR = next(iter(SHARED.values())).parent  # plugins/pipelines


@pytest.fixture(scope="session")
def spark() -> Iterator[object]:
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable  # Python workers with this environment's pyspark
    # py4j says at exit that it closes its connections, after pytest closed the log's stream.
    logging.getLogger("py4j").setLevel(logging.WARNING)
    session = (
        SparkSession.builder.master("local[1]")
        .appName("glue-script-logic")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")  # as Glue runs
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Duser.timezone=UTC")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="session")
def web_hits_job(spark: object) -> ModuleType:
    """include/glue/web_hits_aggregates.py, importable with the local Glue runtime's ``awsglue`` and,
    as its --extra-py-files give it, ``attempt_layout``."""
    for folder in (str(spark_env.RUNTIME), str(SHARED_MODULES_DIR)):
        if folder not in sys.path:
            sys.path.append(folder)
    from include.glue import web_hits_aggregates

    return web_hits_aggregates
