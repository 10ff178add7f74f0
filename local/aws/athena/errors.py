"""Failures with Athena's error names, so StateChangeReason reads as it would on AWS."""

from __future__ import annotations

import re

from moto.core.exceptions import JsonRESTError


class QueryFailed(Exception):
    """A query failure; ``str()`` is the StateChangeReason, e.g. ``TABLE_NOT_FOUND: line 1:15: ...``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ScanLimitExceeded(Exception):
    """The workgroup's BytesScannedCutoffPerQuery: the query stops; ``str()`` is Athena's reason."""

    def __init__(self) -> None:
        super().__init__("Bytes scanned limit was exceeded")


class InvalidRequest(JsonRESTError):
    """An API request Athena refuses (HTTP 400 InvalidRequestException), unlike a failed query."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidRequestException", message)


def line_col(text: str, offset: int) -> str:
    """``line L:C`` (1-based) of a character offset, as Trino prints positions."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}:{col}"


def _position_of(word: str, text: str) -> str:
    match = re.search(rf"(?<![\w\"]){re.escape(word)}(?![\w\"])", text, re.IGNORECASE)
    return line_col(text, match.start() if match else 0)


_COLUMN = re.compile(r'Referenced column "?([^"\s]+)"? not found', re.IGNORECASE)
_TABLE_COLUMN = re.compile(r'Table "[^"]+" does not have a column named "([^"]+)"', re.IGNORECASE)
_FUNCTION = re.compile(r"(?:Scalar|Aggregate|Table)? ?Function with name \"?(\w+)\"? does not exist", re.I)


def from_duckdb(error: Exception, query: str) -> QueryFailed:
    """Map a DuckDB error to the Athena/Trino error a user would see for the same mistake."""
    text = str(error).split("\n")[0]
    text = re.sub(r"^[A-Za-z ]+ Error: ", "", text)
    if match := _COLUMN.search(text) or _TABLE_COLUMN.search(text):
        column = match.group(1).split(".")[-1]
        return QueryFailed(
            "COLUMN_NOT_FOUND",
            f"{_position_of(column, query)}: Column '{column}' cannot be resolved or requester is not "
            "authorized to access requested resources",
        )
    if match := _FUNCTION.search(text):
        name = match.group(1)
        return QueryFailed("FUNCTION_NOT_FOUND", f"{_position_of(name, query)}: Function '{name}' not registered")
    if "Permission Error" in str(error):
        return QueryFailed("PERMISSION_DENIED", "Access Denied: the local Athena reads only the S3 objects of tables")
    if "HIVE_BAD_DATA: " in text:  # the JSON SerDe's reading of a typed field (scan.py)
        return QueryFailed("HIVE_BAD_DATA", text.split("HIVE_BAD_DATA: ", 1)[1])
    if "Division by zero" in text:
        return QueryFailed("DIVISION_BY_ZERO", "Division by zero")
    if "Conversion Error" in str(error) or "Could not convert" in text:
        return QueryFailed("INVALID_CAST_ARGUMENT", text)
    if "Malformed JSON" in text or "JSON" in text and "Invalid Input" in str(error):
        return QueryFailed("HIVE_CURSOR_ERROR", f"Row is not a valid JSON Object - {text}")
    if "Binder Error" in str(error):
        return QueryFailed("SEMANTIC_ERROR", text)
    if "INTERRUPT" in text.upper():
        return QueryFailed("USER_CANCELLED", "Query was cancelled by user")
    return QueryFailed("GENERIC_INTERNAL_ERROR", text)
