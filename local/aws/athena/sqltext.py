"""Small helpers for reading statement text that sqlglot does not parse (Hive DDL, CTAS properties)."""

from __future__ import annotations

import re

from local.aws.athena.errors import QueryFailed


def strip_comments(sql: str) -> str:
    """Drop ``-- ...`` and ``/* ... */`` comments outside quotes, and a trailing semicolon."""
    out, i, n = [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if ch in "'\"`":
            j = i + 1
            while j < n and not (sql[j] == ch and not (j + 1 < n and sql[j + 1] == ch)):
                j += 2 if sql[j] == ch else 1
            out.append(sql[i : j + 1])
            i = j + 1
        elif sql.startswith("--", i):
            i = sql.find("\n", i) if "\n" in sql[i:] else n
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            i = n if end < 0 else end + 2
            out.append(" ")
        else:
            out.append(ch)
            i += 1
    return "".join(out).strip().rstrip(";").strip()


def mask(sql: str) -> str:
    """Same length, with the inside of quoted strings blanked, so keyword searches skip literals."""
    return re.sub(r"'(?:[^']|'')*'", lambda m: "'" + "_" * (len(m.group()) - 2) + "'", sql)


def closing(sql: str, open_at: int) -> int:
    """Index of the parenthesis closing the one at ``open_at`` (quotes respected)."""
    masked = mask(sql)
    depth = 0
    for i in range(open_at, len(masked)):
        if masked[i] == "(":
            depth += 1
        elif masked[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    raise QueryFailed("SYNTAX_ERROR", "line 1:1: unbalanced parentheses")


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside quotes, (), [] and <>."""
    masked = mask(text)
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(masked):
        if ch in "(<[":
            depth += 1
        elif ch in ")>]":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    if text[start:].strip():
        parts.append(text[start:].strip())
    return parts


def unquote(token: str) -> str:
    token = token.strip()
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "'\"`":
        inner = token[1:-1]
        return inner.replace("''", "'") if token[0] == "'" else inner
    return token


def properties(text: str, sep: str = "=") -> dict[str, str]:
    """``'a'='1', 'b'='2'`` -> {"a": "1", "b": "2"}."""
    found = {}
    for item in split_top(text):
        key, _, value = item.partition(sep)
        found[unquote(key).strip()] = unquote(value.strip())
    return found


def string_after(sql: str, pattern: str) -> str | None:
    """The quoted string right after a keyword pattern, e.g. ``LOCATION\\s+``."""
    match = re.search(pattern + r"\s*('(?:[^']|'')*')", mask(sql), re.IGNORECASE)
    if not match:
        return None
    return unquote(sql[match.start(1) : match.end(1)])


def paren_after(sql: str, pattern: str) -> tuple[str, int, int] | None:
    """Text inside the parentheses right after a keyword pattern, with its span."""
    match = re.search(pattern + r"\s*\(", mask(sql), re.IGNORECASE)
    if not match:
        return None
    start = match.end() - 1
    end = closing(sql, start)
    return sql[start + 1 : end], match.start(), end + 1


def bind_parameters(query: str, parameters: list[str] | None) -> str:
    """Replace each ``?`` outside quotes with the next ExecutionParameters value (SQL literal text)."""
    if not parameters:
        return query
    masked, out, used = mask(query), [], 0
    for original, visible in zip(query, masked, strict=True):
        if visible == "?" and used < len(parameters):
            out.append(parameters[used])
            used += 1
        else:
            out.append(original)
    return "".join(out)
