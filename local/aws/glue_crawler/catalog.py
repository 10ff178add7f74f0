"""The Glue catalog shapes a crawler writes: TableInput and PartitionInput, and reading them back."""

from __future__ import annotations

from typing import Any

from botocore.client import BaseClient
from botocore.exceptions import ClientError

from local.aws.glue_crawler.infer import TableSchema
from local.aws.hive.formats import FORMATS
from local.aws.hive.types import HiveType, type_text

# The crawler's classification -> the storage format Glue records for it.
STORAGE = {"json": "json", "csv": "textfile", "parquet": "parquet"}
BATCH = 100  # BatchCreatePartition / BatchDeletePartition take at most 100 entries


def parameters(schema: TableSchema, crawler_name: str) -> dict[str, str]:
    params = {
        "classification": schema.classification,
        "compressionType": schema.compression,
        "typeOfData": "file",
        "recordCount": str(schema.record_count),
        "averageRecordSize": str(schema.average_record_size),
        "objectCount": str(schema.object_count),
        "sizeKey": str(schema.size),
        "UPDATED_BY_CRAWLER": crawler_name,
        "CrawlerSchemaDeserializerVersion": "1.0",
        "CrawlerSchemaSerializerVersion": "1.0",
    }
    if schema.classification == "csv":
        params.update({"delimiter": schema.delimiter, "areColumnsQuoted": "false", "columnsOrdered": "true"})
        if schema.has_header:
            params["skip.header.line.count"] = "1"
    return params


def storage_descriptor(
    schema: TableSchema, columns: dict[str, HiveType], location: str, params: dict[str, str]
) -> dict[str, Any]:
    serde, input_format, output_format = FORMATS[STORAGE[schema.classification]]
    if schema.classification == "json":
        serde_params = {"paths": ",".join(sorted(schema.json_keys))}
    elif schema.classification == "csv":
        serde_params = {"field.delim": schema.delimiter}
    else:
        serde_params = {"serialization.format": "1"}
    return {
        "Columns": [{"Name": name, "Type": type_text(t)} for name, t in columns.items()],
        "Location": location,
        "InputFormat": input_format,
        "OutputFormat": output_format,
        "Compressed": schema.compression not in ("none", "mixed"),
        "NumberOfBuckets": -1,
        "SerdeInfo": {"SerializationLibrary": serde, "Parameters": serde_params},
        "BucketColumns": [],
        "SortColumns": [],
        "Parameters": params,
        "StoredAsSubDirectories": False,
    }


def table_input(
    name: str,
    schema: TableSchema,
    columns: dict[str, HiveType],
    partition_keys: list[str],
    location: str,
    crawler_name: str,
) -> dict[str, Any]:
    params = parameters(schema, crawler_name)
    return {
        "Name": name,
        "Owner": "owner",
        "Retention": 0,
        "StorageDescriptor": storage_descriptor(schema, columns, location, params),
        "PartitionKeys": [{"Name": key, "Type": "string"} for key in partition_keys],
        "TableType": "EXTERNAL_TABLE",
        "Parameters": dict(params),
    }


def partition_input(
    values: tuple[str, ...],
    schema: TableSchema,
    columns: dict[str, HiveType],
    location: str,
    crawler_name: str,
) -> dict[str, Any]:
    params = parameters(schema, crawler_name)
    return {
        "Values": list(values),
        "StorageDescriptor": storage_descriptor(schema, columns, location, params),
        "Parameters": dict(params),
    }


class Catalog:
    """The few Glue catalog calls a crawl makes, through the endpoint's API."""

    def __init__(self, glue: BaseClient, database: str) -> None:
        self.glue = glue
        self.database = database

    def database_exists(self) -> bool:
        try:
            self.glue.get_database(Name=self.database)
            return True
        except self.glue.exceptions.EntityNotFoundException:
            return False

    def get_table(self, name: str) -> dict[str, Any] | None:
        try:
            return self.glue.get_table(DatabaseName=self.database, Name=name)["Table"]
        except self.glue.exceptions.EntityNotFoundException:
            return None

    def tables(self) -> list[dict[str, Any]]:
        pages = self.glue.get_paginator("get_tables").paginate(DatabaseName=self.database)
        return [t for page in pages for t in page["TableList"]]

    def create_table(self, table: dict[str, Any]) -> None:
        self.glue.create_table(DatabaseName=self.database, TableInput=table)

    def update_table(self, table: dict[str, Any]) -> None:
        self.glue.update_table(DatabaseName=self.database, TableInput=table)

    def delete_table(self, name: str) -> None:
        self.glue.delete_table(DatabaseName=self.database, Name=name)

    def partition_values(self, table: str) -> set[tuple[str, ...]]:
        pages = self.glue.get_paginator("get_partitions").paginate(DatabaseName=self.database, TableName=table)
        return {tuple(p["Values"]) for page in pages for p in page["Partitions"]}

    def add_partitions(self, table: str, partitions: list[dict[str, Any]]) -> None:
        for start in range(0, len(partitions), BATCH):
            response = self.glue.batch_create_partition(
                DatabaseName=self.database, TableName=table, PartitionInputList=partitions[start : start + BATCH]
            )
            errors = [
                e for e in response.get("Errors", []) if e["ErrorDetail"]["ErrorCode"] != "AlreadyExistsException"
            ]
            if errors:
                detail = errors[0]["ErrorDetail"]
                raise ClientError(
                    {"Error": {"Code": detail["ErrorCode"], "Message": detail["ErrorMessage"]}}, "BatchCreatePartition"
                )

    def delete_partitions(self, table: str, values: list[tuple[str, ...]]) -> None:
        for start in range(0, len(values), BATCH):
            self.glue.batch_delete_partition(
                DatabaseName=self.database,
                TableName=table,
                PartitionsToDelete=[{"Values": list(v)} for v in values[start : start + BATCH]],
            )
