"""Classify one data file and infer its columns the way Glue's built-in classifiers do.

Text formats (JSON, CSV; plain, gzip or bzip2) are read from their first ``SAMPLE_BYTES``
of decompressed content, as Glue samples the start of a file; the record count of a longer
file is estimated from the sample's average record size. Parquet schemas come from the
file's footer through DuckDB.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from local.aws.glue_crawler.widening import merge, merge_fields
from local.aws.hive.types import NULL, Array, HiveType, Map, Struct

SAMPLE_BYTES = 1024 * 1024
CSV_DELIMITERS = (",", "|", "\t", ";", "\x01")
CSV_CONSISTENCY = 0.9
INT32 = range(-(2**31), 2**31)
_INTEGER = re.compile(r"[-+]?\d+")
_DECIMAL = re.compile(r"[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?")
_BOOLEAN = {"true", "false"}


class UnreadableFile(Exception):
    """The file cannot be classified or parsed; the message says why."""


@dataclass
class FileSchema:
    classification: str  # json | csv | parquet
    columns: dict[str, HiveType]
    record_count: int
    size: int
    compression: str = "none"  # none | gzip | bzip2
    delimiter: str = ""  # csv only
    has_header: bool = False  # csv only
    json_keys: set[str] = field(default_factory=set)  # json only: top-level keys as written


def infer_file(path: Path) -> FileSchema:
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(4)
    if head == b"PAR1":
        return _infer_parquet(path, size)
    if head[:3] == b"ORC" or head == b"Obj\x01":
        raise UnreadableFile(f"{'ORC' if head[:3] == b'ORC' else 'Avro'} files are not supported by the local crawler")
    compression = "gzip" if head[:2] == b"\x1f\x8b" else "bzip2" if head[:3] == b"BZh" else "none"
    sample, complete, total_text_bytes = _read_text_sample(path, compression)
    text = _decode(sample)
    stripped = text.lstrip()
    if stripped.startswith("{"):
        schema = _infer_json(text)
    elif stripped.startswith("["):
        raise UnreadableFile("top-level JSON arrays need a custom JSON classifier (JsonPath), not supported locally")
    else:
        schema = _infer_csv(text)
    schema.size = size
    schema.compression = compression
    if not complete and schema.record_count:
        # Records beyond the sample are estimated from the sample's average record length.
        schema.record_count = round(schema.record_count * total_text_bytes / len(sample))
    return schema


def _read_text_sample(path: Path, compression: str) -> tuple[bytes, bool, int]:
    """First SAMPLE_BYTES of content, whether that is all of it, and the content's full length."""
    opener = {"gzip": gzip.open, "bzip2": bz2.open}.get(compression, open)
    try:
        with opener(path, "rb") as f:
            sample = f.read(SAMPLE_BYTES)
            total = len(sample)
            if compression == "none":
                total = path.stat().st_size
            else:  # only decompressing tells the content's length
                while block := f.read(8 * SAMPLE_BYTES):
                    total += len(block)
    except (OSError, EOFError) as err:
        raise UnreadableFile(f"cannot decompress {compression} data: {err}") from err
    complete = total == len(sample)
    if not complete:
        # Cut the partial last record so it cannot look malformed.
        sample = sample[: sample.rfind(b"\n") + 1] or sample
    return sample, complete, total


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise UnreadableFile(f"not UTF-8 text at byte {err.start}; cannot classify the file") from err


# JSON ----------------------------------------------------------------------------------


def json_type(value: object) -> HiveType:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "int" if value in INT32 else "bigint"
    if isinstance(value, float):
        return "double"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        element: HiveType = NULL
        for item in value:
            element = merge(element, json_type(item))
        return Array(element)
    if isinstance(value, dict):
        fields: dict[str, HiveType] = {}
        for k, v in value.items():
            fields = merge_fields(fields, {k.lower(): json_type(v)})
        return Struct(tuple(fields.items()))
    return "string"


