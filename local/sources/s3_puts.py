"""Putting many generated objects into S3 the way a producer does: several requests in flight.

S3 takes parallel PUTs, and the local AWS answers a write only once it is saved: one snapshot
then serves every PUT waiting for it, where one PUT after another would each wait for its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import Any

WORKERS = 8  # within botocore's default pool of 10 connections per client


def _chunks(items: Iterable[tuple[str, bytes]], size: int) -> Iterator[list[tuple[str, bytes]]]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def put_objects(s3: Any, bucket: str, objects: Iterable[tuple[str, bytes]]) -> list[str]:
    """Put each (key, body) into ``bucket``, ``WORKERS`` at a time and a few chunks of bodies in
    memory at most; return the keys in the order given."""
    keys: list[str] = []
    with ThreadPoolExecutor(WORKERS, thread_name_prefix="s3-put") as pool:
        for chunk in _chunks(objects, 4 * WORKERS):
            list(pool.map(lambda item: s3.put_object(Bucket=bucket, Key=item[0], Body=item[1]), chunk))
            keys += [key for key, _ in chunk]
    return keys
