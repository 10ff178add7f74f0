"""A job run's private view of S3 as files, and pushing what the job changed back into S3.

Before the run every bucket is synced into the shared mirror (``ctx.s3``, cached by ETag) and
hard-linked into ``<run>/s3/<bucket>/<key>``, which the Spark file system serves as
``s3://bucket/key``. A private folder keeps other engines' syncs of the mirror from touching
Spark's files mid-job, and links make it cheap. After the run the folder is compared with what
was linked: new or rewritten files are put into S3, vanished ones are deleted from S3.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from local.aws.s3.files import S3Files

log = logging.getLogger(__name__)

# Spark's staging folders; a run that fails mid-write leaves them behind, S3 must not get them.
STAGING_PARTS = ("_temporary", ".spark-staging")


@dataclass(frozen=True)
class _Linked:
    etag: str
    inode: int
    mtime_ns: int
    size: int


@dataclass
class Changes:
    put: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class S3Workspace:
    def __init__(self, s3: S3Files, root: Path) -> None:
        self.s3 = s3
        self.root = root
        self._linked: dict[tuple[str, str], _Linked] = {}

    def prepare(self) -> int:
        """Link the current content of every bucket into the workspace; return how many objects."""
        self.root.mkdir(parents=True, exist_ok=True)
        for name in list(self.s3.backend.buckets):
            (self.root / name).mkdir(exist_ok=True)
            self.s3.sync_bucket(name)
            for obj in self.s3.list(name):
                source = self.s3.local_path(name, obj.key)
                target = self.root / name / obj.key
                try:
                    target.parent.mkdir(parents=True, exist_ok=True)
                    _link_or_copy(source, target)
                except OSError as err:  # e.g. both "a" and "a/b" exist as keys: no file system holds both
                    log.warning("s3://%s/%s is not visible to the job: %s", name, obj.key, err)
                    continue
                st = target.stat()
                self._linked[(name, obj.key)] = _Linked(obj.etag, st.st_ino, st.st_mtime_ns, st.st_size)
        return len(self._linked)

    def push_changes(self) -> Changes:
        """Put new and rewritten files into S3 and delete the objects whose files the job removed."""
        changes = Changes()
        present: set[tuple[str, str]] = set()
        buckets = self.s3.backend.buckets
        for bucket_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            bucket = bucket_dir.name
            if bucket not in buckets:
                written = [p for p in bucket_dir.rglob("*") if p.is_file()]
                if written:  # Spark wrote to a bucket that does not exist: S3 would have refused
                    changes.errors.append(f"NoSuchBucket: the job wrote to s3://{bucket}/, which does not exist")
                continue
            for path in sorted(p for p in bucket_dir.rglob("*") if p.is_file()):
                key = path.relative_to(bucket_dir).as_posix()
                if _is_spark_internal(key):
                    continue
                present.add((bucket, key))
                st = path.stat()
                before = self._linked.get((bucket, key))
                if before and (before.inode, before.mtime_ns, before.size) == (st.st_ino, st.st_mtime_ns, st.st_size):
                    continue
                self.s3.put_file(bucket, key, path)
                changes.put.append(f"s3://{bucket}/{key}")
        current: dict[str, dict[str, str]] = {}
        for (bucket, key), before in self._linked.items():
            if (bucket, key) in present:
                continue
            if bucket not in current:
                current[bucket] = {o.key: o.etag for o in self.s3.list(bucket)}
            # Only delete what the job saw: an object rewritten meanwhile by someone else stays.
            if current[bucket].get(key) == before.etag:
                self.s3.backend.delete_object(bucket, key)
                changes.deleted.append(f"s3://{bucket}/{key}")
        return changes

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _is_spark_internal(key: str) -> bool:
    parts = key.split("/")
    if any(part.startswith(STAGING_PARTS) for part in parts[:-1]):
        return True
    name = parts[-1]
    return (name.startswith(".") and name.endswith(".crc")) or name.startswith(STAGING_PARTS)
