"""Technology needs (技术需求) posted by companies, proposals of listings, and explained matching."""
