"""Traffic batch pipeline (spec section 1): ``tables`` (names, SQL params), ``crawler`` (the raw
crawler's config), ``checks`` (a processed day's check before it is published)."""
