"""Vendored front-end files at /assets: the Yasgui build that `make setup` installs with npm ci.

Yasgui is pinned in `package-lock.json`; `make setup` copies its build out of `node_modules/`
into the package (`kg/serve/yasgui/`), which the wheel ships, so an installed scholarkg serves
it without Node.js and never from another site: the pages' Content-Security-Policy allows our
own origin only, and nothing may be fetched at run time. Without the copy the files answer with
a 404 that says how to install them, and `/sparql` shows the same advice instead of the editor.
"""

from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, current_app, send_from_directory, url_for

from kg.config import YASGUI_DIR

bp = Blueprint("assets", __name__)

__all__ = ["DIRECTORY_CONFIG", "YASGUI_DIR", "bp"]
#: app config key that points at another Yasgui build folder (tests, deployments)
DIRECTORY_CONFIG = "KG_YASGUI_DIR"
NOT_INSTALLED = ("Yasgui is not installed here: run `make setup` (npm ci, then a copy into "
                 "kg/serve/yasgui/)")
#: the URL carries the version, so a browser may keep a file until Yasgui is upgraded
MAX_AGE_SECONDS = 24 * 3600


def _directory() -> Path:
    return Path(current_app.config.get(DIRECTORY_CONFIG, YASGUI_DIR))


def _version(directory: Path) -> str | None:
    """The installed Yasgui's version from its package.json; None when it is not installed.

    Read on every call (a stat and a small file, twice per /sparql page) so that a `make setup`
    run while the server is up takes effect without a restart.
    """
    if not (directory / "yasgui.min.js").is_file():
        return None
    try:
        return str(json.loads((directory.parent / "package.json").read_text("utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return "unknown"


@bp.app_template_global()
def yasgui_asset(filename: str) -> str | None:
    """The URL of a Yasgui build file for templates; None when Yasgui is not installed."""
    version = _version(_directory())
    if version is None:
        return None
    return url_for("assets.yasgui", filename=filename, v=version)


@bp.get("/assets/yasgui/<path:filename>")
def yasgui(filename: str) -> Response:
    """One file of the Yasgui build; `send_from_directory` refuses paths that leave it."""
    directory = _directory()
    if _version(directory) is None:
        return Response(NOT_INSTALLED + "\n", status=404, mimetype="text/plain")
    return send_from_directory(directory, filename, max_age=MAX_AGE_SECONDS)


@bp.get("/favicon.ico")
def favicon() -> Response:
    """No icon, said plainly: browsers ask for one on every site, and a 404 here would be an
    error in every page's console."""
    return Response(status=204, headers={"Cache-Control": f"public, max-age={MAX_AGE_SECONDS}"})
