"""Local Firehose delivery into S3: buffering, Firehose's key layout, Kinesis streams as source.

Installed by ``local.aws.engines.firehose_delivery``; ``delivery.DeliveryService`` does the work.
"""
