"""What Hive tables look like in the Glue catalog, shared by every service that writes or reads
them (Athena, the crawler): column types (``types``) and storage formats (``formats``)."""
