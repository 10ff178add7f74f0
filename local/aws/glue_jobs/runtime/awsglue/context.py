"""``GlueContext``: DynamicFrames from the Data Catalog or S3 and back to S3, on plain Spark.

s3:// paths reach the local engine's S3 file system, so everything here is ordinary Spark I/O.
The catalog is the local endpoint's Glue (boto3 finds it through ``AWS_ENDPOINT_URL``).
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from pyspark import SparkContext
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from awsglue.dynamicframe import DynamicFrame

_FILE = "__glue_input_file"
_LOCATION = "__glue_partition_location"
DEFAULT_RETENTION_HOURS = 168  # Glue's purge default: only objects older than 7 days


class GlueContext:
    def __init__(self, sparkContext: SparkContext | None = None, **_: Any) -> None:
        self._sc = sparkContext or SparkContext.getOrCreate()
        self.spark_session = SparkSession.builder.getOrCreate()
        self.sparkSession = self.spark_session
        self.create_dynamic_frame = _Reader(self)
        self.write_dynamic_frame = _Writer(self)
        self._glue = boto3.client("glue")

    # -- reading ---------------------------------------------------------------------------------

    def create_dynamic_frame_from_options(
        self,
        connection_type: str,
        connection_options: dict[str, Any] | None = None,
        format: str | None = None,
        format_options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        **_: Any,
    ) -> DynamicFrame:
        options = connection_options or {}
        _require_s3(connection_type)
        paths = options.get("paths") or ([options["path"]] if "path" in options else [])
        if not paths:
            raise ValueError("connection_options needs 'paths' (a list of s3:// locations)")
        recurse = str(options.get("recurse", "false")).lower() == "true"
        df = _read(self.spark_session, list(paths), format or "json", format_options or {}, recurse)
        return DynamicFrame(df, self, transformation_ctx)

    def create_dynamic_frame_from_catalog(
        self,
        database: str,
        table_name: str,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        push_down_predicate: str = "",
        additional_options: dict[str, Any] | None = None,
        catalog_id: str | None = None,
        **_: Any,
    ) -> DynamicFrame:
        table = self._table(database, table_name, catalog_id)
        sd = table["StorageDescriptor"]
        fmt, format_options = _table_format(table)
        keys = table.get("PartitionKeys") or []
        predicate = push_down_predicate or (additional_options or {}).get("push_down_predicate", "")
        if not keys:
            df = _read(self.spark_session, [sd["Location"]], fmt, format_options, recurse=True)
            return DynamicFrame(_catalog_names(df, table, fmt), self, transformation_ctx)
        partitions = self._partitions(database, table_name, catalog_id)
        mapping = self.spark_session.createDataFrame(
            [(self._folder_uri(loc), *values) for values, loc in partitions],
            schema=", ".join([f"`{_LOCATION}` string", *(f"`{k['Name']}` string" for k in keys)]),
        )
        if predicate:
            mapping = mapping.filter(predicate)
        kept = {row[_LOCATION] for row in mapping.collect()}
        locations = [loc for _, loc in partitions if self._folder_uri(loc) in kept]
        if not locations:
            return DynamicFrame(_empty(self.spark_session, table), self, transformation_ctx)
        df = _read(self.spark_session, locations, fmt, format_options, recurse=True)
        df = _catalog_names(df, table, fmt).drop(*(k["Name"] for k in keys)).withColumn(_FILE, F.input_file_name())
        joined = df.join(F.broadcast(mapping), F.col(_FILE).startswith(F.col(_LOCATION)), "inner")
        for key in keys:
            joined = joined.withColumn(key["Name"], F.col(f"`{key['Name']}`").cast(key.get("Type", "string")))
        return DynamicFrame(joined.drop(_FILE, _LOCATION), self, transformation_ctx)

    def _folder_uri(self, location: str) -> str:
        # In the form input_file_name() gives (Hadoop's URI, so "a b" reads "a%20b"), ending in "/".
        uri = self._sc._jvm.org.apache.hadoop.fs.Path(location).toUri().toString()
        return uri if uri.endswith("/") else uri + "/"

    def _table(self, database: str, table_name: str, catalog_id: str | None) -> dict[str, Any]:
        kwargs = {"CatalogId": catalog_id} if catalog_id else {}
        return self._glue.get_table(DatabaseName=database, Name=table_name, **kwargs)["Table"]

    def _partitions(self, database: str, table_name: str, catalog_id: str | None) -> list[tuple[list[str], str]]:
        kwargs = {"CatalogId": catalog_id} if catalog_id else {}
        found = []
        for page in self._glue.get_paginator("get_partitions").paginate(
            DatabaseName=database, TableName=table_name, **kwargs
        ):
            for partition in page["Partitions"]:
                found.append((partition["Values"], partition["StorageDescriptor"]["Location"]))
        return found

    # -- writing ---------------------------------------------------------------------------------

    def write_dynamic_frame_from_options(
        self,
        frame: DynamicFrame,
        connection_type: str,
        connection_options: dict[str, Any] | None = None,
        format: str | None = None,
        format_options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        **_: Any,
    ) -> DynamicFrame:
        options = connection_options or {}
        _require_s3(connection_type)
        if "path" not in options:
            raise ValueError("connection_options needs 'path' (an s3:// location)")
        _write(frame.toDF(), options["path"], format or "json", format_options or {}, options.get("partitionKeys"))
        return frame

    def write_dynamic_frame_from_catalog(
        self,
        frame: DynamicFrame,
        database: str,
        table_name: str,
        redshift_tmp_dir: str = "",
        transformation_ctx: str = "",
        additional_options: dict[str, Any] | None = None,
        catalog_id: str | None = None,
        **_: Any,
    ) -> DynamicFrame:
        if (additional_options or {}).get("enableUpdateCatalog"):
            raise NotImplementedError("enableUpdateCatalog is not supported locally: run a crawler after the job")
        table = self._table(database, table_name, catalog_id)
        fmt, format_options = _table_format(table)
        keys = [k["Name"] for k in table.get("PartitionKeys") or []]
        _write(frame.toDF(), table["StorageDescriptor"]["Location"], fmt, format_options, keys)
        return frame

    # -- housekeeping ----------------------------------------------------------------------------

    def purge_s3_path(self, s3_path: str, options: dict[str, Any] | None = None, transformation_ctx: str = "") -> None:
        """Delete the objects under ``s3_path`` older than ``retentionPeriod`` hours (Glue's default 168)."""
        hours = float((options or {}).get("retentionPeriod", DEFAULT_RETENTION_HOURS))
        jvm = self._sc._jvm
        conf = self._sc._jsc.hadoopConfiguration()
        root = jvm.org.apache.hadoop.fs.Path(s3_path)
        fs = root.getFileSystem(conf)
        if hours <= 0:
            if fs.exists(root):
                for status in fs.listStatus(root):
                    fs.delete(status.getPath(), True)
            return
        bucket, _, prefix = s3_path.split("://", 1)[1].partition("/")
        cutoff = datetime.now(UTC) - timedelta(hours=hours)
        for page in boto3.client("s3").get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                if obj["LastModified"] < cutoff:
                    fs.delete(jvm.org.apache.hadoop.fs.Path(f"s3://{bucket}/{obj['Key']}"), False)

    def purge_table(
        self,
        database: str,
        table_name: str,
        options: dict[str, Any] | None = None,
        transformation_ctx: str = "",
        catalog_id: str | None = None,
    ) -> None:
        table = self._table(database, table_name, catalog_id)
        self.purge_s3_path(table["StorageDescriptor"]["Location"], options, transformation_ctx)

    def get_logger(self) -> logging.Logger:
        logger = logging.getLogger("GlueLogger")
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s GlueLogger: %(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
        return logger


class _Reader:
    def __init__(self, ctx: GlueContext) -> None:
        self.from_options = ctx.create_dynamic_frame_from_options
        self.from_catalog = ctx.create_dynamic_frame_from_catalog


class _Writer:
    def __init__(self, ctx: GlueContext) -> None:
        self.from_options = ctx.write_dynamic_frame_from_options
        self.from_catalog = ctx.write_dynamic_frame_from_catalog


def _require_s3(connection_type: str) -> None:
    if connection_type.lower() != "s3":
        raise NotImplementedError(f"connection_type {connection_type!r} is not supported locally (only 's3')")


def _truthy(value: Any) -> bool:
    return str(value).lower() in ("true", "1")


def _read(spark: SparkSession, paths: list[str], fmt: str, options: dict[str, Any], recurse: bool) -> DataFrame:
    reader = spark.read
    if recurse:
        reader = reader.option("recursiveFileLookup", "true")
    fmt = fmt.lower()
    if fmt == "json":
        return reader.option("multiLine", _truthy(options.get("multiline", False))).json(paths)
    if fmt in ("parquet", "glueparquet"):
        return reader.parquet(*paths)
    if fmt == "orc":
        return reader.orc(*paths)
    if fmt == "csv":
        return reader.csv(
            paths,
            header=_truthy(options.get("withHeader", False)),
            sep=options.get("separator", ","),
            quote=options.get("quoteChar", '"'),
            escape=options.get("escaper", "\\"),
            inferSchema=True,
        )
    raise NotImplementedError(f"format {fmt!r} is not supported locally (json, parquet, csv, orc)")


def _write(df: DataFrame, path: str, fmt: str, options: dict[str, Any], partition_keys: list[str] | None) -> None:
    # A DynamicFrame with no rows writes no files on Glue; Spark would write an empty part file.
    if df.isEmpty():
        return
    writer = df.write.mode("append")
    if partition_keys:
        writer = writer.partitionBy(*partition_keys)
    fmt = fmt.lower()
    if fmt == "json":
        writer.json(path, compression=options.get("compression", "none"))
    elif fmt in ("parquet", "glueparquet"):
        writer.parquet(path, compression=options.get("compression", "snappy"))
    elif fmt == "orc":
        writer.orc(path)
    elif fmt == "csv":
        writer.csv(
            path,
            header=_truthy(options.get("writeHeader", True)),
            sep=options.get("separator", ","),
            quote=options.get("quoteChar", '"'),
        )
    else:
        raise NotImplementedError(f"format {fmt!r} is not supported locally (json, parquet, csv, orc)")


def _table_format(table: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The data format of a catalog table, from its classification, SerDe or input format."""
    sd = table.get("StorageDescriptor", {})
    serde = sd.get("SerdeInfo", {})
    library = serde.get("SerializationLibrary", "").lower()
    input_format = sd.get("InputFormat", "").lower()
    classification = (table.get("Parameters", {}).get("classification") or "").lower()
    if classification == "parquet" or "parquet" in library or "parquet" in input_format:
        return "parquet", {}
    if classification == "orc" or "orc" in library:
        return "orc", {}
    if classification == "json" or "json" in library:
        return "json", {}
    if classification == "csv" or "csv" in library or "lazysimpleserde" in library:
        params = serde.get("Parameters", {})
        header = table.get("Parameters", {}).get("skip.header.line.count", "0") not in ("", "0")
        return "csv", {
            "withHeader": header,
            "separator": params.get("separatorChar") or params.get("field.delim") or ",",
            "quoteChar": params.get("quoteChar", '"'),
        }
    raise NotImplementedError(
        f"table {table.get('DatabaseName')}.{table.get('Name')}: unknown data format "
        f"(classification={classification!r}, serde={library!r})"
    )


def _catalog_names(df: DataFrame, table: dict[str, Any], fmt: str) -> DataFrame:
    # CSV columns have no names of their own (or header names): the catalog's columns name them.
    columns = [c["Name"] for c in table["StorageDescriptor"].get("Columns", [])]
    if fmt == "csv" and len(columns) == len(df.columns):
        return df.toDF(*columns)
    return df


def _empty(spark: SparkSession, table: dict[str, Any]) -> DataFrame:
    columns = [*table["StorageDescriptor"].get("Columns", []), *(table.get("PartitionKeys") or [])]
    return spark.createDataFrame([], schema=", ".join(f"`{c['Name']}` {c.get('Type', 'string')}" for c in columns))
