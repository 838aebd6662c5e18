"""Read an HTML form the way a browser would submit it, for view tests that post real forms."""

import html as html_text
import re
from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.fields = []
        self._select = None
        self._textarea = None
        self._text = []
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("class", "").find("admin-form") >= 0:
            self._in_form = True
        if not self._in_form:
            return
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("submit", "button", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.fields.append((name, attrs.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.fields.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = name
            self._text = []

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)


def form_values(html: str) -> dict:
    """The admin form's fields and the values a browser would send unchanged."""
    reader = _FormReader()
    reader.feed(html)
    values = {}
    for name, value in reader.fields:
        values.setdefault(name, value)
    return values


def confirmation(response) -> dict:
    """The confirmation page's hidden fields, where it posts, and its case rows."""
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    form = re.search(r'<form method="post" action="([^"]*)">(.*?)</form>', page, re.S)
    assert form, "no confirmation form on the page"
    fields = [
        (html_text.unescape(name), html_text.unescape(value))
        for name, value in re.findall(
            r'<input type="hidden" name="([^"]*)" value="([^"]*)">', form.group(2)
        )
    ]
    confirm = re.search(r'name="_retiming_confirmed" value="(\d+)"', form.group(2))
    found = re.search(r'<table[^>]*id="retimed-cases".*?</table>', page, re.S)
    table = found.group(0) if found else ""
    rows = [
        [html_text.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in cells]
        for cells in (
            re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
        )
        if cells
    ]
    return {
        "page": page,
        "action": html_text.unescape(form.group(1)),
        "fields": fields,
        "confirmed": confirm.group(1),
        "rows": rows,
    }


def press(client, shown, button, value):
    data = {}
    for name, field_value in shown["fields"]:
        data.setdefault(name, []).append(field_value)
    data[button] = value
    return client.post(shown["action"], data=data, follow_redirects=True)
