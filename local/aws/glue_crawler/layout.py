"""Which objects of an S3 target make which table, and which folders are partitions.

Rule implemented (Glue's behaviour for data with one consistent schema):
- Every S3 target makes one table whose root is the target's path, named after the path's
  last segment (the bucket name for a bucket root), lowercased with characters other than
  letters, digits and ``_`` replaced by ``_``, after the crawler's TablePrefix. When the
  root's sub-folders hold dissimilar data, each becomes a table instead (``grouping``).
- With ``Configuration`` ``Grouping.TableLevelConfiguration: N`` the table roots are instead
  the folders at level N of the key (the bucket is level 1), so one target can make several.
- Folders between the table root and the files are partitions: ``key=value`` folders give
  the key's name, others ``partition_<level>``. The partition depth is the smallest folder
  depth among the table's files; deeper folders belong to the partition they sit in.
- Objects of size 0 and names starting with ``_`` or ``.`` (Hadoop/Spark markers) are skipped,
  as are objects matching the target's Exclusions.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import unquote

from local.aws.glue_crawler.globs import Exclusions
from local.aws.s3.files import S3Files, S3Object, split_uri


@dataclass(frozen=True)
class DataFile:
    obj: S3Object
    folders: tuple[str, ...]  # folder segments between the table root and the file


@dataclass
class TableFiles:
    bucket: str
    root: str  # key prefix of the table's folder, without the trailing "/" ("" = bucket root)
    name: str
    files: list[DataFile]
    table_prefix: str | None = None

    def child(self, segment: str, files: list[DataFile]) -> TableFiles:
        """The table rooted at sub-folder ``segment``; ``files`` keep their folders below it."""
        root = f"{self.root}/{segment}" if self.root else segment
        moved = [DataFile(f.obj, f.folders[1:]) for f in files]
        return TableFiles(self.bucket, root, table_name(segment, self.table_prefix), moved, self.table_prefix)

    @property
    def location(self) -> str:
        return f"s3://{self.bucket}/{self.root}/" if self.root else f"s3://{self.bucket}/"

    def partition_depth(self) -> int:
        return min((len(f.folders) for f in self.files), default=0)

    def partition_keys(self) -> list[str]:
        keys = []
        for level in range(self.partition_depth()):
            names = {_hive_name(f.folders[level]) for f in self.files}
            name = names.pop() if len(names) == 1 else None
            keys.append(name if name else f"partition_{level}")
        return keys

    def partition_values(self, file: DataFile) -> tuple[str, ...]:
        return tuple(_value(segment) for segment in file.folders[: self.partition_depth()])

    def partition_location(self, values_of: DataFile) -> str:
        folders = "/".join(values_of.folders[: self.partition_depth()])
        return f"{self.location}{folders}/"


def table_name(segment: str, prefix: str | None) -> str:
    return re.sub(r"[^a-z0-9_]", "_", f"{prefix or ''}{segment}".lower())


def _hive_name(segment: str) -> str | None:
    name, eq, _ = segment.partition("=")
    return name.lower() if eq and name else None


def _value(segment: str) -> str:
    name, eq, value = segment.partition("=")
    return unquote(value) if eq and name else segment


def is_hidden(key: str) -> bool:
    return key.rsplit("/", 1)[-1].startswith(("_", "."))


def target_tables(
    s3: S3Files, path: str, exclusions: list[str] | None, table_prefix: str | None, table_level: int | None = None
) -> list[TableFiles]:
    """The tables one S3 target makes, each with its data files."""
    bucket, prefix = split_uri(path)
    prefix = prefix.strip("/")
    list_prefix = f"{prefix}/" if prefix else ""
    excluded = Exclusions(exclusions)
    target_depth = len(prefix.split("/")) if prefix else 0
    # Table roots sit at TableLevelConfiguration - 1 folders below the bucket (default: the target).
    root_depth = table_level - 1 if table_level else target_depth
    groups: dict[str, list[tuple[S3Object, list[str]]]] = defaultdict(list)
    for obj in s3.list(bucket, list_prefix):
        relative = obj.key[len(list_prefix) :]
        if obj.size == 0 or is_hidden(obj.key) or excluded.excludes(relative):
            continue
        folders = obj.key.split("/")[:-1]
        if len(folders) < root_depth:
            continue  # a file above the table level belongs to no table
        groups["/".join(folders[:root_depth])].append((obj, folders[root_depth:]))
    tables = []
    for root, members in sorted(groups.items()):
        segment = root.rsplit("/", 1)[-1] if root else bucket
        files = [DataFile(obj, tuple(folders)) for obj, folders in members]
        tables.append(TableFiles(bucket, root, table_name(segment, table_prefix), files, table_prefix))
    return tables
