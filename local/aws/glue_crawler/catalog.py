"""The Glue catalog shapes a crawler writes: TableInput and PartitionInput, and reading them back.

The calls go to the Glue backend in this process (``local.aws.glue_catalog``), as Athena's do;
what they read is GetTable's and GetPartitions' response shape.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.glue.exceptions import EntityNotFoundException, GlueClientError
from moto.glue.models import GlueBackend

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
    """The few Glue catalog calls a crawl makes, on one database."""

    def __init__(self, glue: GlueBackend, database: str) -> None:
        self.glue = glue
        self.database = database

    def database_exists(self) -> bool:
        return self.database in self.glue.databases

    def get_table(self, name: str) -> dict[str, Any] | None:
        try:
            return copy.deepcopy(self.glue.get_table(self.database, name).as_dict())
        except EntityNotFoundException:  # the table's and the database's NotFound both derive from it
            return None

    def tables(self) -> list[dict[str, Any]]:
        return [copy.deepcopy(t.as_dict()) for t in self.glue.get_tables(self.database, None)]

    def create_table(self, table: dict[str, Any]) -> None:
        self.glue.create_table(self.database, table["Name"], copy.deepcopy(table))

    def update_table(self, table: dict[str, Any]) -> None:
        self.glue.update_table(self.database, table["Name"], copy.deepcopy(table))

    def delete_table(self, name: str) -> None:
        self.glue.delete_table(self.database, name)

    def partition_values(self, table: str) -> set[tuple[str, ...]]:
        return {tuple(p.values) for p in self.glue.get_table(self.database, table).partitions.values()}

    def add_partitions(self, table: str, partitions: list[dict[str, Any]]) -> None:
        for start in range(0, len(partitions), BATCH):
            errors = self.glue.batch_create_partition(
                self.database, table, copy.deepcopy(partitions[start : start + BATCH])
            )
            errors = [e for e in errors if e["ErrorDetail"]["ErrorCode"] != "AlreadyExistsException"]
            if errors:
                detail = errors[0]["ErrorDetail"]
                raise GlueClientError(detail["ErrorCode"], detail["ErrorMessage"])

    def delete_partitions(self, table: str, values: list[tuple[str, ...]]) -> None:
        for start in range(0, len(values), BATCH):
            self.glue.batch_delete_partition(
                self.database, table, [{"Values": list(v)} for v in values[start : start + BATCH]]
            )
