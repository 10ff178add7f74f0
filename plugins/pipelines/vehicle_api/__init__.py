"""Vehicle API pipeline (spec section 2): contract, S3 layout, page batching, manifests, checks.

``contract`` and ``layout`` depend only on the standard library: they are also packaged into the
downloader Lambda (see ``deploy/lambda_package.py``), whose API client lives with its handler.
"""
