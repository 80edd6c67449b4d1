"""A labelled evaluation set for the need → listing matching (see ``harness.py``)."""
