"""What a contact's description becomes when it is sent: Dex keeps rich text (HTML paragraphs).

Live Dex contacts hold their description as HTML (`<p>…</p>`), and plain newlines sent to Dex may run
together. So every line of the description the importer built (notes, "Connected on LinkedIn: …", the line
naming the records merged) is sent as one paragraph, its `&`, `<` and `>` escaped: a note saying
`<script>` or `Smith & Sons` shows as written. A line that already is Dex's rich text (Dex's own export
holds its descriptions so) is kept as rich text, cleaned by nh3 down to the inline tags Dex's editor writes,
instead of being escaped a second time. `--description-format text` sends the lines as plain text.

>>> to_html("Met at PyCon\\nLikes <b>bold</b> & tea")
'<p>Met at PyCon</p><p>Likes &lt;b&gt;bold&lt;/b&gt; &amp; tea</p>'
>>> to_html("<p>From <strong>Dex</strong></p><p>two</p>")
'<p>From <strong>Dex</strong></p><p>two</p>'
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from typing import Any

FORMATS = ("html", "text")
"""The values of --description-format: html (the default, as Dex keeps it) or text."""

# The tags of Dex's rich-text descriptions as they come back from Dex; anything else is dropped by nh3.
_KEPT_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "s", "code", "a", "ul", "ol", "li", "blockquote"}
_ALREADY_RICH = re.compile(r"\s*<p(\s[^>]*)?>.*</p>\s*", re.IGNORECASE | re.DOTALL)


def to_html(text: str) -> str:
    """Returns `text` as Dex's rich text: one `<p>` per line (an empty line an empty paragraph), `&`, `<`
    and `>` escaped; a line that is already paragraphs of rich text is kept, cleaned."""
    paragraphs = []
    for line in text.splitlines():
        if _ALREADY_RICH.fullmatch(line):
            paragraphs.append(_clean(line.strip()))
        else:
            paragraphs.append(f"<p>{html.escape(line, quote=False)}</p>")
    return "".join(paragraphs)


def _clean(rich: str) -> str:
    import nh3

    return str(nh3.clean(rich, tags=_KEPT_TAGS, attributes={"a": {"href"}},
                         url_schemes={"http", "https", "mailto"}, link_rel=None))


def as_sent(contact: Mapping[str, Any], description_format: str = "html") -> dict[str, Any]:
    """Returns the contact as Dex is sent it: its description as rich text unless `description_format` is
    "text" (the other fields as they are; `contact` is not changed)."""
    sent = dict(contact)
    description = sent.get("description")
    if description_format == "html" and isinstance(description, str) and description:
        sent["description"] = to_html(description)
    return sent


def sent_text(text: str, description_format: str = "html") -> str:
    """Returns a contact's JSON text as Dex is sent it (see `as_sent`): the text itself when there is no
    description to turn into rich text, so that a contact encoded once is not decoded again for nothing."""
    if description_format != "html" or '"description"' not in text:
        return text
    return json.dumps(as_sent(json.loads(text), description_format), ensure_ascii=False)
