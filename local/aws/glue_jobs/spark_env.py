"""What a job's Spark needs: the compiled S3 file system, Spark settings and the process environment."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pyspark

from local.aws.credentials import ENVIRONMENT

PACKAGE = Path(__file__).resolve().parent
JAVA_SOURCE = PACKAGE / "java" / "LocalS3FileSystem.java"
RUNTIME = PACKAGE / "runtime"
FILE_SYSTEM_CLASS = "localaws.LocalS3FileSystem"
SPARK_JARS = Path(pyspark.__file__).resolve().parent / "jars"

_compile_lock = threading.Lock()


class SparkSetupError(RuntimeError):
    """The machine cannot run Glue jobs locally (for example no JDK)."""


def compiled_file_system(cache_dir: Path) -> Path:
    """Compile the S3 file system against pyspark's Hadoop once per source version; return the classes folder."""
    digest = hashlib.sha256(JAVA_SOURCE.read_bytes()).hexdigest()[:16]
    classes = cache_dir / f"local-s3-fs-{digest}"
    with _compile_lock:
        if (classes / "localaws" / "LocalS3FileSystem.class").exists():
            return classes
        javac = shutil.which("javac")
        if javac is None:
            raise SparkSetupError(
                "javac not found: local Glue jobs compile a small Hadoop file system at first use and need a "
                "JDK 17 (Debian: apt-get install openjdk-17-jdk-headless)"
            )
        staging = cache_dir / f".local-s3-fs-{digest}.{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        result = subprocess.run(
            [javac, "-nowarn", "-cp", f"{SPARK_JARS}/*", "-d", str(staging), str(JAVA_SOURCE)],
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise SparkSetupError(f"compiling {JAVA_SOURCE.name} failed:\n{result.stderr}")
        try:
            staging.rename(classes)
        except OSError:  # another server sharing this data dir compiled it meanwhile
            shutil.rmtree(staging, ignore_errors=True)
        return classes


def spark_defaults(classes: Path, s3_root: Path, scratch: Path) -> dict[str, str]:
    """Settings for a small, quick local Spark whose s3:// paths are files under ``s3_root``."""
    settings = {
        "spark.master": "local[2]",
        "spark.driver.memory": "1g",
        "spark.driver.extraClassPath": str(classes),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.shuffle.partitions": "2",
        "spark.default.parallelism": "2",
        "spark.sql.warehouse.dir": str(scratch / "warehouse"),
        # C1-only JIT and the serial collector start the JVM seconds sooner; local data is small.
        "spark.driver.extraJavaOptions": (
            f"-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Duser.timezone=UTC -Dderby.system.home={scratch}"
        ),
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


def write_conf_dir(conf_dir: Path, settings: dict[str, str]) -> Path:
    conf_dir.mkdir(parents=True, exist_ok=True)
    lines = [f"{key} {value}" for key, value in settings.items()]
    (conf_dir / "spark-defaults.conf").write_text("\n".join(lines) + "\n")
    (conf_dir / "log4j2.properties").write_text(LOG4J2)
    return conf_dir


def job_environment(conf_dir: Path, endpoint_url: str, region: str, extra: dict[str, str]) -> dict[str, str]:
    """The job process's environment: ours minus AWS settings that could reach real AWS, plus the local ones."""
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
            "SPARK_CONF_DIR": str(conf_dir),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOCAL_DIRS": str(conf_dir.parent / "scratch"),
            "AWS_ENDPOINT_URL": endpoint_url,
            **ENVIRONMENT,
            "AWS_DEFAULT_REGION": region,
            "AWS_REGION": region,
        }
    )
    env.update(extra)
    return env
