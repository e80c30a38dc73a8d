"""The home page and a page for every entity IRI. (Filled in by the serving issue.)"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("pages", __name__, template_folder="templates")
