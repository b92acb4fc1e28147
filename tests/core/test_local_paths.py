"""Every "next" or "back" value a request carries goes through one check before the app
redirects to it or writes it into a form: consult.core.links.safe_local_path."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from consult.core.links import MAX_LOCAL_PATH, safe_local_path

DEFAULT = "/staff/"
HOSTILE = [
    "",
    None,
    42,
    "//evil.example",
    "///evil.example",
    "\\\\evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "https://evil.example/",
    "HTTPS://evil.example/staff/",
    "http:/evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%2F%2Fevil.example",
    "/%2F%2Fevil.example",
    "/%2f%2fevil.example",
    "/%252F%252Fevil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "/\t/evil.example",
    "\t//evil.example",
    "/\r\n//evil.example",
    "/staff/\nLocation: https://evil.example",
    "/staff/%0d%0aLocation:%20https://evil.example",
    "/staff/%00",
    " //evil.example",
    "/ /evil.example",
    "/.//evil.example",
    "/./evil.example",
    "/staff/../..//evil.example",
    "/%2e%2e/%2e%2e//evil.example",
    "/staff/%2e%2e/users",
    "/\uff0e\uff0e/evil.example",  # full-width dots
    "\uff0f\uff0fevil.example",  # full-width solidus
    "/\uff0fevil.example",
    "/\u200b/evil.example",  # zero width space
    "/\u202e/elpmaxe.live",  # right-to-left override
    "/\u00a0/evil.example",  # no-break space
    "/staff/" + "a" * MAX_LOCAL_PATH,
    "evil.example",
    "staff/",
    "?next=//evil.example",
    "#//evil.example",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_a_hostile_value_gives_the_default(value):
    assert safe_local_path(value, DEFAULT) == DEFAULT


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("/staff/", "/staff/"),
        ("/staff/responses?page=2&q=a%20b", "/staff/responses?page=2&q=a%20b"),
        ("/staff/moderation?state=pending#item-3", "/staff/moderation?state=pending#item-3"),
        ("/staff/search?q=http://example.org", "/staff/search?q=http://example.org"),
        ("/r/abc/s/profile", "/r/abc/s/profile"),
        ("/staff/search?q=café", "/staff/search?q=caf%C3%A9"),
        # A look-alike slash that NFKC keeps goes out percent-encoded: a path, never a host.
        ("/\u2215evil.example", "/%E2%88%95evil.example"),
    ],
)
def test_a_path_on_this_site_is_kept(value, expected):
    assert safe_local_path(value, DEFAULT) == expected


@pytest.mark.parametrize(
    ("value", "prefix", "kept"),
    [
        ("/staff/moderation", "/staff/moderation", True),
        ("/staff/moderation?state=hidden", "/staff/moderation", True),
        ("/staff/moderation/replies", "/staff/moderation", True),
        ("/staff/moderationevil", "/staff/moderation", False),
        ("/staff/users", "/staff/moderation", False),
        ("/staff/outcomes/quotes?x=1", "/staff/outcomes", True),
        ("/r/tok/s/profile", "/r/tok/", True),
        ("/r/other/s/profile", "/r/tok/", False),
        ("/r/tok/../other/s/profile", "/r/tok/", False),
    ],
)
def test_the_allowed_prefix_is_a_whole_segment(value, prefix, kept):
    assert (safe_local_path(value, DEFAULT, prefix) == value) is kept


# -- the code: no redirect takes a request's value without the check ------------------------------

ROOT = Path(__file__).resolve().parents[2] / "consult"
#: Keys a request may carry to say where to go next.
#: Calls whose result is a path on this site whatever their arguments.
#: (page_of_form: safe_local_path's result, or a page above it, or its default.)
SAFE_CALLS = {"safe_local_path", "page_of_form", "url_for"}
WHERE_TO = {"next", "back", "return", "return_to", "redirect", "redirect_to", "url", "came_from"}
#: Redirects whose target the walk cannot prove local, read and found built on the server.
REVIEWED = {
    # the status path this browser's own signed session recorded when the form was sent
    "contributions/author_views.py:new",
    # _back_to(): safe_local_path within this response's pages; the query is one of two fixed
    # arguments (link_box.outcome_arg of whether the message was queued)
    "mail/views.py:email_link",
    # leave_url(): one of a fixed set of endpoints, through url_for
    "core/leaving.py:leave_or_stay",
    # navigation.page_target / review_way_out (url_for) and request.path (this very page)
    "questionnaires/page_views.py:page",
    "questionnaires/review_views.py:review",
}


def _mentions_request(node: ast.AST, tainted: set[str]) -> bool:
    """True if ``node`` reads the request (or a form's data) outside safe_local_path(...)."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in SAFE_CALLS:
        return False
    if isinstance(node, ast.Name) and (node.id == "request" or node.id in tainted):
        return True
    if isinstance(node, ast.Attribute) and node.attr == "data":
        return True  # a WTForms field's value is the request's value
    return any(_mentions_request(child, tainted) for child in ast.iter_child_nodes(node))


def _reads_where_to(node: ast.Call) -> bool:
    """``request.args/form/values.get("next")`` or ``[...]`` with one of the WHERE_TO keys."""
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "get"
        and isinstance(func.value, ast.Attribute)
        and func.value.attr in ("args", "form", "values")
        and getattr(func.value.value, "id", None) == "request"
        and bool(node.args)
        and isinstance(node.args[0], ast.Constant)
        and node.args[0].value in WHERE_TO
    )


