"""Web hits pipeline (spec section 3): ``tables`` (names, SQL params, the Glue job's config),
``checks`` (an hour's attempts checked against the job's report before they are published)."""
