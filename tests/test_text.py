"""Text from data stays text: the escaping helpers, rendered by real parsers.

HTML is parsed with the standard library's parser, Markdown with
markdown-it-py (a CommonMark implementation, as Streamlit's remark is), and
Plotly's few entities are decoded as plotly.js decodes them.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from app.ui.text import WORD_JOINER, from_plot_text, html_text, md_text, plot_text

HOSTILE = [
    "<style>.tandem-pill{display:none !important}</style>x",
    "<img src=http://127.0.0.1:9/x>",
    '"><script>alert(1)</script>',
    "[link](http://127.0.0.1:9) **bold** `code` :red[x] $x$ :material/home: ~~s~~",
    "![img](http://127.0.0.1:9/i.png) <http://127.0.0.1:9/a> www.example.com a@b.co",
    "# heading\n- item\n    code\n> quote",
    "a\\*b\\\\c &amp; &lt;b&gt; &#60;",
]
PLOTLY_ENTITIES = {"amp": "&", "lt": "<", "gt": ">", "nbsp": "\u00a0", "mu": "μ"}


class _Reader(HTMLParser):
    """Collects the text and every tag of an HTML fragment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_html(fragment: str) -> _Reader:
    reader = _Reader()
    reader.feed(fragment)
    reader.close()
    return reader


@given(st.text())
@example("<b>x</b>\r\n")
def test_html_text_shows_the_literal_text_and_adds_no_tag(value: str) -> None:
    reader = read_html(f"<div>{html_text(value)}</div>")
    assert [tag for tag, _ in reader.tags] == ["div"]
    assert "".join(reader.text) == value


@given(st.text())
@example('" onmouseover="alert(1)')
def test_html_text_stays_inside_an_attribute(value: str) -> None:
    reader = read_html(f'<span title="{html_text(value)}">x</span>')
    ((tag, attrs),) = reader.tags
    assert tag == "span"
    assert attrs == [("title", value)]


def test_html_text_escapes_every_hostile_name() -> None:
    for value in HOSTILE:
        assert "<" not in html_text(value)
        assert ">" not in html_text(value)


_MARKDOWN = MarkdownIt("commonmark")  # raw HTML enabled: an unescaped tag would come through
_NO_NUL = st.text(alphabet=st.characters(blacklist_characters="\x00", codec="utf-8"))


@given(_NO_NUL)
def test_md_text_renders_as_the_literal_text(value: str) -> None:
    rendered = _MARKDOWN.render(md_text(value))
    expected = re.sub(r"\s+", " ", value).strip(" ")
    reader = read_html(rendered)
    assert [tag for tag, _ in reader.tags] == (["p"] if expected else [])
    shown = "".join(reader.text).strip("\n")
    assert shown.replace(WORD_JOINER, "") == expected.replace(WORD_JOINER, "")


@given(_NO_NUL)
def test_md_text_leaves_no_streamlit_directive_maths_or_link_unescaped(value: str) -> None:
    escaped = md_text(value)
    unescaped = re.sub(r"\\[\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e]", "", escaped)
    assert not set(unescaped) & set(":$[]()<>!*_`~\\#|")
    assert "\n" not in escaped


# What Streamlit's remark plugins replace in the parsed text, where escapes are resolved:
# GFM autolink literals (mdast-util-gfm-autolink-literal) and emoji shortcodes.
_AFTER_PARSING = re.compile(r"(?i)(https?|mailto|xmpp):|www\.|[-.\w+]@|:[\w+-]+:")


@given(_NO_NUL)
@example("see http://127.0.0.1:9/x, www.example.com, a@b.co and :smile: or :material/home:")
def test_md_text_leaves_no_autolink_or_shortcode_in_the_parsed_text(value: str) -> None:
    parsed = re.sub(r"\\(.)", r"\1", md_text(value))
    assert not _AFTER_PARSING.search(parsed)


def test_md_text_of_the_hostile_names_renders_without_a_tag() -> None:
    for value in HOSTILE:
        reader = read_html(_MARKDOWN.render(md_text(value)))
        assert [tag for tag, _ in reader.tags] == ["p"], value
        shown = "".join(reader.text).strip().replace(WORD_JOINER, "")
        assert shown == re.sub(r"\s+", " ", value)


def _as_plotly_shows(text: str) -> str:
    """Decode entities as plotly.js's ``convertEntities`` does (named ones it knows, numeric)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("#x"):
            return chr(int(name[2:], 16))
        if name.startswith("#"):
            return chr(int(name[1:]))
        return PLOTLY_ENTITIES.get(name, match.group(0))

    return re.sub(r"&(#\d+|#x[0-9a-fA-F]+|[a-z]+);", one, text)


@given(st.text())
@example("<a href='http://127.0.0.1:9'>x</a><br>&quot;")
def test_plot_text_has_no_tag_and_shows_the_literal_text(value: str) -> None:
    shown = plot_text(value)
    assert "<" not in shown
    assert _as_plotly_shows(shown) == value
    assert from_plot_text(shown) == value
