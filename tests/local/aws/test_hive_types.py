"""local.aws.hive.types: one parser of catalog types for Athena and the crawler."""

import pytest

from local.aws.athena.errors import QueryFailed
from local.aws.athena.types import duckdb_type
from local.aws.hive.types import Array, Map, Struct, parse, type_text


def test_catalog_types_parse_into_a_tree_and_back():
    text = "struct<id:bigint,tags:array<string>,geo:struct<lat:double,lon:double>,m:map<string,int>,p:decimal(10,2)>"
    parsed = parse(text)
    assert parsed == Struct(
        (
            ("id", "bigint"),
            ("tags", Array("string")),
            ("geo", Struct((("lat", "double"), ("lon", "double")))),
            ("m", Map("string", "int")),
            ("p", "decimal(10,2)"),
        )
    )
    assert type_text(parsed) == text


def test_trino_rows_backquoted_names_and_spaces_are_read():
    assert parse("row(`Group ID` int, name varchar(20))") == Struct((("Group ID", "int"), ("name", "varchar(20)")))
    assert parse("array < map < string , bigint > >") == Array(Map("string", "bigint"))


@pytest.mark.parametrize("text", ["array<int", "struct<a:int,>", "map<string>", "int>", ""])
def test_malformed_types_are_refused(text):
    with pytest.raises(ValueError):
        parse(text)


def test_athena_reads_them_as_duckdb_types_and_names_what_it_cannot():
    assert duckdb_type("array<struct<a:int,B:decimal>>") == 'STRUCT("a" INTEGER, "B" DECIMAL(10, 0))[]'
    assert duckdb_type("map<string,varchar(3)>") == "MAP(VARCHAR, VARCHAR)"
    with pytest.raises(QueryFailed, match="NOT_SUPPORTED: Unknown type 'uniontype'"):
        duckdb_type("uniontype<int>")
    with pytest.raises(QueryFailed, match="SYNTAX_ERROR: cannot read column type 'array<int'"):
        duckdb_type("array<int")
