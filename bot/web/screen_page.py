"""The classroom screen's HTML: the page (CSS and JS inlined, no CDN), the QR code as SVG drawn
here by segno, the plain 403 page, and the headers every screen response carries.

The templates live in `prompts/screen/`. Every value put into them is HTML-escaped; the view the
script renders is embedded as JSON with `<`, `>` and `&` escaped, and the script puts texts in
with `textContent`. The Content-Security-Policy allows exactly the inlined style and script (by
their hashes) and connections back to this server, nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from pathlib import Path
from string import Template

import segno

from bot.core.kernel.i18n import Catalog
from bot.web.screen_state import View

PAGE_KEYS = ("reconnecting", "time_left", "result", "before", "after", "swing", "moved", "gone", "latest_speech",
             "no_speech", "questions", "no_questions", "scan", "claims", "no_claims")


def _hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _json_in_html(value: object) -> str:
    """JSON that cannot end its <script> element or open another."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def qr_svg(url: str) -> str:
    """The page's own link as an inline SVG QR code (sized by the page's CSS)."""
    return segno.make(url, error="m").svg_inline(dark="#000", light="#fff", border=2, omitsize=True)


class ScreenPages:
    def __init__(self, folder: Path, catalog: Catalog) -> None:
        self.catalog = catalog
        self.css = (folder / "screen.css").read_text(encoding="utf-8")
        self.js = (folder / "screen.js").read_text(encoding="utf-8")
        self.page = Template((folder / "page.html").read_text(encoding="utf-8"))
        self.refused = Template((folder / "refused.html").read_text(encoding="utf-8"))
        policy = ("default-src 'none'", f"script-src {_hash(self.js)}", f"style-src {_hash(self.css)}",
                  "connect-src 'self'", "img-src 'self' data:", "base-uri 'none'", "form-action 'none'",
                  "frame-ancestors 'none'")
        self.headers = {
            "Content-Security-Policy": "; ".join(policy),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",  # the link is the key: never hand it on
            "Cache-Control": "no-store",
            "X-Frame-Options": "DENY",
        }

    def render(self, view: View, url: str, event_id: str, now_ms: int) -> str:
        lang = view["lang"]
        t = self.catalog.t
        texts = {key: t(lang, f"screen.{key}") for key in PAGE_KEYS}
        texts.update(page_title=t(lang, "screen.page_title", title=view["title"]), lang=lang, kind=view["kind"],
                     format=view["format"], phase=view["phase"], title=view["title"], motion=view["motion"])
        escaped = {key: html.escape(str(value)) for key, value in texts.items()}
        return self.page.substitute(escaped, css=self.css, js=self.js, qr=qr_svg(url),
                                    data=_json_in_html({"id": event_id, "now": now_ms, "view": view}))

    def refusal(self, lang: str, reason: str) -> str:
        t = self.catalog.t
        return self.refused.substitute(lang=html.escape(lang), css=self.css,
                                       title=html.escape(t(lang, "screen.refused.title")),
                                       reason=html.escape(t(lang, f"screen.refused.{reason}")))
