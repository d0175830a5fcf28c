"""The shared mail layout: each kind of piece in text and HTML, escaped, and refused if unsafe."""

import pytest

from notifications.mail_layout import Body, Details, Links, render_html, render_text

SITE = {"service_name": "Book SEND training", "base_url": "https://book.example.org"}
BODY = Body(
    heading="Your place is booked",
    blocks=(
        "A first paragraph.",
        Details(rows=(("When", "Tuesday"), ("Where", "Hub\r\n\r\n 1 Quay Street \nBS1 4DJ"))),
        Details(title="It was", rows=(("Where", "Old Mill"),)),
        Links(rows=(("Your bookings", "https://book.example.org/my/bookings"),)),
    ),
)


def test_text_has_the_heading_paragraphs_details_links_and_signature():
    text = render_text(BODY, **SITE)
    assert text == (
        "Your place is booked\n\n"
        "A first paragraph.\n\n"
        "When: Tuesday\n"
        "Where: Hub\n  1 Quay Street\n  BS1 4DJ\n\n"
        "It was\nWhere: Old Mill\n\n"
        "Your bookings:\nhttps://book.example.org/my/bookings\n\n"
        "Book SEND training\nhttps://book.example.org\n"
    )


def test_html_uses_the_shared_layout_with_a_heading_a_list_and_links():
    html = render_html(BODY, subject="Booked", **SITE)
    assert html.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert "<title>Booked</title>" in html
    assert '<h1 style="font-size:24px;margin:0 0 16px;">Your place is booked</h1>' in html
    assert '<p style="margin:0 0 16px;">A first paragraph.</p>' in html
    assert '<dd style="margin:0 0 12px;">Hub<br>1 Quay Street<br>BS1 4DJ</dd>' in html
    assert '<h2 style="font-size:19px;margin:24px 0 8px;">It was</h2>' in html
    assert (
        '<a href="https://book.example.org/my/bookings" style="color:#1d70b8;">Your bookings</a>'
    ) in html


def test_long_paragraphs_wrap_in_text_but_never_inside_a_word_or_url():
    long = "word " * 30 + "https://book.example.org/a-very-long-path/" + "x" * 80
    text = render_text(Body(heading="H", blocks=(long,)), **SITE)
    lines = text.splitlines()
    assert max(len(line) for line in lines if not line.startswith("https")) <= 72
    assert "https://book.example.org/a-very-long-path/" + "x" * 80 in lines


def test_every_piece_is_escaped_in_html():
    evil = '<b onclick="x">&</b>'
    body = Body(
        heading=evil,
        blocks=(
            evil,
            Details(title=evil, rows=((evil, evil),)),
            Links(rows=((evil, 'https://book.example.org/"><script>'),)),
        ),
    )
    html = render_html(body, subject=evil, service_name=evil, base_url="https://e.org/?a=1&b=2")
    assert "<b " not in html
    assert "<script>" not in html
    assert html.count("&lt;b onclick=&quot;x&quot;&gt;&amp;&lt;/b&gt;") == 8  # every text piece
    assert 'href="https://book.example.org/&quot;&gt;&lt;script&gt;"' in html
    assert "https://e.org/?a=1&amp;b=2" in html


def test_an_empty_detail_value_shows_a_dash_rather_than_nothing():
    body = Body(heading="H", blocks=(Details(rows=(("Travel", " \n "),)),))
    assert "Travel: -" in render_text(body, **SITE)
    assert '<dd style="margin:0 0 12px;">-</dd>' in render_html(body, subject="S", **SITE)


@pytest.mark.parametrize(
    "body",
    [
        Body(heading="Booked\r\nBcc: x@evil.example.org", blocks=()),
        Body(heading="H", blocks=("one\nline",)),
        Body(heading="H", blocks=(Details(rows=(("When\n", "Tuesday"),)),)),
        Body(heading="H", blocks=(Details(rows=(("When", "Tue\x00sday"),)),)),
        Body(heading="H", blocks=(Links(rows=(("Go", "https://e.org/\r\nX: 1"),)),)),
    ],
    ids=["heading", "paragraph", "label", "value", "url"],
)
def test_control_characters_are_refused_in_text_and_html(body):
    with pytest.raises(ValueError, match="control character"):
        render_text(body, **SITE)
    with pytest.raises(ValueError, match="control character"):
        render_html(body, subject="S", **SITE)
