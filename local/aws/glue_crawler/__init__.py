"""A local Glue crawler: lists S3 targets, infers schemas and partitions, writes moto's Glue catalog.

``crawl`` does one crawl; ``runs`` runs it in a worker thread with the crawler's states;
``moto_api`` holds the GlueBackend/FakeCrawler methods the engine installs.
"""
