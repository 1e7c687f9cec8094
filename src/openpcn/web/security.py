"""Security headers on every response: a strict CSP (no inline script or style), no framing,
no MIME sniffing, same-origin referrers, and no caching of anything but static files; and only
the allowed Host names answered, with no Host ever echoed into a redirect."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


def host_name(host: str) -> str:
    """The name in a Host header, without its port (an IPv6 address without its brackets)."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host[1:]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def relative(location: str) -> str:
    """An absolute URL as a path on this site (never `//...`, which would leave it)."""
    parts = urlsplit(location)
    return urlunsplit(("", "", "/" + parts.path.lstrip("/\\"), parts.query, parts.fragment))


class HostMiddleware(HttpMiddleware):
    """Answer only the allowed Host names (400 otherwise: `*` allows any, `*.example.org` its
    subdomains), and make redirects to the request's own Host relative (Starlette's
    trailing-slash redirect copies the Host header into its Location)."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str]) -> None:
        super().__init__(app)
        self.allowed = tuple(name.lower() for name in allowed)

    def allows(self, host: str) -> bool:
        if "*" in self.allowed:
            return True
        name = host_name(host)
        return bool(name) and any(
            name == a or (a.startswith("*.") and name.endswith(a[1:])) for a in self.allowed
        )

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = Headers(scope=scope).get("host", "")
        if not self.allows(host):
            refused = PlainTextResponse("Invalid host header", status_code=400)
            await refused(scope, receive, send)
            return

        async def send_relative(message: Message) -> None:
            if message["type"] == "http.response.start" and 300 <= message["status"] < 400:
                headers = MutableHeaders(scope=message)
                location = headers.get("location", "")
                if host and urlsplit(location).netloc.lower() == host.lower():
                    headers["location"] = relative(location)
            await send(message)

        await self.app(scope, receive, send_relative)
