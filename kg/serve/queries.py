"""Saved queries (`queries/*.rq`) at /queries. (Filled in by the serving issue.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("queries", __name__, template_folder="templates")
