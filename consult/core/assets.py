"""Static assets under content-hashed names, cached for a year by browsers and proxies.

``url_for('static', filename='css/consult.css')`` gives ``/static/css/consult.3f2a9c1e0b.css``:
the name changes whenever the file's content does, so a page can tell browsers to keep the
file for a year without asking again ("immutable"). A respondent on a slow mobile network then
pays the round trips for the assets once, not on every page.

A request for a name whose hash is not the current one (a page rendered by an older release,
during a rolling upgrade) gets today's file, but only cached briefly; so does a request for a
plain name. Templates keep calling ``url_for('static', ...)``: the hashing happens in a URL
default, so a new template cannot forget it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from flask import Flask, Response

#: How long a hashed asset may be kept: a year, and browsers need not revalidate it.
IMMUTABLE = "public, max-age=31536000, immutable"
#: A plain or outdated name: kept briefly, so a fixed file reaches everyone within minutes.
SHORT = "public, max-age=300"
#: The hash in a name: ``<stem>.<10 hex digits>.<extension>``.
_HASHED_NAME_RE = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<suffix>\.[^./]+)$")
DIGEST_LENGTH = 10


def content_digest(path: Path) -> str:
    """Return the first hex digits of the SHA-256 of the file at ``path``."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:DIGEST_LENGTH]


def build_manifest(folder: Path) -> dict[str, str]:
    """Return every file under ``folder`` (POSIX relative name) -> its content digest."""
    if not folder.is_dir():
        return {}
    return {
        path.relative_to(folder).as_posix(): content_digest(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def hashed_name(filename: str, digest: str) -> str:
    """Return ``css/consult.css`` as ``css/consult.<digest>.css``."""
    head, dot, suffix = filename.rpartition(".")
    if not dot or "/" in suffix:
        return f"{filename}.{digest}"
    return f"{head}.{digest}.{suffix}"


def split_hashed_name(filename: str) -> tuple[str, str | None]:
    """Return (the file's plain name, the digest in the requested name or None)."""
    match = _HASHED_NAME_RE.match(filename)
    if match is None:
        return filename, None
    return match["stem"] + match["suffix"], match["digest"]


def init_app(app: Flask) -> None:
    """Hash the names of static files in every URL built, and serve them with long caching."""
    if app.static_folder is None:
        return
    manifest = build_manifest(Path(app.static_folder))
    app.extensions["consult.assets"] = manifest
    plain_view = app.view_functions["static"]

    @app.url_defaults
    def hash_static_names(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint != "static":
            return
        filename = values.get("filename")
        digest = manifest.get(filename) if isinstance(filename, str) else None
        if digest is not None:
            values["filename"] = hashed_name(filename, digest)

    def static(filename: str) -> Response:
        """Serve a static file by its hashed or plain name."""
        plain, digest = split_hashed_name(filename)
        if plain not in manifest:
            plain, digest = filename, None  # a real file whose name merely looks hashed
        response = plain_view(filename=plain)
        current = digest is not None and manifest.get(plain) == digest
        response.headers["Cache-Control"] = IMMUTABLE if current else SHORT
        return response

    app.view_functions["static"] = static
