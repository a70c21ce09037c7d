"""QR codes of links, as inline SVG: no image request, sharp at any size, printable."""

from __future__ import annotations

import segno
from markupsafe import Markup


def qr_svg(url: str, label: str) -> Markup:
    """A QR code of ``url``, named ``label`` for screen readers; it fills its CSS box.

    Dark on a white square of its own, so it scans on any page theme (high contrast too).
    """
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=1, title=label, svgclass="qr", lineclass=None, omitsize=True, dark="#000",
        light="#fff",
    )
    # segno escapes the title; the role makes the drawing one image with that name.
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))
