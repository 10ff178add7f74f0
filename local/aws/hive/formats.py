"""Storage formats of Hive tables as Glue stores them: SerDe, input and output format classes."""

from __future__ import annotations

from typing import NamedTuple

TEXT_INPUT = "org.apache.hadoop.mapred.TextInputFormat"
TEXT_OUTPUT = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat"


class StorageFormat(NamedTuple):
    serde: str
    input_format: str
    output_format: str


FORMATS = {
    "parquet": StorageFormat(
        "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
        "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
    ),
    "textfile": StorageFormat("org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe", TEXT_INPUT, TEXT_OUTPUT),
    "json": StorageFormat("org.openx.data.jsonserde.JsonSerDe", TEXT_INPUT, TEXT_OUTPUT),
    "orc": StorageFormat(
        "org.apache.hadoop.hive.ql.io.orc.OrcSerde",
        "org.apache.hadoop.hive.ql.io.orc.OrcInputFormat",
        "org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat",
    ),
}
