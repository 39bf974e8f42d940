"""The PDF renderer is offline: data: resources are drawn, every other URL is refused without a network call."""
from __future__ import annotations

import base64
import io
import socket

import pytest

from stargate_report.exporters import html_to_pdf

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
       '<rect width="40" height="20" fill="#123456"/></svg>')


#: the rectangle's fill #123456 as the PDF content stream writes it (RGB fractions)
FILL = b"0.070588 0.203922 0.337255 rg"


def _content(pdf: bytes) -> bytes:
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("network access while rendering the PDF")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_a_data_image_is_drawn(no_network):
    data = "data:image/svg+xml;base64," + base64.b64encode(SVG.encode()).decode()
    with_image = html_to_pdf(f'<html><body><p>chart</p><img src="{data}"></body></html>')
    without = html_to_pdf("<html><body><p>chart</p></body></html>")
    assert FILL in _content(with_image) and FILL not in _content(without)


def test_other_urls_are_refused_and_the_pdf_is_still_made(no_network):
    pdf = html_to_pdf('<html><head><link rel="stylesheet" href="https://example.com/a.css"></head><body>'
                      '<p>text</p><img src="http://example.com/a.png"><img src="file:///etc/hostname"></body></html>')
    assert pdf.startswith(b"%PDF") and b" re\nW" not in _content(pdf)  # no image box was clipped and drawn
