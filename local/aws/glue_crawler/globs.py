"""Crawler exclusion patterns: the glob dialect Glue documents for S3 target ``Exclusions``.

``*`` matches within one path segment, ``**`` across segments, ``?`` one character of a
segment, ``[a-z]`` / ``[!a-z]`` a character class, ``{a,b}`` either sub-pattern and ``\\``
escapes the next character. Patterns are matched against the object key relative to the
target's path; a pattern that matches a folder (e.g. ``archive`` or ``2024/01``) excludes
everything below it.
"""

from __future__ import annotations

import re


def glob_to_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    in_group = False
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        if ch == "*":
            if pattern.startswith("**", i):
                out.append(".*")
                i += 2
                continue
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(ch))
            else:
                body = pattern[i + 1 : end]
                negate = body.startswith("!")
                body = body[1:] if negate else body
                out.append(("[^" if negate else "[") + body.replace("\\", "\\\\") + "]")
                i = end + 1
                continue
        elif ch == "{" and not in_group:
            in_group = True
            out.append("(?:")
        elif ch == "}" and in_group:
            in_group = False
            out.append(")")
        elif ch == "," and in_group:
            out.append("|")
        else:
            out.append(re.escape(ch))
        i += 1
    if in_group:
        raise ValueError(f"unclosed '{{' in exclusion pattern {pattern!r}")
    return re.compile("".join(out))


class Exclusions:
    def __init__(self, patterns: list[str] | None) -> None:
        self._regexes = [glob_to_regex(p) for p in patterns or []]

    def excludes(self, relative_key: str) -> bool:
        """True when the key, or one of the folders it sits in, matches a pattern."""
        if not self._regexes:
            return False
        parts = relative_key.split("/")
        candidates = [relative_key] + ["/".join(parts[:n]) for n in range(1, len(parts))]
        return any(rx.fullmatch(c) for rx in self._regexes for c in candidates)
