"""Local Firehose delivery into S3: buffering, Firehose's key layout, Kinesis streams as source.

Installed by ``adapter``; ``delivery.DeliveryService`` does the work.
"""
