"""Bulk import of listings from XLSX or CSV."""

from flask import Blueprint

bp = Blueprint("imports", __name__)
