"""One crawl: list the S3 targets, infer each table's schema and partitions, write the catalog.

Catalog rules (see docs/local-glue-crawler.md):
- A new table is created with the inferred columns, partition keys and the crawler's parameters.
- An existing table follows SchemaChangePolicy.UpdateBehavior: UPDATE_IN_DATABASE (default)
  keeps its columns in their order, widens their types when new data needs it and appends new
  columns (``CrawlerOutput.Tables.AddOrUpdateBehavior: MergeNewColumns`` keeps the types);
  LOG leaves the table as it is. RecrawlPolicy CRAWL_NEW_FOLDERS_ONLY also leaves it and only
  adds partitions. Partition keys keep their catalog names when their number is unchanged.
- New partitions are added with the table's columns; existing ones are left as they are.
- DeleteBehavior applies to tables this crawler made under its targets that have no data
  left: DELETE_FROM_DATABASE deletes them (and partitions whose folders are gone),
  DEPRECATE_IN_DATABASE (default) marks them ``DEPRECATED_BY_CRAWLER``, LOG does nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Protocol

from moto.glue.exceptions import GlueClientError
from moto.glue.models import GlueBackend
from moto.s3.exceptions import MissingBucket

from local.aws.glue_crawler import catalog as shapes
from local.aws.glue_crawler.catalog import Catalog
from local.aws.glue_crawler.grouping import split_dissimilar
from local.aws.glue_crawler.infer import FileSchema, TableSchema, UnreadableFile, combine, infer_file
from local.aws.glue_crawler.layout import DataFile, TableFiles, target_tables
from local.aws.glue_crawler.widening import merge
from local.aws.hive.types import HiveType, parse
from local.aws.s3.files import S3Files

UNSUPPORTED_TARGETS = (
    "JdbcTargets",
    "MongoDBTargets",
    "DynamoDBTargets",
    "CatalogTargets",
    "DeltaTargets",
    "IcebergTargets",
    "HudiTargets",
)
TABLE_INPUT_KEYS = (
    "Name",
    "Description",
    "Owner",
    "Retention",
    "StorageDescriptor",
    "PartitionKeys",
    "TableType",
    "Parameters",
)


class CrawlFailed(Exception):
    """The crawl cannot complete; the message becomes LastCrawl.ErrorMessage."""


class CrawlCancelled(Exception):
    """StopCrawler was called while the crawl ran."""


class Progress(Protocol):
    def check_cancelled(self) -> None: ...

    def finishing(self) -> None: ...

    def log(self, message: str) -> None: ...


@dataclass(frozen=True)
class CrawlerConfig:
    name: str
    database: str
    targets: dict[str, Any]
    table_prefix: str | None = None
    schema_change_policy: dict[str, str] | None = None
    recrawl_policy: dict[str, str] | None = None
    configuration: str | None = None

    def setting(self, *path: str) -> Any:
        """A value from the crawler's Configuration JSON, e.g. ``setting("Grouping", "TableLevelConfiguration")``."""
        try:
            value: Any = json.loads(self.configuration) if self.configuration else {}
        except json.JSONDecodeError as err:
            raise CrawlFailed(f"Crawler Configuration is not valid JSON: {err}") from err
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    @property
    def update_behavior(self) -> str:
        return (self.schema_change_policy or {}).get("UpdateBehavior") or "UPDATE_IN_DATABASE"

    @property
    def delete_behavior(self) -> str:
        return (self.schema_change_policy or {}).get("DeleteBehavior") or "DEPRECATE_IN_DATABASE"

    @property
    def splits_by_schema(self) -> bool:
        """Sub-folders with dissimilar data become tables unless the grouping is configured."""
        return not self.setting("Grouping", "TableLevelConfiguration") and (
            self.setting("Grouping", "TableGroupingPolicy") != "CombineCompatibleSchemas"
        )

    @property
    def new_folders_only(self) -> bool:
        return (self.recrawl_policy or {}).get("RecrawlBehavior") == "CRAWL_NEW_FOLDERS_ONLY"