def _infer_json(text: str) -> FileSchema:
    decoder = json.JSONDecoder()
    columns: dict[str, HiveType] = {}
    keys: set[str] = set()
    records = 0
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            break
        start = pos
        try:
            record, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            line = text.count("\n", 0, start) + 1  # the record's own line, wherever the parser gave up
            raise UnreadableFile(f"malformed JSON at line {line}: {err.msg}") from err
        if not isinstance(record, dict):
            line = text.count("\n", 0, start) + 1
            raise UnreadableFile(f"JSON record at line {line} is a {type(record).__name__}, not an object")
        records += 1
        keys.update(record)
        row = json_type(record)
        assert isinstance(row, Struct)
        columns = merge_fields(columns, dict(row.fields))
    return FileSchema("json", columns, records, 0, json_keys=keys)


# CSV -----------------------------------------------------------------------------------


def csv_cell_type(cell: str) -> HiveType:
    value = cell.strip()
    if not value:
        return NULL
    if value.lower() in _BOOLEAN:
        return "boolean"
    if _INTEGER.fullmatch(value):
        return "bigint"
    if _DECIMAL.fullmatch(value):
        return "double"
    return "string"


def _csv_rows(text: str, delimiter: str) -> list[list[str]]:
    try:
        return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter) if row]
    except csv.Error as err:
        raise UnreadableFile(f"cannot parse as delimited text: {err}") from err


def _pick_delimiter(text: str) -> tuple[str, list[list[str]]]:
    """The delimiter that splits the rows into the most fields (at least 2), consistently.

    Consistently means at least ``CSV_CONSISTENCY`` of the rows have the same field count;
    the others are padded or cut to it, as a SerDe reading them would.
    """
    best: tuple[str, int, list[list[str]]] | None = None
    for delimiter in CSV_DELIMITERS:
        rows = _csv_rows(text, delimiter)
        if not rows:
            continue
        width, count = Counter(len(r) for r in rows).most_common(1)[0]
        if width >= 2 and count >= CSV_CONSISTENCY * len(rows) and (best is None or width > best[1]):
            best = (delimiter, width, rows)
    if best is None:
        raise UnreadableFile("cannot classify the file: not JSON, Parquet or consistently delimited text")
    delimiter, width, rows = best
    return delimiter, [(r + [""] * width)[:width] for r in rows]


def _infer_csv(text: str) -> FileSchema:
    delimiter, rows = _pick_delimiter(text)
    width = len(rows[0])
    first_types = [csv_cell_type(c) for c in rows[0]]
    data_types: list[HiveType] = [NULL] * width
    for row in rows[1:]:
        data_types = [merge(t, csv_cell_type(c)) for t, c in zip(data_types, row, strict=True)]
    names = [c.strip().lower() for c in rows[0]]
    # Glue's rule: the first row is a header only if all its cells are strings, they make
    # distinct names, and some later column is not a string (else it cannot tell them apart).
    has_header = (
        all(t == "string" for t in first_types)
        and len(set(names)) == width
        and any(t not in ("string", NULL) for t in data_types)
    )
    if has_header:
        columns = dict(zip(names, data_types, strict=True))
        records = len(rows) - 1
    else:
        types = [merge(t, f) for t, f in zip(data_types, first_types, strict=True)]
        columns = {f"col{i}": t for i, t in enumerate(types)}
        records = len(rows)
    return FileSchema("csv", columns, records, 0, delimiter=delimiter, has_header=has_header)


# Parquet -------------------------------------------------------------------------------

