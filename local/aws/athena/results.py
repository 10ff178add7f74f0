"""Query results as Athena stores and returns them: ``<id>.csv`` (+ ``.metadata``) and GetQueryResults pages."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from local.aws.s3.files import S3Files, split_uri

MAX_PAGE = 1000

_PRECISION = {
    "varchar": 2147483647,
    "tinyint": 3,
    "smallint": 5,
    "integer": 10,
    "bigint": 19,
    "real": 7,
    "double": 17,
    "timestamp": 3,
    "timestamp with time zone": 3,
    "time": 3,
}


@dataclass
class ResultSet:
    """Rendered values (``None`` = NULL). ``header`` is False for DDL/utility output (a .txt file)."""

    columns: list[tuple[str, str]] = field(default_factory=list)
    rows: list[tuple[str | None, ...]] = field(default_factory=list)
    header: bool = True
    update_count: int = 0  # rows written by CTAS / INSERT / UNLOAD

    @property
    def extension(self) -> str:
        return "csv" if self.header else "txt"

    def column_info(self) -> list[dict[str, Any]]:
        info = []
        for name, athena_type in self.columns:
            base = athena_type.split("(")[0]
            info.append(
                {
                    "CatalogName": "hive",
                    "SchemaName": "",
                    "TableName": "",
                    "Name": name,
                    "Label": name,
                    "Type": athena_type,
                    "Precision": _PRECISION.get(base, 0),
                    "Scale": 0,
                    "Nullable": "UNKNOWN",
                    "CaseSensitive": base in ("varchar", "char", "json"),
                }
            )
        return info

    def all_rows(self) -> list[tuple[str | None, ...]]:
        head = [tuple(name for name, _ in self.columns)] if self.header and self.columns else []
        return head + self.rows


def _csv_field(value: str | None) -> str:
    return "" if value is None else '"' + value.replace('"', '""') + '"'


def to_bytes(result: ResultSet) -> bytes:
    if result.header:
        lines = [",".join(_csv_field(v) for v in row) for row in result.all_rows()]
    else:
        lines = ["\t".join("" if v is None else v for v in row) for row in result.rows]
    return ("".join(line + "\n" for line in lines)).encode()


def store(s3: S3Files, output_location: str, result: ResultSet) -> None:
    """Write ``<id>.csv`` (or ``.txt``) and its ``.metadata`` at the execution's OutputLocation."""
    bucket, key = split_uri(output_location)
    s3.put_bytes(bucket, key, to_bytes(result))
    s3.put_bytes(bucket, f"{key}.metadata", json.dumps({"ColumnInfo": result.column_info()}).encode())


def page(result: ResultSet, next_token: str | None, max_results: int | None) -> dict[str, Any]:
    """One GetQueryResults response: header row first, values as VarCharValue, NextToken paging."""
    start = int(base64.urlsafe_b64decode(next_token.encode()).decode()) if next_token else 0
    size = min(max_results or MAX_PAGE, MAX_PAGE)
    rows = result.all_rows()
    chunk = rows[start : start + size]
    body: dict[str, Any] = {
        "UpdateCount": result.update_count,
        "ResultSet": {
            "Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in row]} for row in chunk],
            "ResultSetMetadata": {"ColumnInfo": result.column_info()},
        },
    }
    if start + size < len(rows):
        body["NextToken"] = base64.urlsafe_b64encode(str(start + size).encode()).decode()
    return body


def valid_token(token: str) -> bool:
    try:
        int(base64.urlsafe_b64decode(token.encode()).decode())
    except ValueError:
        return False
    return True
