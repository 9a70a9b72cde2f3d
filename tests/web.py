"""Plain HTTP calls for setting up and checking tests: httpx's own, without reading the CA bundle at every
call as ``httpx.get()`` does (~40 ms each; a plain-http simulator never needs it)."""

from __future__ import annotations

from typing import Any

import httpx


def request(method: str, url: str, **kw: Any) -> httpx.Response:
    with httpx.Client(verify=False) as client:
        return client.request(method, url, **kw)


def get(url: str, **kw: Any) -> httpx.Response:
    return request("GET", url, **kw)


def post(url: str, **kw: Any) -> httpx.Response:
    return request("POST", url, **kw)


def patch(url: str, **kw: Any) -> httpx.Response:
    return request("PATCH", url, **kw)


def put(url: str, **kw: Any) -> httpx.Response:
    return request("PUT", url, **kw)


def delete(url: str, **kw: Any) -> httpx.Response:
    return request("DELETE", url, **kw)
