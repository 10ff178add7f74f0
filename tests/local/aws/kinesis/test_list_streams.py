"""ListStreams pages as Kinesis does (at most 100 streams, a NextToken while there are more), so
botocore's paginator lists every stream."""

from __future__ import annotations

import uuid

import pytest
from botocore.exceptions import ClientError


def test_the_paginator_lists_every_stream_a_page_at_a_time(local_aws):
    kinesis = local_aws.client("kinesis")
    prefix = f"paged-{uuid.uuid4().hex[:6]}"
    names = [f"{prefix}-{n:02d}" for n in range(12)]
    for name in names:
        kinesis.create_stream(StreamName=name, ShardCount=1)

    pages = list(kinesis.get_paginator("list_streams").paginate(PaginationConfig={"PageSize": 5}))
    listed = [name for page in pages for name in page["StreamNames"] if name.startswith(prefix)]
    assert listed == names
    assert all(len(page["StreamNames"]) <= 5 for page in pages)
    assert [page["HasMoreStreams"] for page in pages] == [True] * (len(pages) - 1) + [False]
    assert all(  # each page's summaries are its own streams'
        [s["StreamName"] for s in page["StreamSummaries"]] == page["StreamNames"] for page in pages
    )
    first = kinesis.list_streams(Limit=500)  # more than the most: 100
    assert len(first["StreamNames"]) <= 100
    after = kinesis.list_streams(ExclusiveStartStreamName=names[9])
    assert [n for n in after["StreamNames"] if n.startswith(prefix)] == names[10:]


def test_a_next_token_that_is_not_one_is_refused(local_aws):
    with pytest.raises(ClientError) as refused:
        local_aws.client("kinesis").list_streams(NextToken="%%%")
    assert refused.value.response["Error"]["Code"] == "InvalidArgumentException"
