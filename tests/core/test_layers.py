"""Imports flow one way (STYLE.md): the foundation never imports a feature, and analysis code
never imports the web framework.

Every module under consult/ is parsed with ``ast`` (not imported: an import inside a function
counts too) and each of its imports is placed in a layer by the table below. A module imports
only the layers ALLOWED lists for its own: core labels a key without importing the outcomes, an
export writer runs without Flask from the CLI or a test.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "consult"

#: The layers, lowest first, by module prefix (the longest prefix that matches decides).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "foundation",
        (
            "consult.core",
            "consult.db",
            "consult.config",
            "consult.i18n",
            "consult.security",
            "consult.extensions",
            "consult.geography",
            "consult.storage",
            "consult.schema",
            "consult.ratelimits",
        ),
    ),
    # The questionnaire definitions are where the data flow starts (definitions -> forms ->
    # responses -> ...) and stand on the foundation alone: the foundation may read them (a
    # question's wording, the landing page's list), nothing else of the questionnaires' feature.
    (
        "definitions",
        (
            "consult.questionnaires.definition",
            "consult.questionnaires.parsing",
            "consult.questionnaires.registry",
            "consult.questionnaires.models",
        ),
    ),
    (
        "features",
        (
            "consult.questionnaires",
            "consult.contributions",
            "consult.staff",
            "consult.outcomes",
            "consult.exports",
            "consult.analysis",
            "consult.campaign",
            "consult.mail",
        ),
    ),
    # create_app, the CLI, the server, the model index and what works on every table (backups)
    # bring every feature together.
    (
        "application",
        (
            "consult",
            "consult.cli",
            "consult.models",
            "consult.serving",
            "consult.maintenance",
            "consult.i18n_tools",
        ),
    ),
)
#: Which layers each layer may import (features may import each other; their own loops are
#: another matter).
ALLOWED = {
    "foundation": {"foundation", "definitions"},
    "definitions": {"foundation", "definitions"},
    "features": {"foundation", "definitions", "features"},
    "application": {"foundation", "definitions", "features", "application"},
}

#: The web framework and its request-bound extensions (flask_babel translates outside a request
#: too, with force_locale, so the outcomes' texts may use it).
WEB = ("flask", "flask_login", "flask_wtf", "werkzeug")
#: Analysis code: takes data frames or query results, runs the same from the CLI, a view or a
#: test. The prefix, what it may not import, and its modules that are the web side.
FLASK_FREE: tuple[tuple[str, tuple[str, ...], frozenset[str]], ...] = (
    ("consult.exports", (*WEB, "flask_babel"), frozenset()),
    ("consult.analysis", (*WEB, "flask_babel"), frozenset()),
    (
        "consult.outcomes",
        WEB,
        frozenset(
            {
                # views and their blueprints
                "consult.outcomes.blueprints",
                "consult.outcomes.views",
                "consult.outcomes.deck_views",
                "consult.outcomes.public_views",
                "consult.outcomes.snapshot_views",
                "consult.outcomes.publication_views",
                "consult.outcomes.workbench_tools",
                "consult.outcomes.workbench_views",
                "consult.outcomes.quote_bank_views",
                # reads a request's filter arguments for those views, and words them
                "consult.outcomes.filter_reading",
                "consult.outcomes.filter_words",
                # the deck's publishing rule answers with a page and links (url_for)
                "consult.outcomes.deck_guard",
                # the publish and withdraw forms' version and refusal page (url_for, a page)
                "consult.outcomes.publication_versions",
                # the CLI, and what runs beside the app: the PDF printer, the page refresher
                "consult.outcomes.cli",
                "consult.outcomes.deck_pdf",
                "consult.outcomes.page_refresh",
            }
        ),
    ),
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return name in MODULES and MODULES[name].name == "__init__.py"


@cache
def imports_of(name: str) -> frozenset[str]:
    """Return every module ``name`` imports, anywhere in its source (functions included)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"), str(MODULES[name]))
    package = name if _is_package(name) else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # "from consult.outcomes import operations" imports a module.
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return frozenset(found)


def layer_of(module: str) -> str | None:
    """Return the layer of a consult module (None outside consult)."""
    best: tuple[int, str] | None = None
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            matches = module == prefix or module.startswith(prefix + ".")
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), layer)
    return best[1] if best else None


def upward_imports(module: str) -> list[str]:
    """Return the imports of ``module`` that reach a layer its own may not import."""
    allowed = ALLOWED[layer_of(module)]
    return sorted(
        f"{target} ({layer_of(target)})"
        for target in imports_of(module)
        if layer_of(target) and layer_of(target) not in allowed
    )


