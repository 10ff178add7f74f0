"""Object keys as Firehose names them in S3.

Default layout: ``<Prefix>YYYY/MM/DD/HH/<stream>-<version>-YYYY-MM-DD-HH-MM-SS-<uuid>`` from the
arrival time of the oldest record in the object. The prefix is used as written (no slash is
added). A prefix with ``!{timestamp:...}`` / ``!{firehose:random-string}`` expressions replaces
the default ``YYYY/MM/DD/HH/`` part, as Firehose's custom prefixes do.
"""

from __future__ import annotations

import re
import secrets
import string
import uuid
from datetime import datetime, tzinfo

EXPRESSION = re.compile(r"!\{([^}:]*):([^}]*)\}")
# Java DateTimeFormatter letters Firehose users write, as strftime directives (by run length).
DATE_LETTERS = {
    "y": {4: "%Y", 2: "%y"},
    "M": {2: "%m"},
    "d": {2: "%d"},
    "H": {2: "%H"},
    "m": {2: "%M"},
    "s": {2: "%S"},
}
RANDOM_ALPHABET = string.ascii_letters + string.digits


class UnsupportedPrefix(ValueError):
    pass


def validate_prefix(prefix: str) -> None:
    """Raise ``UnsupportedPrefix`` for expressions this local Firehose cannot evaluate."""
    for namespace, argument in EXPRESSION.findall(prefix):
        if namespace == "timestamp":
            _strftime_pattern(argument)
        elif namespace == "firehose" and argument == "random-string":
            continue
        else:
            raise UnsupportedPrefix(f"prefix expression !{{{namespace}:{argument}}} is not supported locally")


def object_key(prefix: str, stream_name: str, version: str, arrival: datetime, zone: tzinfo, extension: str) -> str:
    local = arrival.astimezone(zone)
    if EXPRESSION.search(prefix):
        folder = EXPRESSION.sub(lambda m: _evaluate(m.group(1), m.group(2), local), prefix)
    else:
        folder = f"{prefix}{local:%Y/%m/%d/%H}/"
    return f"{folder}{stream_name}-{version}-{local:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}{extension}"


def _evaluate(namespace: str, argument: str, local: datetime) -> str:
    if namespace == "timestamp":
        return local.strftime(_strftime_pattern(argument))
    return "".join(secrets.choice(RANDOM_ALPHABET) for _ in range(11))


def _strftime_pattern(java_pattern: str) -> str:
    """``yyyy/MM/dd`` -> ``%Y/%m/%d``; quoted text is literal, as in Java's DateTimeFormatter."""
    out = []
    i = 0
    while i < len(java_pattern):
        char = java_pattern[i]
        if char == "'":
            end = java_pattern.find("'", i + 1)
            if end < 0:
                raise UnsupportedPrefix(f"unterminated quote in timestamp pattern {java_pattern!r}")
            out.append(java_pattern[i + 1 : end].replace("%", "%%"))
            i = end + 1
            continue
        run = len(java_pattern) - i - len(java_pattern[i:].lstrip(char))
        if char.isalpha():
            directive = DATE_LETTERS.get(char, {}).get(run)
            if directive is None:
                raise UnsupportedPrefix(
                    f"timestamp pattern {char * run!r} in {java_pattern!r} is not supported locally"
                )
            out.append(directive)
        else:
            out.append((char * run).replace("%", "%%"))
        i += run
    return "".join(out)