@dataclass
class CrawlOutcome:
    tables_created: list[str] = field(default_factory=list)
    tables_updated: list[str] = field(default_factory=list)
    tables_deleted: list[str] = field(default_factory=list)
    partitions_added: int = 0
    partitions_deleted: int = 0


@dataclass
class InspectedTable:
    files: TableFiles
    schema: TableSchema
    partitions: dict[tuple[str, ...], tuple[TableSchema, str]]  # values -> (schema, location)


def crawl(config: CrawlerConfig, s3: S3Files, glue: GlueBackend, progress: Progress) -> CrawlOutcome:
    catalog = Catalog(glue, config.database)
    if not catalog.database_exists():
        raise CrawlFailed(f"Database {config.database} not found.")
    tables = _list_tables(config, s3)
    unchanged: set[str] = set()
    if config.new_folders_only:
        tables = _new_folders_only(tables, catalog, unchanged, progress)
    schemas = _read_schemas([f for t in tables for f in t.files], s3, config, progress)
    tables = _classifiable(tables, schemas, unchanged, progress)
    if config.splits_by_schema:
        tables = [split for t in tables for split in split_dissimilar(t, schemas, partial(_established, catalog))]
    _make_names_unique(tables, catalog)
    progress.log(f"Found {len(tables)} table(s) in the S3 targets: {', '.join(t.name for t in tables)}")
    inspected = [_inspect(table, schemas) for table in tables]
    progress.finishing()
    outcome = CrawlOutcome()
    try:
        for table in inspected:
            _write_table(table, catalog, config, outcome, progress)
        produced = {t.files.name for t in inspected} | unchanged
        _handle_vanished_tables(produced, catalog, config, outcome, progress)
    except GlueClientError as err:
        raise CrawlFailed(f"Catalog update failed: {err.error_type}: {err.message}") from err
    return outcome


def _established(catalog: Catalog, table: TableFiles) -> bool:
    existing = catalog.get_table(table.name)
    return existing is not None and _location(existing) == table.location


def _make_names_unique(tables: list[TableFiles], catalog: Catalog) -> None:
    """A name taken by another location (in this crawl or the catalog) gets a hash suffix, as in Glue."""
    used: set[str] = set()
    for table in tables:
        existing = catalog.get_table(table.name)
        if table.name in used or (existing is not None and _location(existing) != table.location):
            table.name = f"{table.name}_{hashlib.md5(table.location.encode()).hexdigest()[:8]}"
        used.add(table.name)


def _list_tables(config: CrawlerConfig, s3: S3Files) -> list[TableFiles]:
    targets = config.targets or {}
    unsupported = [kind for kind in UNSUPPORTED_TARGETS if targets.get(kind)]
    if unsupported:
        raise CrawlFailed(f"The local crawler crawls S3Targets only, not {', '.join(unsupported)}")
    level = config.setting("Grouping", "TableLevelConfiguration")
    by_root: dict[tuple[str, str], TableFiles] = {}
    for target in targets.get("S3Targets") or []:
        path = target["Path"]
        try:
            found = target_tables(
                s3, path, target.get("Exclusions"), config.table_prefix, int(level) if level else None
            )
        except ValueError as err:
            raise CrawlFailed(f"Invalid S3 target {path}: {err}") from err
        except MissingBucket as err:
            raise CrawlFailed(f"S3 target {path}: the bucket does not exist") from err
        for table in found:
            known = by_root.setdefault((table.bucket, table.root), table)
            if known is not table:  # two targets reach the same folder
                seen = {f.obj.key for f in known.files}
                known.files.extend(f for f in table.files if f.obj.key not in seen)
    return list(by_root.values())


