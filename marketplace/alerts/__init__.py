"""Following listings and saved searches with e-mail digests of new matching listings."""
