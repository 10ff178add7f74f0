"""The crawler's pure parts: exclusion globs, type widening, classification of single files."""

from __future__ import annotations

import gzip
import json

import pytest

from local.aws.glue_crawler.globs import Exclusions
from local.aws.glue_crawler.infer import SAMPLE_BYTES, UnreadableFile, infer_file
from local.aws.glue_crawler.widening import merge
from local.aws.hive.types import Array, Struct, parse
from local.aws.hive.types import type_text as render


@pytest.mark.parametrize(
    ("pattern", "key", "excluded"),
    [
        ("*.csv", "a.csv", True),
        ("*.csv", "sub/a.csv", False),  # * stays inside one segment
        ("**.csv", "sub/deeper/a.csv", True),
        ("archive/**", "archive/2024/a.json", True),
        ("archive", "archive/2024/a.json", True),  # a matched folder excludes its content
        ("2024/0?/**", "2024/03/x.json", True),
        ("2024/0?/**", "2024/10/x.json", False),
        ("{a,b}/*.json", "b/x.json", True),
        ("{a,b}/*.json", "c/x.json", False),
        ("[!x]*.json", "y.json", True),
        ("[!x]*.json", "x.json", False),
        ("\\*.json", "*.json", True),
        ("\\*.json", "a.json", False),
    ],
)
def test_exclusion_globs(pattern, key, excluded):
    assert Exclusions([pattern]).excludes(key) is excluded


@pytest.mark.parametrize(
    ("a", "b", "merged"),
    [
        ("int", "bigint", "bigint"),
        ("int", "double", "double"),
        ("float", "bigint", "double"),
        ("boolean", "int", "string"),
        ("null", "date", "date"),
        ("date", "timestamp", "timestamp"),
        ("decimal(10,2)", "decimal(12,4)", "decimal(12,4)"),
        ("array<int>", "array<bigint>", "array<bigint>"),
        ("struct<a:int>", "struct<b:string,a:double>", "struct<a:double,b:string>"),
        ("struct<a:int>", "string", "string"),
        ("map<string,int>", "map<string,double>", "map<string,double>"),
    ],
)
def test_types_widen_when_files_disagree(a, b, merged):
    assert render(merge(parse(a), parse(b))) == merged


def test_parse_round_trips_nested_types():
    text = "struct<id:bigint,tags:array<string>,geo:struct<lat:double,lon:double>,price:decimal(10,2)>"
    parsed = parse(text)
    assert isinstance(parsed, Struct)
    assert dict(parsed.fields)["tags"] == Array("string")
    assert render(parsed) == text


def test_ragged_csv_rows_are_padded_and_tab_delimiter_found(tmp_path):
    path = tmp_path / "a.tsv"
    rows = ["name\tscore\tnote"] + [f"n{i}\t{i}\tok" for i in range(12)] + ["short\t3"]
    path.write_text("\n".join(rows) + "\n")

    schema = infer_file(path)

    assert (schema.classification, schema.delimiter, schema.has_header) == ("csv", "\t", True)
    assert {k: render(t) for k, t in schema.columns.items()} == {"name": "string", "score": "bigint", "note": "string"}
    assert schema.record_count == 13


@pytest.mark.parametrize("compression", ["gzip", "none"])
def test_records_beyond_the_sample_are_estimated_from_its_average(tmp_path, compression):
    line = json.dumps({"id": 1, "payload": "x" * 90}) + "\n"
    count = 3 * SAMPLE_BYTES // len(line)
    data = (line * count).encode()
    path = tmp_path / "big.json"
    path.write_bytes(gzip.compress(data) if compression == "gzip" else data)

    schema = infer_file(path)

    assert schema.compression == compression
    assert schema.record_count == pytest.approx(count, rel=0.01)
    assert {k: render(t) for k, t in schema.columns.items()} == {"id": "int", "payload": "string"}


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"just some words\n", "cannot classify the file"),
        (b"\xff\xfe\x00binary", "not UTF-8 text"),
        (b'[{"a": 1}]', "top-level JSON arrays"),
        (b"ORC\x00\x01", "ORC files are not supported"),
    ],
)
def test_unreadable_files_say_why(tmp_path, body, reason):
    path = tmp_path / "f"
    path.write_bytes(body)
    with pytest.raises(UnreadableFile, match=reason):
        infer_file(path)
