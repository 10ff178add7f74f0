"""Tables and partitions in moto's Glue Data Catalog, in the shapes Athena itself writes there.

Calls go to the Glue backend in this process (``local.aws.glue_catalog``). Names are lower-cased as Athena lower-cases them.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

from moto.glue.exceptions import (
    DatabaseNotFoundException,
    EntityNotFoundException,
    PartitionNotFoundException,
    TableNotFoundException,
)
from moto.glue.models import GlueBackend

from local.aws.athena.access import CallerAccess
from local.aws.athena.errors import QueryFailed
from local.aws.glue_catalog import glue_catalog
from local.aws.hive.formats import FORMATS


@dataclass
class Column:
    name: str
    type: str


@dataclass
class Table:
    database: str
    name: str
    columns: list[Column]
    partition_keys: list[Column]
    location: str
    serde: str
    serde_parameters: dict[str, str]
    input_format: str
    parameters: dict[str, str]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def qualified(self) -> str:
        return f"awsdatacatalog.{self.database}.{self.name}"

    @property
    def data_format(self) -> str:
        """parquet, json, opencsv, text or orc: what scan/write need to know about the files."""
        hints = f"{self.serde} {self.input_format}".lower()
        if "parquet" in hints:
            return "parquet"
        if "json" in hints:
            return "json"
        if "opencsv" in hints:
            return "opencsv"
        if "orc" in hints:
            return "orc"
        if "avro" in hints:
            return "avro"
        classification = self.parameters.get("classification", "").lower()
        return {"csv": "text", "parquet": "parquet", "json": "json"}.get(classification, "text")


@dataclass
class Partition:
    values: list[str]
    location: str


def _columns(items: list[dict[str, Any]] | None) -> list[Column]:
    return [Column(c["Name"].lower(), c.get("Type", "string")) for c in items or []]


class Catalog:
    """The Glue Data Catalog of one account and region, as a query sees it: with ``access``, as
    its caller may (local.aws.athena.access), every call checked as Glue checks it."""

    def __init__(self, account_id: str, region: str, access: CallerAccess | None = None) -> None:
        self.account_id = account_id
        self.region = region
        self.access = access

    def _require(self, action: str, database: str | None = None, table: str | None = None) -> None:
        if self.access is not None:
            self.access.glue(action, database, table)

    @property
    def glue(self) -> GlueBackend:
        return glue_catalog(self.account_id, self.region)

    # databases
    def database_exists(self, name: str) -> bool:
        self._require("glue:GetDatabase", name.lower())
        if name.lower() == "default" and "default" not in self.glue.databases:
            # Every account's catalog has one, as Athena's console shows.
            self.glue.create_database("default", {"Name": "default", "Parameters": {}})
        return name.lower() in self.glue.databases

    def create_database(self, name: str, description: str = "", location: str | None = None) -> bool:
        self._require("glue:CreateDatabase", name.lower())
        if name.lower() in self.glue.databases:
            return False
        database_input: dict[str, Any] = {"Name": name.lower(), "Parameters": {}}
        if description:
            database_input["Description"] = description
        if location:
            database_input["LocationUri"] = location
        self.glue.create_database(name.lower(), database_input)
        return True

    def drop_database(self, name: str, cascade: bool) -> None:
        self._require("glue:DeleteDatabase", name.lower())
        database = self.glue.get_database(name.lower())
        if database.tables and not cascade:
            raise QueryFailed(
                "HIVE_METASTORE_ERROR", f"Database {name.lower()} is not empty. One or more tables exist."
            )
        self.glue.delete_database(name.lower())

    # tables
    def get_table(self, database: str, name: str) -> Table | None:
        self._require("glue:GetTable", database.lower(), name.lower())
        try:
            raw = self.glue.get_table(database.lower(), name.lower()).as_dict()
        except (TableNotFoundException, DatabaseNotFoundException, EntityNotFoundException):
            return None
        sd = raw.get("StorageDescriptor") or {}
        serde = sd.get("SerdeInfo") or {}
        return Table(
            database=database.lower(),
            name=name.lower(),
            columns=_columns(sd.get("Columns")),
            partition_keys=_columns(raw.get("PartitionKeys")),
            location=sd.get("Location", ""),
            serde=serde.get("SerializationLibrary", ""),
            serde_parameters=dict(serde.get("Parameters") or {}),
            input_format=sd.get("InputFormat", ""),
            parameters=dict(raw.get("Parameters") or {}),
            raw=raw,
        )

    def create_table(self, database: str, table_input: dict[str, Any]) -> None:
        self._require("glue:CreateTable", database.lower(), table_input["Name"])
        table_input.setdefault("Parameters", {})["transient_lastDdlTime"] = str(int(time.time()))
        self.glue.create_table(database.lower(), table_input["Name"], table_input)

    def drop_table(self, database: str, name: str) -> None:
        self._require("glue:DeleteTable", database.lower(), name.lower())
        self.glue.delete_table(database.lower(), name.lower())

    # partitions
    def partitions(self, table: Table) -> list[Partition]:
        self._require("glue:GetPartitions", table.database, table.name)
        found = self.glue.get_table(table.database, table.name).partitions.values()
        result = []
        for part in found:
            sd = part.partition_input.get("StorageDescriptor") or {}
            result.append(Partition(list(part.values), sd.get("Location", "")))
        return result

    def add_partition(self, table: Table, values: list[str], location: str) -> bool:
        """Register a partition with the table's storage shape; False when it already exists."""
        self._require("glue:BatchCreatePartition", table.database, table.name)
        glue_table = self.glue.get_table(table.database, table.name)
        if str(values) in glue_table.partitions:
            return False
        sd = copy.deepcopy(table.raw.get("StorageDescriptor") or {})
        sd["Location"] = location
        glue_table.create_partition(
            {"Values": values, "StorageDescriptor": sd, "Parameters": {}, "LastAccessTime": time.time()}
        )
        return True

    def drop_partition(self, table: Table, values: list[str]) -> bool:
        self._require("glue:BatchDeletePartition", table.database, table.name)
        try:
            self.glue.get_table(table.database, table.name).delete_partition(values)  # type: ignore[arg-type]
        except PartitionNotFoundException:
            return False
        return True


def table_input(
    name: str,
    columns: list[Column],
    partition_keys: list[Column],
    location: str,
    data_format: str,
    serde: str | None = None,
    serde_parameters: dict[str, str] | None = None,
    input_format: str | None = None,
    output_format: str | None = None,
    parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The TableInput Athena sends to Glue for an external table."""
    default_serde, default_input, default_output = FORMATS.get(data_format, FORMATS["textfile"])
    return {
        "Name": name.lower(),
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"EXTERNAL": "TRUE", **(parameters or {})},
        "PartitionKeys": [{"Name": c.name, "Type": c.type} for c in partition_keys],
        "StorageDescriptor": {
            "Columns": [{"Name": c.name, "Type": c.type} for c in columns],
            "Location": location,
            "InputFormat": input_format or default_input,
            "OutputFormat": output_format or default_output,
            "Compressed": False,
            "NumberOfBuckets": -1,
            "SerdeInfo": {
                "SerializationLibrary": serde or default_serde,
                "Parameters": serde_parameters or {"serialization.format": "1"},
            },
            "BucketColumns": [],
            "SortColumns": [],
            "Parameters": {},
            "StoredAsSubDirectories": False,
        },
    }