_DUCKDB_PRIMITIVES = {
    "boolean": "boolean",
    "tinyint": "tinyint",
    "smallint": "smallint",
    "integer": "int",
    "bigint": "bigint",
    "utinyint": "smallint",
    "usmallint": "int",
    "uinteger": "bigint",
    "ubigint": "decimal(20,0)",
    "hugeint": "decimal(38,0)",
    "float": "float",
    "double": "double",
    "varchar": "string",
    "uuid": "string",
    "blob": "binary",
    "date": "date",
    "timestamp": "timestamp",
    "timestamp_s": "timestamp",
    "timestamp_ms": "timestamp",
    "timestamp_ns": "timestamp",
    "timestamp with time zone": "timestamp",
    "time": "string",
}


def duckdb_to_hive(t: duckdb.typing.DuckDBPyType) -> HiveType:
    kind = t.id
    if kind == "list":
        return Array(duckdb_to_hive(dict(t.children)["child"]))
    if kind == "struct":
        return Struct(tuple((name.lower(), duckdb_to_hive(child)) for name, child in t.children))
    if kind == "map":
        children = dict(t.children)
        return Map(duckdb_to_hive(children["key"]), duckdb_to_hive(children["value"]))
    if kind == "decimal":
        args = dict(t.children)
        return f"decimal({args['precision']},{args['scale']})"
    if kind in _DUCKDB_PRIMITIVES:
        return _DUCKDB_PRIMITIVES[kind]
    raise UnreadableFile(f"Parquet type {t} has no Glue equivalent here")


def _infer_parquet(path: Path, size: int) -> FileSchema:
    con = duckdb.connect()
    try:
        rel = con.read_parquet(str(path))
        columns: dict[str, HiveType] = {}
        for name, t in zip(rel.columns, rel.types, strict=True):
            columns = merge_fields(columns, {name.lower(): duckdb_to_hive(t)})
        row = con.execute("SELECT sum(num_rows) FROM parquet_file_metadata(?)", [str(path)]).fetchone()
    except duckdb.Error as err:
        raise UnreadableFile(f"cannot read Parquet: {err}") from err
    finally:
        con.close()
    return FileSchema("parquet", columns, int(row[0] or 0) if row else 0, size)


# Many files, one table ------------------------------------------------------------------


@dataclass
class TableSchema:
    """The files of one table (or partition) taken together."""

    classification: str
    columns: dict[str, HiveType]
    record_count: int
    size: int
    object_count: int
    compression: str
    delimiter: str = ""
    has_header: bool = False
    json_keys: set[str] = field(default_factory=set)

    @property
    def average_record_size(self) -> int:
        return round(self.size / self.record_count) if self.record_count else 0


def combine(schemas: list[FileSchema], object_count: int, size: int) -> TableSchema:
    """Merge file schemas: JSON and Parquet by column name, CSV by position (as its SerDe reads)."""
    kinds = sorted({s.classification for s in schemas})
    if len(kinds) > 1:
        raise UnreadableFile(f"files of one table have different formats ({', '.join(kinds)})")
    first = schemas[0]
    columns: dict[str, HiveType] = {}
    if first.classification == "csv":
        delimiters = {s.delimiter for s in schemas}
        if len(delimiters) > 1:
            raise UnreadableFile(f"CSV files of one table use different delimiters {sorted(delimiters)}")
        names: list[str] = []
        types: list[HiveType] = []
        # Header files name the columns; headerless ones only add types by position.
        for s in sorted(schemas, key=lambda s: not s.has_header):
            for i, (name, t) in enumerate(s.columns.items()):
                if i < len(types):
                    types[i] = merge(types[i], t)
                else:
                    names.append(name)
                    types.append(t)
        columns = dict(zip(names, types, strict=True))
    else:
        for s in schemas:
            columns = merge_fields(columns, s.columns)
    compressions = {s.compression for s in schemas}
    return TableSchema(
        classification=first.classification,
        columns=columns,
        record_count=sum(s.record_count for s in schemas),
        size=size,
        object_count=object_count,
        compression=compressions.pop() if len(compressions) == 1 else "mixed",
        delimiter=first.delimiter,
        has_header=any(s.has_header for s in schemas),
        json_keys=set().union(*(s.json_keys for s in schemas)),
    )