def web_imports(module: str) -> list[str]:
    """Return the imports of the web framework by an analysis module (or of its web side)."""
    for prefix, forbidden, web_side in FLASK_FREE:
        if not module.startswith(prefix + ".") or module in web_side:
            continue
        return sorted(
            target
            for target in imports_of(module)
            if target.split(".")[0] in forbidden or target in web_side
        )
    return []


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        ("consult.core.key_labels", "foundation"),
        ("consult.core", "foundation"),
        ("consult.db", "foundation"),
        ("consult.i18n", "foundation"),
        ("consult.i18n_tools", "application"),
        ("consult.questionnaires.registry", "definitions"),
        ("consult.questionnaires.parsing", "definitions"),
        ("consult.questionnaires.views", "features"),
        ("consult.questionnaires.blueprint", "features"),
        ("consult.questionnaires.wording", "features"),
        ("consult.questionnaires.browser", "features"),
        ("consult.questionnaires.start_views", "features"),
        ("consult.questionnaires.link_views", "features"),
        ("consult.questionnaires.page_fields", "features"),
        ("consult.questionnaires.page_views", "features"),
        ("consult.questionnaires.review_views", "features"),
        ("consult.outcomes.summary", "features"),
        ("consult.exports.codebook", "features"),
        ("consult.exports.columns", "features"),
        ("consult.outcomes.figure_rows", "features"),
        ("consult.contributions.blueprint", "features"),
        ("consult.contributions.choices", "features"),
        ("consult.contributions.author_views", "features"),
        ("consult.contributions.listing_views", "features"),
        ("consult.contributions.detail_views", "features"),
        ("consult.campaign.blueprint", "features"),
        ("consult.campaign.pledge_form", "features"),
        ("consult.campaign.join_views", "features"),
        ("consult.campaign.pledge_views", "features"),
        ("consult.exports.writers", "features"),
        ("consult.models", "application"),
        ("consult", "application"),
        ("flask", None),
    ],
)
def test_the_table_places_each_module(module, layer):
    assert layer_of(module) == layer


def test_the_table_of_directions_covers_every_layer():
    assert set(ALLOWED) == {name for name, _prefixes in LAYERS}


def test_every_module_has_a_layer():
    """A new top-level module or package is placed in the table, not left outside the rule."""
    assert [name for name in MODULES if layer_of(name) is None] == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_flow_one_way(module):
    assert upward_imports(module) == []


@pytest.mark.parametrize("module", sorted(MODULES))
def test_analysis_code_never_imports_the_web_framework(module):
    assert web_imports(module) == []


def test_the_listed_web_side_exists():
    """A view renamed or split leaves no stale name in the allowed list."""
    for _prefix, _forbidden, web_side in FLASK_FREE:
        assert sorted(web_side - set(MODULES)) == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        # what the test catches, on made-up sources
        ("consult.core.x", "from consult.outcomes.distribution import A", ["upward"]),
        ("consult.core.x", "def f():\n    import consult.staff.access", ["upward"]),
        ("consult.core.x", "from consult.questionnaires.registry import q", []),
        ("consult.core.x", "from consult.questionnaires.operations import q", ["upward"]),
        ("consult.db", "from consult import models", ["upward"]),
        ("consult.questionnaires.registry", "from consult.staff import access", ["upward"]),
        ("consult.outcomes.x", "from consult.models import Base", ["upward"]),
        ("consult.outcomes.x", "from consult.core.vocabulary import YES", []),
        ("consult.outcomes.x", "from flask import g", ["web"]),
        ("consult.outcomes.x", "from flask_babel import gettext", []),
        ("consult.outcomes.x", "from consult.outcomes import blueprints", ["web"]),
        ("consult.outcomes.deck_views", "from flask import g", []),
        ("consult.exports.x", "from flask_babel import gettext", ["web"]),
        ("consult.exports.x", "from . import writers", []),
        ("consult.core.x", "from ..outcomes import summary", ["upward"]),
    ],
)
def test_the_rule_on_sources(monkeypatch, tmp_path, module, source, expected):
    path = tmp_path / "x.py"
    path.write_text(source)
    monkeypatch.setitem(MODULES, module, path)
    imports_of.cache_clear()
    try:
        found = (["upward"] if upward_imports(module) else []) + (
            ["web"] if web_imports(module) else []
        )
    finally:
        imports_of.cache_clear()
    assert found == expected