def _new_folders_only(
    tables: list[TableFiles], catalog: Catalog, unchanged: set[str], progress: Progress
) -> list[TableFiles]:
    """RecrawlPolicy CRAWL_NEW_FOLDERS_ONLY: of a table already in the catalog, only the files in
    partition folders the catalog does not know are read; a table with none is left alone."""
    kept = []
    for table in tables:
        if not table.partition_depth() or not _established(catalog, table):
            kept.append(table)
            continue
        known = catalog.partition_values(table.name)
        new_files = [f for f in table.files if table.partition_values(f) not in known]
        progress.log(f"Table {table.name}: {len(table.files) - len(new_files)} file(s) in known folders not read")
        if new_files:
            table.files = new_files
            kept.append(table)
        else:
            unchanged.add(table.name)
    return kept


def _classifiable(
    tables: list[TableFiles], schemas: dict[str, FileSchema | str], unchanged: set[str], progress: Progress
) -> list[TableFiles]:
    """Tables without the files that could not be classified (skipped, as Glue skips them)."""
    kept = []
    for table in tables:
        files = [f for f in table.files if not isinstance(schemas.get(f.obj.key), str)]
        if files:
            table.files = files
            kept.append(table)
        else:
            progress.log(f"Table at {table.location}: no file could be classified; no table written")
            unchanged.add(table.name)
    return kept


def _sampled(files: list[DataFile], sample_size: int | None) -> list[DataFile]:
    """All files, or the first ``SampleSize`` of each leaf folder as Glue samples them."""
    if not sample_size:
        return files
    per_folder: dict[str, list[DataFile]] = defaultdict(list)
    for f in files:
        per_folder[f.obj.key.rsplit("/", 1)[0]].append(f)
    return [f for group in per_folder.values() for f in group[:sample_size]]


def _read_schemas(
    files: list[DataFile], s3: S3Files, config: CrawlerConfig, progress: Progress
) -> dict[str, FileSchema | str]:
    """Schema of every sampled file by key, or why it could not be classified (it is skipped)."""
    sample_size = max((t.get("SampleSize") or 0 for t in config.targets.get("S3Targets") or []), default=0)
    sampled = _sampled(files, sample_size or None)
    schemas: dict[str, FileSchema | str] = {}
    for f in sampled:
        progress.check_cancelled()
        [path] = s3.materialize([f.obj])
        try:
            schemas[f.obj.key] = infer_file(path)
        except UnreadableFile as err:
            schemas[f.obj.key] = f"{f.obj.uri}: {err}"
            progress.log(f"Skipped {f.obj.uri}: {err}")
    return schemas


def _inspect(table: TableFiles, schemas: dict[str, FileSchema | str]) -> InspectedTable:
    def combined(files: list[DataFile]) -> TableSchema:
        read = [schema for f in files if isinstance(schema := schemas.get(f.obj.key), FileSchema)]
        try:
            return combine(read, len(files), sum(f.obj.size for f in files))
        except UnreadableFile as err:
            raise CrawlFailed(f"Table at {table.location}: {err}") from err

    by_values: dict[tuple[str, ...], list[DataFile]] = defaultdict(list)
    for f in table.files:
        by_values[table.partition_values(f)].append(f)
    partitions = {}
    if table.partition_depth():
        for values, files in sorted(by_values.items()):
            partitions[values] = (combined(files), table.partition_location(files[0]))
    return InspectedTable(table, combined(table.files), partitions)


def _location(table: dict[str, Any]) -> str:
    return table.get("StorageDescriptor", {}).get("Location", "").rstrip("/") + "/"


def _catalog_columns(table: dict[str, Any]) -> dict[str, HiveType]:
    # Lower-cased as the crawler names what it infers, struct fields included.
    return {c["Name"]: parse(c["Type"].lower()) for c in table.get("StorageDescriptor", {}).get("Columns", [])}


