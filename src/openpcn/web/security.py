"""Security headers on every response: a strict CSP (no inline script or style), no framing,
no MIME sniffing, same-origin referrers, and no caching of anything but static files."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from openpcn.web.kit.asgi import HttpMiddleware

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
STATIC_PREFIX = "/static/"


class SecurityHeadersMiddleware(HttpMiddleware):
    """The headers above on every HTTP response (see `HttpMiddleware`)."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        static = scope.get("path", "").startswith(STATIC_PREFIX)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
                if not static:
                    # Pages and API answers may hold what only this user may see.
                    headers["Cache-Control"] = "no-store"
                    if "cookie" not in headers.get("vary", "").lower():
                        headers.add_vary_header("Cookie")
            await send(message)

        await self.app(scope, receive, send_with_headers)
