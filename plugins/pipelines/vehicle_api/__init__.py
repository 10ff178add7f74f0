"""Vehicle API pipeline (spec section 2): API client, S3 layout, page batching, downloader Lambda packaging.

``contract``, ``layout`` and ``client`` depend only on the standard library and ``requests``:
they are also packaged into the downloader Lambda (see ``deploy/lambda_package.py``).
"""
