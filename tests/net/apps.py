"""ASGI apps the loopback partner serves in the tests."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from ncpeh.net import peer_certificate_or_none

SOAP = "application/soap+xml; charset=utf-8"
CALLS: list[str] = []


async def echo(request: Request) -> Response:
    CALLS.append(request.url.path)
    body = await request.body()
    tls = request.scope["extensions"]["tls"]
    peer = peer_certificate_or_none(request.scope)
    payload = {
        "der_b64": base64.b64encode(tls["client_cert_der"]).decode(),
        "sha256": tls["client_cert_sha256"],
        "country": tls["client_country"],
        "name": tls["client_cert_name"],
        "chain": tls["client_cert_chain"],
        "tls_version": tls["tls_version"],
        "cipher_suite": tls["cipher_suite"],
        "helper_country": peer.country if peer else None,
        "content_type": request.headers.get("content-type"),
        "body_len": len(body),
    }
    return Response(json.dumps(payload), media_type=SOAP)


async def slow(request: Request) -> Response:
    CALLS.append(request.url.path)
    await request.body()
    delay = float(request.query_params.get("delay", "3"))
    try:  # returns early when the client hangs up, so server shutdown stays quick
        await asyncio.wait_for(request.receive(), delay)
    except TimeoutError:
        pass
    return Response("<late/>", media_type=SOAP)


async def trickle(request: Request) -> Response:
    await request.body()

    async def drip() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" "
            await asyncio.sleep(0.1)

    return StreamingResponse(drip(), media_type=SOAP)


async def fault(request: Request) -> Response:
    return Response("<env:Fault/>", status_code=500, media_type=SOAP)


async def bad_gateway(request: Request) -> Response:
    return Response("<html>down</html>", status_code=502, media_type="text/html")


async def plain(request: Request) -> Response:
    return Response("ok", media_type="text/plain")


async def big(request: Request) -> Response:
    return Response(b"x" * int(request.query_params["n"]), media_type=SOAP)


def make_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/echo", echo, methods=["POST"]),
            Route("/slow", slow, methods=["POST"]),
            Route("/trickle", trickle, methods=["POST"]),
            Route("/fault", fault, methods=["POST"]),
            Route("/502", bad_gateway, methods=["POST"]),
            Route("/plain", plain, methods=["POST"]),
            Route("/big", big, methods=["POST"]),
        ]
    )
