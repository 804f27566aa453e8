"""QR codes as inline SVG, for tickets, bookings and rating links."""

from __future__ import annotations

import segno
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


def qr_svg(text: str, *, label: str) -> SafeString:
    """An inline SVG QR code of `text`, scalable by CSS, with an accessible name."""
    svg = segno.make(text, error="m").svg_inline(
        scale=1, border=4, light="#fff", omitsize=True, svgclass="qr", lineclass=None, title=label
    )
    return mark_safe(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))
