"""Split a target into several tables when its sub-folders hold different data, as Glue does.

Sibling folders are partitions of one table when their data is similar: the same format
(and CSV delimiter) and column names overlapping by at least ``SIMILARITY`` (shared names /
all names). Otherwise every sibling folder becomes a table root of its own, named after the
folder, and the rule applies again inside it. ``key=value`` folders are always partitions;
a folder that also holds files directly is never split, nor is a table already in the
catalog at that location (new data does not break it up). ``TableLevelConfiguration`` or
``TableGroupingPolicy: CombineCompatibleSchemas`` turn the split off.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from itertools import combinations

from local.aws.glue_crawler.infer import FileSchema
from local.aws.glue_crawler.layout import DataFile, TableFiles

SIMILARITY = 0.7


def split_dissimilar(
    table: TableFiles, schemas: dict[str, FileSchema | str], established: Callable[[TableFiles], bool]
) -> list[TableFiles]:
    """``established(table)``: the catalog already has this table; it keeps its files."""
    if any(not f.folders for f in table.files) or established(table):
        return [table]
    children: dict[str, list[DataFile]] = defaultdict(list)
    for f in table.files:
        children[f.folders[0]].append(f)
    if len(children) < 2 or any("=" in segment for segment in children):
        return [table]
    signatures = {segment: _signature(files, schemas) for segment, files in children.items()}
    if all(_similar(a, b) for a, b in combinations(signatures.values(), 2)):
        return [table]
    return [
        t
        for segment, files in sorted(children.items())
        for t in split_dissimilar(table.child(segment, files), schemas, established)
    ]


def _signature(files: list[DataFile], schemas: dict[str, FileSchema | str]) -> tuple[set[str], set[str]]:
    """(formats, column names) of the files read for schema."""
    read = [schema for f in files if isinstance(schema := schemas.get(f.obj.key), FileSchema)]
    formats = {f"{s.classification}{s.delimiter}" for s in read}
    return formats, {name for s in read for name in s.columns}


def _similar(a: tuple[set[str], set[str]], b: tuple[set[str], set[str]]) -> bool:
    (formats_a, names_a), (formats_b, names_b) = a, b
    if formats_a != formats_b:
        return False
    union = names_a | names_b
    return not union or len(names_a & names_b) / len(union) >= SIMILARITY
