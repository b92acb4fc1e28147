"""French typography of every French text the project ships: a no-break space (U+00A0) before
":" ";" "?" "!" and "»", and after "«", so that a line never breaks before the punctuation.

The checker and the fixer share one rule (``problems``), read the same sources (``sources``) and
are kept out of the app: the texts are data, fixed once and guarded by
tests/test_french_typography.py. Fix every source in place (idempotent; only the French texts
change, byte for byte elsewhere, no reordering):

    PYTHONPATH=. .venv/bin/python -m tests.french_typography --fix

Without ``--fix`` it lists what it would change. French text sources: the French msgstr of every
catalog (never msgid, never the header), the ``fr`` texts of the YAML data (questionnaires,
Charter, demo sentences) and, read only, the French literals of the Python code (``fr`` keys of
dict literals and the French argument of ``_label(en, fr, es)``), which are fixed by hand.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
NBSP = "\u00a0"

#: Punctuation French sets off with a no-break space before it.
_BEFORE = ":;?!»"
#: Spaces that are not U+00A0, before the punctuation (a line may break at them, or, for
#: U+202F, a second convention the project does not use).
_PLAIN_BEFORE = re.compile(rf"[^\S{NBSP}]+(?=[{_BEFORE}])")
_PLAIN_AFTER_GUILLEMET = re.compile(rf"(?<=«)[^\S{NBSP}]+")
#: Punctuation glued to the word before it, where the text goes on after it as prose: followed by
#: a space, the end, a closing quote or bracket or a tag. "https://", "12:15", "?lang=fr", "?!",
#: "%(a)s:%(b)s" are not followed that way, so they are left alone.
_MISSING_BEFORE = re.compile(r"(?<=[\w)\]}\"'”’])(?=[:;?!](?:$|[\s<\"'”’)\]»]))")
_MISSING_BEFORE_CLOSING = re.compile(rf"(?<=[^\s{NBSP}])(?=»)")
_MISSING_AFTER_OPENING = re.compile(rf"(?<=«)(?=[^\s{NBSP}])")
#: An HTML character reference ends in ";" with no space: "&amp;", "&#160;".
_ENTITY = re.compile(r"&(?:\w+|#\d+|#x[0-9a-fA-F]+);")


@dataclass(frozen=True)
class Problem:
    """One place where French typography wants a no-break space: ``text[start:end]`` (empty for
    a missing space) becomes ``NBSP``."""

    start: int
    end: int

    def describe(self, text: str) -> str:
        """The place in context, spaces shown as their code points."""
        around = text[max(0, self.start - 20) : self.end + 20]
        return around.replace(" ", "␣").replace(NBSP, "⍽").replace("\u202f", "⌴")


def problems(text: str) -> list[Problem]:
    """Every place in a French text where a plain or missing space should be U+00A0."""
    entities = [m.span() for m in _ENTITY.finditer(text)]
    found = {(m.start(), m.end()) for m in _PLAIN_BEFORE.finditer(text) if m.start() > 0}
    found |= {(m.start(), m.end()) for m in _PLAIN_AFTER_GUILLEMET.finditer(text)}
    for pattern in (_MISSING_BEFORE, _MISSING_BEFORE_CLOSING, _MISSING_AFTER_OPENING):
        for m in pattern.finditer(text):
            if not any(start < m.start() < end for start, end in entities):
                found.add((m.start(), m.start()))
    return [Problem(start, end) for start, end in sorted(found)]


def fix(text: str) -> str:
    """The text with every problem replaced by (or given) one no-break space."""
    for problem in reversed(problems(text)):
        text = text[: problem.start] + NBSP + text[problem.end :]
    return text


# --- Sources --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FrenchText:
    """One French text and where it comes from (for messages)."""

    where: str
    text: str


def catalog_files() -> list[Path]:
    """Every French catalog of the app."""
    return sorted((ROOT / "consult").rglob("translations/fr/LC_MESSAGES/messages.po"))


def yaml_files() -> list[Path]:
    """Every YAML data file whose ``fr`` keys hold French texts."""
    return sorted((ROOT / "questionnaires").glob("*.yaml")) + sorted(
        (ROOT / "consult").rglob("*.yaml")
    )


def python_files() -> list[Path]:
    """The app's Python sources (read for French literals)."""
    return sorted((ROOT / "consult").rglob("*.py"))


_STRING_LINE = re.compile(r'^(?P<head>(?:msgstr(?:\[\d+\])?\s+)?)"(?P<body>.*)"\s*$')
_ESCAPE = re.compile(r"\\.|.", re.DOTALL)
_UNESCAPE = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class _PoString:
    """One msgstr as the lines it spans: each line's escaped units, one per character."""

    first_line: int
    units: list[list[str]]  # per line, the raw (escaped) text of each character

    def text(self) -> str:
        return "".join(
            _UNESCAPE.get(unit[1], unit[1]) if len(unit) == 2 else unit
            for line in self.units
            for unit in line
        )


def _po_strings(lines: list[str]) -> Iterator[_PoString]:
    """Every msgstr of a catalog but the header's, with the lines it spans."""
    header_id = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("msgid "):
            header_id = line.strip() == 'msgid ""' and not (
                i + 1 < len(lines) and lines[i + 1].startswith('"')
            )
        if line.startswith("msgstr") and not header_id:
            string = _PoString(i, [])
            j = i
            while j < len(lines) and (j == i or lines[j].startswith('"')):
                body = _STRING_LINE.match(lines[j].rstrip("\n"))["body"]
                string.units.append(_ESCAPE.findall(body))
                j += 1
            yield string
            i = j
            continue
        i += 1


