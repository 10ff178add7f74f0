"""Serve the local AWS: ``python -m local.aws [--port 4566] [--data-dir DIR] [--no-state] [--pace aws]``."""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path

from local.aws.pace import PACES
from local.aws.server import LocalAWS
from pipelines.settings import load


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m local.aws", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--data-dir", type=Path, default=Path(".local/aws"))
    parser.add_argument(
        "--no-state", action="store_true", help="keep no state across restarts (answers writes without a snapshot)"
    )
    parser.add_argument(
        "--pace",
        choices=PACES,
        default=load().local_pace,
        help="aws: every engine takes at least as long as AWS takes (local/aws/pace.py); "
        "default: PIPELINES_LOCAL_PACE, else instant",
    )
    args = parser.parse_args(argv)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with LocalAWS(
        port=args.port, host=args.host, data_dir=args.data_dir, keep_state=not args.no_state, pace=args.pace
    ) as aws:
        print(f"local AWS ready at {aws.endpoint_url} (data in {aws.data_dir}, pace {args.pace})", flush=True)
        stop.wait()
    print("local AWS stopped", flush=True)


if __name__ == "__main__":
    main()
