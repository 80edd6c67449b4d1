"""Bulk import of listings from XLSX or CSV: upload, reading in a child process, validation, jobs, pages."""
