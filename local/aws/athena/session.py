"""What one statement runs with: the catalog, S3, its default database and where it may write."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from local.aws.athena.catalog import Catalog, Table
from local.aws.athena.errors import QueryFailed, ScanLimitExceeded
from local.aws.s3.files import S3Files


@dataclass
class Session:
    query_id: str
    catalog: Catalog
    s3: S3Files
    database: str
    scratch: Path
    output_location: str = ""  # s3://bucket/prefix/ where results (and CTAS without location) go
    cancelled: threading.Event = field(default_factory=threading.Event)
    bytes_scanned: int = 0
    bytes_cutoff: int | None = None  # the workgroup's BytesScannedCutoffPerQuery

    def scanned(self, size: int) -> None:
        """Count ``size`` bytes a scan will read; past the workgroup's cutoff the query stops
        before it reads them."""
        self.bytes_scanned += size
        if self.bytes_cutoff is not None and self.bytes_scanned > self.bytes_cutoff:
            raise ScanLimitExceeded()

    def check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise QueryFailed("USER_CANCELLED", "Query was cancelled by user")

    def split_name(self, name: str) -> tuple[str, str]:
        """``db.t`` / ``t`` / ``awsdatacatalog.db.t`` (quoted or not) -> (database, table), lower-cased."""
        parts = [p.strip().strip('`"').lower() for p in name.split(".")]
        if len(parts) == 3 and parts[0] == "awsdatacatalog":
            parts = parts[1:]
        if len(parts) == 1:
            return self.database.lower(), parts[0]
        if len(parts) == 2:
            return parts[0], parts[1]
        raise QueryFailed("SYNTAX_ERROR", f"line 1:1: Invalid table name '{name}'")

    def require_table(self, name: str) -> Table:
        database, table_name = self.split_name(name)
        if not self.catalog.database_exists(database):
            raise QueryFailed("SCHEMA_NOT_FOUND", f"line 1:1: Schema '{database}' does not exist")
        table = self.catalog.get_table(database, table_name)
        if table is None:
            raise QueryFailed(
                "TABLE_NOT_FOUND", f"line 1:1: Table 'awsdatacatalog.{database}.{table_name}' does not exist"
            )
        return table