def _offences(tree: ast.AST) -> list[str]:
    found = []
    parents = {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}
    for function in (n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)):
        tainted: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Assign) and _mentions_request(node.value, tainted):
                tainted.update(t.id for t in node.targets if isinstance(t, ast.Name))
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            if getattr(node.func, "id", None) == "redirect" and node.args:
                if _mentions_request(node.args[0], tainted):
                    found.append(f"{function.name}:{node.lineno}")
            elif _reads_where_to(node):
                parent = parents.get(node)
                checked = isinstance(parent, ast.Call) and getattr(parent.func, "id", None) == (
                    "safe_local_path"
                )
                if not checked and not isinstance(parent, ast.Compare):
                    found.append(f"{function.name}:{node.lineno} {node.args[0].value}")
    return found


def test_no_view_redirects_to_a_request_value_without_the_check():
    sources = {path: path.read_text(encoding="utf-8") for path in sorted(ROOT.rglob("*.py"))}
    offences = [
        f"{path.relative_to(ROOT).as_posix()}:{offence}"
        for path, text in sources.items()
        if "request" in text
        for offence in _offences(ast.parse(text))
    ]
    where = {offence.rpartition(":")[0].partition(" ")[0] for offence in offences}
    assert [o for o in offences if o.rpartition(":")[0] not in REVIEWED] == []
    assert where == REVIEWED  # a reviewed redirect that no longer exists leaves the list


@pytest.mark.parametrize(
    "source",
    [
        "def v():\n    return redirect(request.args.get('next'))",
        "def v():\n    t = request.form.get('next') or ''\n    return redirect(t)",
        "def v():\n    return redirect(f\"{request.form['back']}?x=1\")",
        "def v():\n    return redirect(form.next.data)",
        "def v():\n    back = _check(request.form.get('back'))\n    return back",
    ],
)
def test_the_walk_catches_each_way_round_the_check(source):
    assert _offences(ast.parse(source)) != []


def test_the_walk_accepts_the_check():
    source = (
        "def v():\n    t = safe_local_path(request.form.get('next'), '/')\n    return redirect(t)"
    )
    assert _offences(ast.parse(source)) == []


@pytest.mark.parametrize(
    ("value", "page"),
    [
        ("/staff/moderation/34/response", "/staff/moderation/34"),  # post-only: its form's page
        ("/staff/logout", "/staff"),  # post-only, the workspace above it
        ("/staff/dashboard?tab=1", "/staff/dashboard?tab=1"),  # a page: as it is
        ("//evil.example/staff", "/fallback"),  # not local: never followed
        ("/nowhere/at/all", "/fallback"),  # nothing above it answers GET
        ("", "/fallback"),
    ],
)
def test_page_of_form_never_names_a_post_only_address(app, value, page):
    from consult.core.links import page_of_form

    with app.test_request_context():
        assert page_of_form(value, "/fallback") == page