def _write_table(
    table: InspectedTable, catalog: Catalog, config: CrawlerConfig, outcome: CrawlOutcome, progress: Progress
) -> None:
    name = table.files.name
    keys = table.files.partition_keys()
    existing = catalog.get_table(name)
    columns = table.schema.columns
    if existing is None:
        catalog.create_table(shapes.table_input(name, table.schema, columns, keys, table.files.location, config.name))
        outcome.tables_created.append(name)
        progress.log(f"Created table {name} with {len(columns)} column(s), partition keys {keys}")
    else:
        old_keys = [k["Name"] for k in existing.get("PartitionKeys", [])]
        keys = old_keys if len(old_keys) == len(keys) else keys
        if config.new_folders_only or config.update_behavior == "LOG":
            columns = _catalog_columns(existing)
        else:
            columns = _merged_columns(_catalog_columns(existing), columns, config)
            wanted = shapes.table_input(name, table.schema, columns, keys, table.files.location, config.name)
            if _schema_changed(existing, wanted):
                catalog.update_table(wanted)
                outcome.tables_updated.append(name)
                progress.log(f"Updated table {name}: {len(columns)} column(s), partition keys {keys}")
    if not keys:
        return
    known = catalog.partition_values(name)
    new = [
        shapes.partition_input(values, schema, columns, location, config.name)
        for values, (schema, location) in table.partitions.items()
        if values not in known
    ]
    catalog.add_partitions(name, new)
    outcome.partitions_added += len(new)
    progress.log(f"Table {name}: {len(new)} new partition(s), {len(known)} already in the catalog")
    gone = sorted(known - set(table.partitions))
    if gone and config.delete_behavior == "DELETE_FROM_DATABASE" and not config.new_folders_only:
        catalog.delete_partitions(name, gone)
        outcome.partitions_deleted += len(gone)


def _merged_columns(
    existing: dict[str, HiveType], inferred: dict[str, HiveType], config: CrawlerConfig
) -> dict[str, HiveType]:
    if config.setting("CrawlerOutput", "Tables", "AddOrUpdateBehavior") == "MergeNewColumns":
        return {**existing, **{k: t for k, t in inferred.items() if k not in existing}}
    merged = dict(existing)
    for name, t in inferred.items():
        merged[name] = merge(merged[name], t) if name in merged else t
    return merged


def _schema_changed(existing: dict[str, Any], wanted: dict[str, Any]) -> bool:
    old_sd, new_sd = existing.get("StorageDescriptor", {}), wanted["StorageDescriptor"]
    return (
        old_sd.get("Columns") != new_sd["Columns"]
        or existing.get("PartitionKeys", []) != wanted["PartitionKeys"]
        or old_sd.get("SerdeInfo", {}).get("SerializationLibrary") != new_sd["SerdeInfo"]["SerializationLibrary"]
        or old_sd.get("Location") != new_sd["Location"]
    )


def _handle_vanished_tables(
    produced: set[str], catalog: Catalog, config: CrawlerConfig, outcome: CrawlOutcome, progress: Progress
) -> None:
    if config.delete_behavior == "LOG":
        return
    roots = [t["Path"].rstrip("/") + "/" for t in config.targets.get("S3Targets") or []]
    for table in catalog.tables():
        params = table.get("Parameters") or {}
        location = _location(table)
        if (
            table["Name"] in produced
            or params.get("UPDATED_BY_CRAWLER") != config.name
            or not any(location.startswith(root) or root.startswith(location) for root in roots)
        ):
            continue
        if config.delete_behavior == "DELETE_FROM_DATABASE":
            catalog.delete_table(table["Name"])
            outcome.tables_deleted.append(table["Name"])
            progress.log(f"Deleted table {table['Name']}: no data left at {location}")
        elif "DEPRECATED_BY_CRAWLER" not in params:
            deprecated = {k: table[k] for k in TABLE_INPUT_KEYS if k in table}
            deprecated["Parameters"] = {**params, "DEPRECATED_BY_CRAWLER": "1"}
            catalog.update_table(deprecated)
            outcome.tables_updated.append(table["Name"])
            progress.log(f"Marked table {table['Name']} deprecated: no data left at {location}")
