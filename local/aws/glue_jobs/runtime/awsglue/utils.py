"""Job arguments as Glue passes them: ``--NAME value`` pairs after the script name."""

from __future__ import annotations


class GlueArgumentError(Exception):
    pass


def _pairs(args: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--"):
            name, eq, value = arg[2:].partition("=")
            if eq:
                found[name] = value
            elif i + 1 < len(args) and not args[i + 1].startswith("--"):
                found[name] = args[i + 1]
                i += 1
            else:
                found[name] = ""
        i += 1
    return found


def getResolvedOptions(args: list[str], options: list[str]) -> dict[str, str]:
    """The values of ``options`` (names without ``--``); missing ones raise as Glue does.

    Like Glue, the run identifiers (``JOB_ID``, ``JOB_RUN_ID``, ``job_bookmark_option``, ``TempDir``)
    are included when the run passed them.
    """
    pairs = _pairs(list(args[1:]))
    missing = [name for name in options if name not in pairs]
    if missing:
        raise GlueArgumentError("the following arguments are required: " + ", ".join(f"--{n}" for n in missing))
    resolved = {name: pairs[name] for name in options}
    for extra, source in (
        ("JOB_ID", "JOB_ID"),
        ("JOB_RUN_ID", "JOB_RUN_ID"),
        ("job_bookmark_option", "job-bookmark-option"),
        ("TempDir", "TempDir"),
    ):
        if source in pairs:
            resolved.setdefault(extra, pairs[source])
    return resolved
