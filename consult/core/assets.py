"""Static assets under content-hashed names, cached for a year by browsers and proxies.

``url_for('static', filename='css/consult.css')`` gives ``/static/css/consult.3f2a9c1e0b.css``:
the name changes whenever the file's content does, so a page can tell browsers to keep the
file for a year without asking again ("immutable"). A respondent on a slow mobile network then
pays the round trips for the assets once, not on every page. Templates keep calling
``url_for('static', ...)``: the hashing happens in a URL default, so a new template cannot
forget it.

A stylesheet's own references (``url(../img/x.svg)``, ``@import "base.css"``) are rewritten to
the hashed names when the app starts, and the stylesheet's hash covers them: a changed image
gives its stylesheets new names too, and nothing a hashed stylesheet loads is fetched by a
name that may be cached briefly.

During a rolling upgrade, hosts of two releases answer the same pages. A name whose hash is
not this host's (a page of the other release) gets this host's file, never a 404 (an unstyled
page is worse than a slightly older style), but with ``no-cache``: the browser keeps nothing
under a name that means other content. A plain name gets the file, cached for five minutes.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, request

#: How long a hashed asset may be kept: a year, and browsers need not revalidate it.
IMMUTABLE = "public, max-age=31536000, immutable"
#: A plain name: kept briefly, so a fixed file reaches everyone within minutes.
SHORT = "public, max-age=300"
#: A hash that is not this host's (the other release, in a rolling upgrade): ask every time.
OTHER_RELEASE = "no-cache"
#: The hash in a name: ``<stem>.<10 hex digits>.<extension>``.
_HASHED_NAME_RE = re.compile(r"^(?P<stem>.+)\.(?P<digest>[0-9a-f]{10})(?P<suffix>\.[^./]+)$")
DIGEST_LENGTH = 10
#: A stylesheet's references to other files: ``url(...)`` (quoted or not) and ``@import "..."``.
CSS_REFERENCE_RE = re.compile(
    r"""(?P<open>url\(\s*(?P<q1>['"]?))(?P<url>[^'")\s]+)(?P=q1)\s*\)"""
    r"""|(?P<import>@import\s+(?P<q2>['"]))(?P<url2>[^'"]+)(?P=q2)"""
)
#: Not a reference to a file: inline data, a fragment of the same document, another site.
_NOT_A_FILE = ("data:", "#", "http:", "https:", "//")


@dataclass
class Assets:
    """The static folder as served: each file's digest, and the rewritten stylesheets."""

    #: POSIX name relative to the static folder -> digest of the content served.
    digests: dict[str, str] = field(default_factory=dict)
    #: Stylesheets whose references were rewritten -> the bytes served for them.
    bodies: dict[str, bytes] = field(default_factory=dict)


def content_digest(path: Path) -> str:
    """Return the first hex digits of the SHA-256 of the file at ``path``."""
    return _digest(path.read_bytes())


def _digest(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()[:DIGEST_LENGTH]


def css_references(css: str) -> list[str]:
    """Return a stylesheet's references to files, as written (only relative ones are rewritten)."""
    found = []
    for match in CSS_REFERENCE_RE.finditer(css):
        url = match["url"] or match["url2"]
        if not url.startswith(_NOT_A_FILE):
            found.append(url)
    return found


def resolve_reference(stylesheet: str, url: str) -> str:
    """Return the static name ``url`` points to from ``stylesheet`` (query and fragment cut)."""
    path = re.split(r"[?#]", url, maxsplit=1)[0]
    return posixpath.normpath(posixpath.join(posixpath.dirname(stylesheet), path))


def build_assets(folder: Path) -> Assets:
    """Digest every file under ``folder``, rewriting the stylesheets' references first."""
    assets = Assets()
    if not folder.is_dir():
        return assets
    names = {
        path.relative_to(folder).as_posix(): path
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
    for name, path in names.items():
        if not name.endswith(".css"):
            assets.digests[name] = content_digest(path)
    in_progress: set[str] = set()

    def digest_of_stylesheet(name: str) -> str:
        if name in assets.digests:
            return assets.digests[name]
        if name in in_progress:  # an @import loop: refer to it by its plain name
            raise _Cycle
        in_progress.add(name)
        css = names[name].read_bytes().decode("utf-8")

        def hashed(match: re.Match[str]) -> str:
            url = match["url"] or match["url2"]
            target = resolve_reference(name, url)
            if url.startswith((*_NOT_A_FILE, "/")) or target not in names:
                return match[0]
            try:
                digest = assets.digests.get(target) or digest_of_stylesheet(target)
            except _Cycle:
                return match[0]
            path, sep, rest = ([*re.split(r"([?#])", url, maxsplit=1), "", ""])[:3]
            return match[0].replace(url, hashed_name(path, digest) + sep + rest, 1)

        rewritten = CSS_REFERENCE_RE.sub(hashed, css).encode("utf-8")
        in_progress.discard(name)
        if rewritten != names[name].read_bytes():
            assets.bodies[name] = rewritten
        assets.digests[name] = _digest(rewritten)
        return assets.digests[name]

    for name in names:
        if name.endswith(".css"):
            digest_of_stylesheet(name)
    return assets


class _Cycle(Exception):
    """Two stylesheets import each other."""


def build_manifest(folder: Path) -> dict[str, str]:
    """Return every file under ``folder`` (POSIX relative name) -> its content digest."""
    return build_assets(folder).digests


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


def cache_control(assets: Assets, plain: str, digest: str | None) -> str:
    """Return how long the file ``plain``, asked for with ``digest`` in its name, may be kept."""
    if digest is None:
        return SHORT
    return IMMUTABLE if assets.digests.get(plain) == digest else OTHER_RELEASE


def init_app(app: Flask) -> None:
    """Hash the names of static files in every URL built, and serve them with long caching."""
    if app.static_folder is None:
        return
    assets = build_assets(Path(app.static_folder))
    manifest = assets.digests
    app.extensions["consult.assets"] = manifest
    app.extensions["consult.assets.served"] = assets
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
        if plain in assets.bodies:
            response = Response(assets.bodies[plain], mimetype="text/css")
            response.set_etag(manifest[plain])
            response.make_conditional(request)
        else:
            response = plain_view(filename=plain)
        response.headers["Cache-Control"] = cache_control(assets, plain, digest)
        return response

    app.view_functions["static"] = static
