"""What a job's Spark needs: Spark settings, a logging config and the process environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from local.aws.glue_jobs.jvm_cache import SPARK_JARS

PACKAGE = Path(__file__).resolve().parent
RUNTIME = PACKAGE / "runtime"
FILE_SYSTEM_CLASS = "localaws.LocalS3FileSystem"


def spark_defaults(file_system: Path, s3_root: Path, scratch: Path, java_options: str) -> dict[str, str]:
    """Settings for a small, quick local Spark whose s3:// paths are files under ``s3_root``."""
    settings = {
        "spark.master": "local[2]",
        "spark.driver.memory": "1g",
        "spark.driver.extraClassPath": str(file_system),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.default.parallelism": "2",
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        # C1-only JIT and the serial collector start the JVM seconds sooner; local data is small.
        "spark.driver.extraJavaOptions": (
            f"-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Duser.timezone=UTC -Dderby.system.home={scratch} {java_options}"
        ),
        # A job names its input files one by one; listing them in the driver beats a Spark job of one task each.
        "spark.sql.sources.parallelPartitionDiscovery.threshold": "100000",
        # Glue runs in UTC, whatever the developer's machine says.
        "spark.sql.session.timeZone": "UTC",
        "spark.hadoop.fs.local-s3.root": str(s3_root),
        # Glue writes no _SUCCESS markers into S3 for DynamicFrames; keep S3 free of them for all writes.
        "spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs": "false",
        "spark.sql.parquet.compression.codec": "snappy",
    }
    for scheme in ("s3", "s3a", "s3n"):
        settings[f"spark.hadoop.fs.{scheme}.impl"] = FILE_SYSTEM_CLASS
        settings[f"spark.hadoop.fs.{scheme}.impl.disable.cache"] = "true"
    return settings


LOG4J2 = """\
rootLogger.level = warn
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex
logger.native.name = org.apache.hadoop.util.NativeCodeLoader
logger.native.level = error
logger.utils.name = org.apache.spark.util.Utils
logger.utils.level = error
"""


def write_conf(conf_dir: Path, settings: dict[str, str]) -> Path:
    """The run's Spark properties file (beside the logging config its JVM options name)."""
    conf_dir.mkdir(parents=True, exist_ok=True)
    (conf_dir / "log4j2.properties").write_text(LOG4J2)
    properties = conf_dir / "spark.properties"
    properties.write_text("".join(f"{key} {value}\n" for key, value in settings.items()))
    return properties


def class_path(file_system: Path, conf_dir: Path) -> list[Path]:
    """The driver's class path as Spark's launcher builds it: extra class path, conf dir, Spark's jars."""
    return [file_system, conf_dir, SPARK_JARS]


def job_environment(
    properties: Path,
    conf_dir: Path,
    scratch: Path,
    endpoint_url: str,
    region: str,
    credentials: dict[str, str],
    extra: dict[str, str],
) -> dict[str, str]:
    """The job process's environment: ours minus AWS settings that could reach real AWS, plus the
    local ones and ``credentials`` (the job role's session)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PYSPARK_", "SPARK_"))}
    env.pop("PYTHONPATH", None)
    env.update(
        {
            # Only the Glue runtime: the project's own modules are not on a Glue job's path either.
            "PYTHONPATH": str(RUNTIME),
            "PYTHONUNBUFFERED": "1",
            "TZ": "UTC",
            "PYSPARK_PYTHON": sys.executable,
            "PYSPARK_DRIVER_PYTHON": sys.executable,
            "PYSPARK_SUBMIT_ARGS": f"--properties-file {properties} pyspark-shell",
            "SPARK_CONF_DIR": str(conf_dir),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOCAL_DIRS": str(scratch),
            "AWS_ENDPOINT_URL": endpoint_url,
            **credentials,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
        }
    )
    env.update(extra)
    return env
