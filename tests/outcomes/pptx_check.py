"""What PowerPoint is known to refuse or "repair" in a PPTX, checked on the package itself.

PowerPoint cannot run here, and LibreOffice (tests/outcomes/test_deck_libreoffice.py) opens
files PowerPoint repairs. So the package is checked for the faults that make PowerPoint say
"PowerPoint found a problem with content": a part without a content type, a relationship to a
missing part, XML that does not parse or holds characters XML 1.0 forbids, two shapes of one
slide (or notes page) sharing an id, slide ids out of range or repeated, a slide size out of
PowerPoint's range; and, for the deck's own promise, a shape outside its slide.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from lxml import etree

NS = {
    "p": "http://schemas.openxmlformats.org/presentationml/2006/main",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "ct": "http://schemas.openxmlformats.org/package/2006/content-types",
    "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
}
#: Characters XML 1.0 does not allow, even escaped.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: The parts PowerPoint reads by their content type, which a generic XML type does not give.
PART_TYPES = (
    (r"ppt/presentation\.xml", "presentationml.presentation.main+xml"),
    (r"ppt/slides/slide\d+\.xml", "presentationml.slide+xml"),
    (r"ppt/notesSlides/notesSlide\d+\.xml", "presentationml.notesSlide+xml"),
    (r"ppt/slideLayouts/slideLayout\d+\.xml", "presentationml.slideLayout+xml"),
    (r"ppt/slideMasters/slideMaster\d+\.xml", "presentationml.slideMaster+xml"),
    (r"ppt/notesMasters/notesMaster\d+\.xml", "presentationml.notesMaster+xml"),
    (r"ppt/theme/theme\d+\.xml", "theme+xml"),
)
#: PowerPoint's slide sizes: 1 to 56 inches, in EMU.
SIZE_RANGE = (914400, 51206400)


def _content_types(package: zipfile.ZipFile) -> tuple[dict[str, str], dict[str, str]]:
    root = etree.fromstring(package.read("[Content_Types].xml"))
    defaults = {
        d.get("Extension").lower(): d.get("ContentType") for d in root.findall("ct:Default", NS)
    }
    overrides = {o.get("PartName"): o.get("ContentType") for o in root.findall("ct:Override", NS)}
    return defaults, overrides


def _target(rels_name: str, target: str) -> str:
    """The part a relationship of ``rels_name`` points at (a name inside the package)."""
    if target.startswith("/"):
        return target[1:]
    folder = posixpath.dirname(posixpath.dirname(rels_name))
    return posixpath.normpath(posixpath.join(folder, target))


def pptx_problems(body: bytes) -> list[str]:
    """Every fault of the PPTX ``body`` that PowerPoint refuses or repairs (empty when none)."""
    problems: list[str] = []
    package = zipfile.ZipFile(io.BytesIO(body))
    names = set(package.namelist())
    if "[Content_Types].xml" not in names:
        return ["no [Content_Types].xml"]
    defaults, overrides = _content_types(package)
    for name in sorted(names):
        if name.endswith("/") or name == "[Content_Types].xml":
            continue
        extension = name.rsplit(".", 1)[-1].lower()
        content_type = overrides.get(f"/{name}") or defaults.get(extension)
        if content_type is None:
            problems.append(f"{name}: no content type")
            continue
        for pattern, wanted in PART_TYPES:
            if re.fullmatch(pattern, name) and not content_type.endswith(wanted):
                problems.append(f"{name}: no content type of its kind ({content_type})")
    for part in overrides:
        if part[1:] not in names:
            problems.append(f"{part}: content type for a missing part")
    trees = {}
    for name in sorted(n for n in names if n.endswith((".xml", ".rels"))):
        text = package.read(name).decode("utf-8")
        if FORBIDDEN.search(text):
            problems.append(f"{name}: a character XML 1.0 forbids")
        try:
            trees[name] = etree.fromstring(text.encode("utf-8"))
        except etree.XMLSyntaxError as error:
            problems.append(f"{name}: XML does not parse ({error})")
    for name, tree in trees.items():
        if not name.endswith(".rels"):
            continue
        for relationship in tree.findall("rel:Relationship", NS):
            if relationship.get("TargetMode") == "External":
                continue
            if _target(name, relationship.get("Target")) not in names:
                problems.append(f"{name}: {relationship.get('Target')} is missing")
    presentation = trees.get("ppt/presentation.xml")
    if presentation is None:
        return [*problems, "no ppt/presentation.xml"]
    size = presentation.find("p:sldSz", NS)
    width, height = int(size.get("cx")), int(size.get("cy"))
    for value in (width, height):
        if not SIZE_RANGE[0] <= value <= SIZE_RANGE[1]:
            problems.append(f"slide size {value} EMU is out of PowerPoint's range")
    ids = [int(s.get("id")) for s in presentation.iterfind("p:sldIdLst/p:sldId", NS)]
    if len(set(ids)) != len(ids) or any(not 256 <= i < 2147483648 for i in ids):
        problems.append(f"slide ids repeated or out of range: {ids}")
    for name, tree in trees.items():
        if not re.fullmatch(r"ppt/(slides/slide|notesSlides/notesSlide)\d+\.xml", name):
            continue
        shape_ids = [int(e.get("id")) for e in tree.iter(f"{{{NS['p']}}}cNvPr")]
        repeated = sorted({i for i in shape_ids if shape_ids.count(i) > 1})
        if repeated:
            problems.append(f"{name}: shape ids used twice: {repeated}")
        if not name.startswith("ppt/slides/"):
            continue
        for offset in tree.iter(f"{{{NS['a']}}}off"):
            extent = offset.getnext()
            if extent is None or not extent.tag.endswith("ext"):
                continue
            x, y = int(offset.get("x")), int(offset.get("y"))
            right, bottom = x + int(extent.get("cx")), y + int(extent.get("cy"))
            if x < 0 or y < 0 or right > width or bottom > height:
                problems.append(f"{name}: a shape at {x},{y} to {right},{bottom} leaves the slide")
    return problems
