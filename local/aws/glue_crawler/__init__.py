"""A local Glue crawler: lists S3 targets, infers schemas and partitions, writes moto's Glue catalog.

``crawl`` does one crawl; ``runs`` runs it in a worker thread with the crawler's states;
``adapter`` puts StartCrawler & co. on moto's Glue classes.
"""
