"""Expressions of interest, their private threads, NDAs and confidential files, and the pipeline."""
