"""Generated objects are put several at a time, each whole, in the order given."""

from __future__ import annotations

from local.sources.s3_puts import WORKERS, put_objects
from pipelines.settings import SETTINGS


def test_every_object_is_put_with_its_bytes_and_the_keys_come_back_in_order(local_aws):
    s3 = local_aws.client("s3")
    objects = [(f"s3-puts/{n:03d}-{'z' if n % 2 else 'a'}", f"body {n}".encode() * n) for n in range(5 * WORKERS + 3)]
    assert put_objects(s3, SETTINGS.raw_bucket, iter(objects)) == [key for key, _ in objects]
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=SETTINGS.raw_bucket, Prefix="s3-puts/")
    stored = {o["Key"]: o["Size"] for page in pages for o in page["Contents"]}
    assert stored == {key: len(body) for key, body in objects}
    assert s3.get_object(Bucket=SETTINGS.raw_bucket, Key=objects[7][0])["Body"].read() == objects[7][1]
