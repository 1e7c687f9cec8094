"""HEAD answered wherever GET is (FastAPI routes answer only the methods they declare, so
HEAD got 405): the GET's status and headers, with no body (RFC 9110, section 9.3.2)."""

from __future__ import annotations

from starlette.types import Message, Receive, Scope, Send

from openpcn.web.kit.asgi import HttpMiddleware


class HeadMiddleware(HttpMiddleware):
    """Run a HEAD request as the GET it stands for, and send only the start of the answer."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
