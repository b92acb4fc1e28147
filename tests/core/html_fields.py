"""What a page's forms promise about their fields, read from the HTML as a browser reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urlsplit

#: Attributes of a field that limit what a browser lets a person send.
LIMIT_ATTRIBUTES = ("maxlength", "minlength", "required", "min", "max", "pattern")
#: Limits a page states for its script (the questionnaire's counters and hints): a text area
#: that stops at its limit would cut a paste, so the questionnaire says it instead.
STATED = {"data-maxlength": "maxlength", "data-max-choices": "max-choices"}
#: Input types whose value a browser checks (besides the attributes above).
CHECKED_TYPES = {"email", "url", "number", "date"}


@dataclass
class Field:
    """One control of a form: its name, type, value as drawn, and its limits."""

    name: str
    kind: str
    value: str = ""
    attributes: dict[str, str] = field(default_factory=dict)
    options: list[str] = field(default_factory=list)
    checked: bool = False

    def limits(self) -> dict[str, str]:
        """The limits the page states for this field (attribute -> value)."""
        found = {k: self.attributes[k] for k in LIMIT_ATTRIBUTES if k in self.attributes}
        found.update(
            {name: self.attributes[k] for k, name in STATED.items() if k in self.attributes}
        )
        if self.kind in CHECKED_TYPES:
            found["type"] = self.kind
        if self.kind == "select":
            found["options"] = " ".join(self.options)
        return found


@dataclass
class Form:
    """A form: where it posts, and its controls (those outside it with form= included)."""

    action: str
    method: str
    form_id: str | None
    fields: list[Field] = field(default_factory=list)

    def data(self) -> dict[str, list[str]]:
        """What a browser sends when the form is submitted as drawn (no button pressed)."""
        sent: dict[str, list[str]] = {}
        for each in self.fields:
            if each.kind in ("submit", "button", "file", "reset", "image"):
                continue
            if each.kind in ("radio", "checkbox") and not each.checked:
                continue
            sent.setdefault(each.name, []).append(each.value)
        return sent


class PageForms(HTMLParser):
    """Every form of a page, each with its controls and their limits."""

    def __init__(self, html: str, page: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.page = urlsplit(page).path
        self.forms: list[Form] = []
        self._by_id: dict[str, Form] = {}
        self._loose: list[tuple[str, Field]] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._textarea: Field | None = None
        #: The limit of choices of the fieldset being read (on each of its checkboxes).
        self._fieldsets: list[str | None] = []
        #: The condition of the question being read (data-when-question=value), and its depth.
        self._when: tuple[str, str] | None = None
        self._depth = 0
        self._when_depth = -1
        self.feed(html)
        for owner, control in self._loose:
            if owner in self._by_id:
                self._by_id[owner].fields.append(control)

    def _add(self, a: dict[str, str], control: Field) -> None:
        if a.get("form"):
            self._loose.append((a["form"], control))
        elif self._form is not None:
            self._form.fields.append(control)

    def handle_starttag(self, tag, attrs):
        a = {k: unescape(v or "") for k, v in attrs}
        if tag == "div":
            self._depth += 1
            if a.get("data-when-question"):
                self._when = (a["data-when-question"], a.get("data-when-value", ""))
                self._when_depth = self._depth
        if tag in ("input", "textarea", "select") and self._when:
            a["data-when"] = "=".join(self._when)  # the field applies only when this holds
        if tag == "fieldset":
            self._fieldsets.append(a.get("data-max-choices"))
        elif tag == "form":
            action = urlsplit(a.get("action", "")).path or self.page
            self._form = Form(action, a.get("method", "get").lower(), a.get("id"))
            self.forms.append(self._form)
            if a.get("id"):
                self._by_id[a["id"]] = self._form
        elif tag in ("input", "button") and a.get("name"):
            kind = a.get("type", "text" if tag == "input" else "submit")
            if kind == "checkbox" and self._fieldsets and self._fieldsets[-1]:
                a["data-max-choices"] = self._fieldsets[-1]
            control = Field(a["name"], kind, a.get("value", ""), a, checked="checked" in a)
            self._add(a, control)
        elif tag == "textarea" and a.get("name"):
            self._textarea = Field(a["name"], "textarea", "", a)
            self._add(a, self._textarea)
        elif tag == "select" and a.get("name"):
            self._select = Field(a["name"], "select", "", a)
            self._add(a, self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")  # every option of the site has a value
            self._select.options.append(value)
            if len(self._select.options) == 1 or "selected" in a:
                self._select.value = value

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "div":
            if self._depth == self._when_depth:
                self._when, self._when_depth = None, -1
            self._depth -= 1
        if tag == "fieldset" and self._fieldsets:
            self._fieldsets.pop()
        elif tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            if self._textarea is not None and self._textarea.value.startswith("\n"):
                self._textarea.value = self._textarea.value[1:]  # the parser's first newline
            self._textarea = None

    def posting(self) -> list[Form]:
        """The forms that post."""
        return [form for form in self.forms if form.method == "post"]
