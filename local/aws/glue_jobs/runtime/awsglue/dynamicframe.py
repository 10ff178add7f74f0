"""``DynamicFrame`` as a thin wrapper of a Spark DataFrame (Glue's choice types are not modelled)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyspark.sql import DataFrame, Row
from pyspark.sql import functions as F


def _column(path: str) -> Any:
    # Glue paths use dots for nesting; backticks keep names that hold other characters intact.
    return F.col(".".join(f"`{part}`" for part in path.split(".")))


class DynamicFrame:
    def __init__(self, df: DataFrame, glue_ctx: Any = None, name: str = "") -> None:
        self._df = df
        self.glue_ctx = glue_ctx
        self.name = name

    @classmethod
    def fromDF(cls, dataframe: DataFrame, glue_ctx: Any, name: str) -> DynamicFrame:
        return cls(dataframe, glue_ctx, name)

    def toDF(self) -> DataFrame:
        return self._df

    def count(self) -> int:
        return self._df.count()

    def schema(self) -> Any:
        return self._df.schema

    def printSchema(self) -> None:
        self._df.printSchema()

    def show(self, num_rows: int = 20) -> None:
        self._df.show(num_rows)

    def _derive(self, df: DataFrame) -> DynamicFrame:
        return DynamicFrame(df, self.glue_ctx, self.name)

    def apply_mapping(self, mappings: list[tuple[str, ...]], **_: Any) -> DynamicFrame:
        """``(source, source_type, target, target_type)`` tuples: select, cast and rename."""
        columns = [_column(source).cast(target_type).alias(target) for source, _st, target, target_type in mappings]
        return self._derive(self._df.select(*columns))

    def select_fields(self, paths: list[str], **_: Any) -> DynamicFrame:
        return self._derive(self._df.select(*[_column(p) for p in paths]))

    def drop_fields(self, paths: list[str], **_: Any) -> DynamicFrame:
        return self._derive(self._df.drop(*paths))

    def rename_field(self, oldName: str, newName: str, **_: Any) -> DynamicFrame:
        return self._derive(self._df.withColumnRenamed(oldName, newName))

    def filter(self, f: Callable[[Row], bool], **_: Any) -> DynamicFrame:
        kept = self._df.rdd.filter(f)
        return self._derive(self._df.sparkSession.createDataFrame(kept, self._df.schema))

    def repartition(self, num_partitions: int) -> DynamicFrame:
        return self._derive(self._df.repartition(num_partitions))

    def coalesce(self, num_partitions: int) -> DynamicFrame:
        return self._derive(self._df.coalesce(num_partitions))
