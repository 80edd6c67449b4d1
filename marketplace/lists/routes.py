"""Published lists: assembling, publishing versions, public pages and exports."""

from flask import Blueprint

bp = Blueprint("lists", __name__)