def _fix_po_string(string: _PoString, lines: list[str]) -> None:
    """Rewrite the lines of one msgstr with its fixed text, each change in the line it was in."""
    flat = [(n, k) for n, line in enumerate(string.units) for k in range(len(line))]
    for problem in reversed(problems(string.text())):
        if problem.start == len(flat):  # a space missing at the very end
            n, k = flat[-1]
            string.units[n][k] += NBSP
            continue
        n, k = flat[problem.start]
        if problem.start == problem.end:
            string.units[n][k] = NBSP + string.units[n][k]
        else:
            string.units[n][k] = NBSP
            for n2, k2 in flat[problem.start + 1 : problem.end]:
                string.units[n2][k2] = ""
    for offset, units in enumerate(string.units):
        number = string.first_line + offset
        match = _STRING_LINE.match(lines[number].rstrip("\n"))
        lines[number] = f'{match["head"]}"{"".join(units)}"\n'


def catalog_texts(path: Path) -> Iterator[FrenchText]:
    """The French msgstr texts of one catalog."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for string in _po_strings(lines):
        yield FrenchText(f"{path.relative_to(ROOT)}:{string.first_line + 1}", string.text())


def fix_catalog(path: Path) -> int:
    """Fix the French msgstr texts of one catalog in place; the number of texts changed."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    changed = 0
    for string in list(_po_strings(lines)):
        if problems(string.text()):
            _fix_po_string(string, lines)
            changed += 1
    path.write_text("".join(lines), encoding="utf-8")
    return changed


def _yaml_french_nodes(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    """The scalar nodes under an ``fr`` key, anywhere in a composed YAML document."""
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == "fr":
                yield from _yaml_values(value)
            else:
                yield from _yaml_french_nodes(value)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _yaml_french_nodes(item)


def _yaml_values(node: yaml.Node) -> Iterator[yaml.ScalarNode]:
    """Every scalar value (not key) of a node, at any depth: all of it is French under ``fr``
    (the demo contributions nest lists of sentences by article there)."""
    if isinstance(node, yaml.ScalarNode):
        yield node
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            yield from _yaml_values(item)
    elif isinstance(node, yaml.MappingNode):
        for _key, value in node.value:
            yield from _yaml_values(value)


def yaml_texts(path: Path) -> Iterator[FrenchText]:
    """The French texts of one YAML file."""
    document = yaml.compose(path.read_text(encoding="utf-8"))
    for node in _yaml_french_nodes(document) if document else ():
        yield FrenchText(f"{path.relative_to(ROOT)}:{node.start_mark.line + 1}", node.value)


def fix_yaml(path: Path) -> int:
    """Fix the French texts of one YAML file in its raw text (a space folded from a line break
    becomes the no-break space too), then check that each text now reads as fixed."""
    raw = path.read_text(encoding="utf-8")
    document = yaml.compose(raw)
    nodes = [n for n in _yaml_french_nodes(document) if problems(n.value)] if document else []
    for node in sorted(nodes, key=lambda n: n.start_mark.index, reverse=True):
        start, end = node.start_mark.index, node.end_mark.index
        raw = raw[:start] + fix(raw[start:end]) + raw[end:]
    before = [fix(t.text) for t in yaml_texts(path)]
    path.write_text(raw, encoding="utf-8")
    after = [t.text for t in yaml_texts(path)]
    if before != after:
        raise SystemExit(f"{path}: a French text did not come out as fixed; fix it by hand")
    return len(nodes)


def python_texts(path: Path) -> Iterator[FrenchText]:
    """French literals of one Python module: ``{"fr": "..."}`` values and the second argument
    of ``_label(en, fr, es)``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    where = path.relative_to(ROOT)
    for node in ast.walk(tree):
        french = []
        if isinstance(node, ast.Dict):
            pairs = zip(node.keys, node.values, strict=True)
            french = [v for k, v in pairs if _constant(k) == "fr"]
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "_label":
            french = node.args[1:2] + [k.value for k in node.keywords if k.arg == "fr"]
        for value in french:
            if isinstance(_constant(value), str):
                yield FrenchText(f"{where}:{value.lineno}", value.value)


def _constant(node: ast.AST | None) -> object:
    return node.value if isinstance(node, ast.Constant) else None


def sources() -> Iterator[FrenchText]:
    """Every French text the project ships."""
    for path in catalog_files():
        yield from catalog_texts(path)
    for path in yaml_files():
        yield from yaml_texts(path)
    for path in python_files():
        yield from python_texts(path)


def main(argv: list[str]) -> int:
    """List the texts to fix, or (``--fix``) fix catalogs and YAML in place."""
    if "--fix" in argv:
        for path in catalog_files():
            print(f"{path.relative_to(ROOT)}: {fix_catalog(path)} texts fixed")
        for path in yaml_files():
            print(f"{path.relative_to(ROOT)}: {fix_yaml(path)} texts fixed")
    left = [t for t in sources() if problems(t.text)]
    for text in left:
        print(text.where, " | ".join(p.describe(text.text) for p in problems(text.text)))
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
