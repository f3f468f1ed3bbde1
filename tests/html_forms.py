"""The values a browser sends for a form as a page drew it: for tests that post a page's own
form back (a stale page, a double submit), hidden inputs included."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormValues(HTMLParser):
    def __init__(self, *, action: str | None, css_class: str | None) -> None:
        super().__init__()
        self.action, self.css_class = action, css_class
        self.values: dict[str, str] | None = None  # the first matching form's
        self._in_form = False
        self._select: str | None = None
        self._textarea: str | None = None

    def _matches(self, attrs: dict) -> bool:
        if self.action is not None and attrs.get("action") != self.action:
            return False
        return self.css_class is None or self.css_class in (attrs.get("class") or "").split()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_form = self.values is None and self._matches(attrs)
            if self._in_form:
                self.values = {}
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind not in ("checkbox", "radio") or "checked" in attrs:
                self.values[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            # The selected option, else the first one.
            if "selected" in attrs or self._select not in self.values:
                self.values[self._select] = attrs.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._in_form and self._textarea:
            self.values[self._textarea] += data.removeprefix("\n")


def form_values(
    html: str, *, action: str | None = None, css_class: str | None = None, **changes
) -> dict[str, str]:
    """The first form of `html` with this `action` and/or CSS class, as a browser would send
    it, with `changes` typed in. Fails if the page has no such form."""
    parser = _FormValues(action=action, css_class=css_class)
    parser.feed(html)
    assert parser.values is not None, f"no form with action={action!r} class={css_class!r}"
    return {**parser.values, **changes}
