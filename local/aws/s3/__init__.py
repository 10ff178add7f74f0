"""S3: moto's API; objects mirrored as local files for the engines (``files``); atomic
conditional writes (``adapter``)."""
