"""Runs a Glue job script the way Glue starts it: ``python glue_job_launcher.py SCRIPT --JOB_NAME n ...``.

The script sees ``sys.argv = [SCRIPT, args...]`` and runs as ``__main__``. When it raises, the
traceback goes to stderr (the run's error log) and the exception's line to the file named by
``GLUE_LOCAL_ERROR_FILE``, which becomes the run's ErrorMessage.
"""

from __future__ import annotations

import os
import runpy
import sys
import traceback

MAX_MESSAGE = 2048


def error_line(exc: BaseException) -> str:
    """``Type: message`` with a JVM stack trace cut off, as Glue's ErrorMessage reads."""
    kept = []
    for line in str(exc).strip().splitlines():
        if line.strip().startswith("at ") or line.startswith("\t"):
            break
        if line.strip():
            kept.append(line.strip())
    message = " ".join(kept)
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text[:MAX_MESSAGE]


def _record_error(text: str) -> None:
    path = os.environ.get("GLUE_LOCAL_ERROR_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)


def _stop_spark() -> None:
    """Stop Spark and wait for its JVM to exit (it may be writing the class archive: see jvm_cache)."""
    if "pyspark" not in sys.modules:
        return
    from pyspark import SparkContext

    if SparkContext._active_spark_context is not None:
        SparkContext._active_spark_context.stop()
    jvm = getattr(SparkContext._gateway, "proc", None)
    if jvm is not None:
        jvm.stdin.close()  # the gateway JVM exits when its stdin closes
        jvm.wait(timeout=120)


def main() -> int:
    script = sys.argv[1]
    sys.argv = [script, *sys.argv[2:]]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    try:
        runpy.run_path(script, run_name="__main__")
    except SystemExit as exc:
        if exc.code not in (None, 0):
            _record_error(f"SystemExit: {exc.code}")
            return exc.code if isinstance(exc.code, int) else 1
    except BaseException as exc:
        traceback.print_exc()
        _record_error(error_line(exc))
        return 1
    finally:
        try:
            _stop_spark()
        except Exception:  # the job's outcome is already decided
            traceback.print_exc()
    return 0


if __name__ == "__main__":
    sys.exit(main())
