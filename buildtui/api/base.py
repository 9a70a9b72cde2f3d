"""The client's transport and decoding: one pooled sender, an overall deadline and size cap per request, typed
errors for every way a request fails, and answers read into typed models. GETs may retry with backoff; a POST
(or PATCH/DELETE) is never retried automatically, because most build actions are not idempotent (§7).
"""

from __future__ import annotations

import asyncio
import json
import ssl
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Self, TypeVar
from urllib.parse import urljoin, urlsplit

from pydantic import BaseModel, ValidationError

from .. import __version__
from .errors import (
    ApiError,
    AuthenticationRequired,
    BadResponse,
    NotFound,
    PermissionDenied,
    Redirected,
    RequestTimeout,
    ServerError,
    Unreachable,
    ValidationFailed,
)
from .models import (
    Build,
    Page,
    ServerInfo,
)
from .transport import Answer, AnswerTooLarge, HttpxSender, SendFailed, SendTimeout

if TYPE_CHECKING:
    import httpx

HEADERS = {"User-Agent": f"buildtui/{__version__}", "Accept": "application/json"}  # the token: per request
MIN_API_VERSION = 386  # consume/ appeared in 386; everything else the UI uses is older
PAGE_SIZE = 50
ALL_ROWS = 1000  # "fetch everything" still sends a limit and pages (§1.2)
M = TypeVar("M", bound=BaseModel)


def _b(value: bool) -> str:
    return "true" if value else "false"


def _dec(value: Decimal | int | float | str) -> str:
    return str(Decimal(str(value)))


class ClientBase:
    """The connection (base URL, token, one sender made at the first request) and how an answer is read."""

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        timeout: float = 10.0,
        verify: bool | str | ssl.SSLContext = True,
        get_retries: int = 2,
        backoff: float = 0.3,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout
        self.get_retries = get_retries
        self.backoff = backoff
        self.request_count = 0
        self.server_info: ServerInfo | None = None
        self._verify = verify
        self._transport = transport
        self._sender: HttpxSender | None = None

    @property
    def sender(self) -> HttpxSender:
        if self._sender is None:
            self._sender = HttpxSender(
                self.base_url, headers=HEADERS, timeout=self.timeout, verify=self._verify, transport=self._transport
            )
        return self._sender

    # the token is kept out of repr() and logs
    def __repr__(self) -> str:
        return f"InvenTreeClient({self.base_url!r})"

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    def set_token(self, token: str | None) -> None:
        self._token = token

    async def aclose(self) -> None:
        if self._sender is not None:
            await self._sender.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- transport -------------------------------------------------------------
    async def _call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json_body: Any = None,
        action: str = "",
        authorization: str | None = None,
        anonymous: bool = False,
        lookup: bool = False,
    ) -> Any:
        """One request; GETs are retried on network failures and 502-504, writes never (§7). ``lookup``: a POST
        that changes nothing (a barcode lookup), treated as a read: retried, and never "may have been done"."""
        headers = {}
        if authorization is not None:
            headers["Authorization"] = authorization
        elif self._token and not anonymous:
            headers["Authorization"] = f"Token {self._token}"
        write = method not in ("GET", "HEAD", "OPTIONS") and not lookup
        attempts = 1 + (0 if write else self.get_retries)
        last: ApiError | None = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(self.backoff * (2 ** (attempt - 1)))
            try:
                self.request_count += 1
                response = await self.sender.send(method, path, params=params, json_body=json_body, headers=headers)
            except SendTimeout as exc:
                # a read is asked again (the status line says so after one deadline): right after a write's
                # answer was lost, the check that looks for it meets the same busy server
                last = RequestTimeout(
                    self._timeout_text(write, exc.maybe_sent),
                    method=method,
                    action=action,
                    maybe_sent=write and exc.maybe_sent,
                )
                continue
            except SendFailed as exc:
                last = self._unreachable(exc, action, unknown=write and exc.maybe_sent)
                continue
            except AnswerTooLarge as exc:
                raise BadResponse(str(exc), action=action) from None
            try:
                return self._decode(response, action, write=write)
            except ServerError as exc:
                if exc.status in (502, 503, 504) and not write:
                    last = exc
                    continue
                raise
        assert last is not None
        raise last

    def _timeout_text(self, write: bool, maybe_sent: bool) -> str:
        if not write or not maybe_sent:
            return f"{self.base_url} did not answer within {self.timeout:g} s."
        return (
            f"{self.base_url} did not answer within {self.timeout:g} s; the action may or may not have "
            "been carried out."
        )

    def _unreachable(self, exc: SendFailed, action: str, *, unknown: bool) -> Unreachable:
        text = str(exc) or exc.__class__.__name__
        cause: BaseException | None = exc
        while cause is not None:
            if isinstance(cause, ssl.SSLCertVerificationError):
                why = cause.verify_message or cause.reason or "not trusted"
                return Unreachable(
                    f"TLS failed talking to {self.base_url}: its certificate could not be verified "
                    f"({why}). If your site uses its own certificate authority, set ca_bundle in "
                    "the config.",
                    reason="tls",
                    action=action,
                )
            if isinstance(cause, ssl.SSLError):
                why = (cause.reason or str(cause)).replace("_", " ").lower()
                return Unreachable(
                    f"TLS failed talking to {self.base_url} ({why}). Check that the address is "
                    "https and the certificate, or set ca_bundle in the config.",
                    reason="tls",
                    action=action,
                )
            cause = cause.__cause__ or cause.__context__
        low = text.lower()
        if unknown:  # the request went out and the connection broke before the whole answer came back
            return Unreachable(
                f"The connection to {self.base_url} broke before the answer arrived; the action "
                "may or may not have been carried out.",
                reason="cut",
                action=action,
                outcome_unknown=True,
            )
        if (
            "name or service not known" in low
            or "nodename nor servname" in low
            or "getaddrinfo" in low
            or "name resolution" in low
        ):
            return Unreachable(
                f"Cannot find the server {self.base_url} (DNS lookup failed).", reason="dns", action=action
            )
        if "certificate" in low or "ssl" in low:
            return Unreachable(f"TLS failed talking to {self.base_url}: {text}", reason="tls", action=action)
        if any(cut in low for cut in ("disconnected", "reset by peer", "broken pipe", "incomplete", "closed")):
            # the server took the request and the connection broke: not refused (a proxy dropping it, a worker
            # killed); said as such, since "is the server running?" sends the operator the wrong way
            return Unreachable(
                f"The connection to {self.base_url} broke before the answer arrived ({text}). Trying again is safe.",
                reason="cut",
                action=action,
            )
        if "refused" in low or "connect" in low:
            return Unreachable(
                f"Cannot reach {self.base_url}: connection refused (is the server running?).",
                reason="refused",
                action=action,
            )
        return Unreachable(f"Cannot reach {self.base_url}: {text}", reason="network", action=action)

    def _decode(self, response: Answer, action: str, *, write: bool = False) -> Any:
        status = response.status_code
        if 300 <= status < 400:
            raise self._redirected(response, action)
        body: Any = None
        if response.content:
            try:
                body = response.json()
            except (json.JSONDecodeError, UnicodeDecodeError, ValueError, RecursionError) as exc:
                kind = response.headers.get("content-type", "unknown content").split(";")[0]
                if isinstance(exc, RecursionError):
                    raise BadResponse(
                        f"The server's answer (HTTP {status}) is nested too deeply to be read.",
                        status=status,
                        action=action,
                        outcome_unknown=write,
                    ) from None
                if status < 400:
                    raise BadResponse(
                        f"The server sent {kind} instead of JSON (HTTP {status}); a proxy may be in the way.",
                        status=status,
                        action=action,
                        outcome_unknown=write,
                    ) from None
                body = None
        if status < 400:
            return body
        detail = body.get("detail") if isinstance(body, dict) else None
        if status == 401:
            raise AuthenticationRequired(
                str(detail or "Authentication credentials were not provided."), status=status, body=body, action=action
            )
        if status == 403:
            what = f" {action}" if action else " do that"
            raise PermissionDenied(
                f"You are not allowed to{what}. ({detail or 'permission denied'})",
                status=status,
                body=body,
                action=action,
            )
        if status == 404:
            raise NotFound(str(detail or "Not found."), status=status, body=body, action=action)
        if status == 500 and isinstance(body, dict) and body.get("error") == "KeyError":
            # quirk §3.6: an action on an unknown build id answers 500 KeyError
            raise NotFound("That build order no longer exists on the server.", status=status, body=body, action=action)
        if status >= 500:
            if isinstance(body, dict):
                text = str(body.get("detail") or body.get("error") or "internal error")
            else:
                text = f"HTTP {status}" + (" (the answer was not JSON; a proxy may be failing)" if body is None else "")
            # a proxy's 502/503/504 on a write: the server behind it may have carried it out
            unknown = write and status in (502, 503, 504)
            raise ServerError(
                f"The server failed: {text}."
                + (" The action may or may not have been carried out." if unknown else ""),
                status=status,
                body=body,
                action=action,
                outcome_unknown=unknown,
            )
        if body is None:
            raise BadResponse(
                f"The server refused the request (HTTP {status}) with an unreadable answer.",
                status=status,
                action=action,
            )
        raise ValidationFailed(body, status=status, action=action)

    def _redirected(self, response: Answer, action: str) -> Redirected:
        location = response.headers.get("location", "")
        target = urljoin(self.base_url + "/", location) if location else ""
        where = urlsplit(target)
        suggestion = f"{where.scheme}://{where.netloc}" if where.scheme and where.netloc else ""
        here = urlsplit(self.base_url)
        if suggestion and suggestion != f"{here.scheme}://{here.netloc}":
            advice = f" Use --server {suggestion} (or change server in the config)."
        else:
            advice = " Check the server address (a proxy may be rewriting it)."
        return Redirected(
            f"{self.base_url} redirects to {target or 'another address'} (HTTP "
            f"{response.status_code}); buildtui does not follow redirects.{advice}",
            status=response.status_code,
            location=target,
            action=action,
        )

    @staticmethod
    def _model(model: type[M], data: Any) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise BadResponse(
                f"The server's answer did not look like a {model.__name__}: {exc.error_count()} field(s) wrong."
            ) from None

    def _models(self, model: type[M], data: Any) -> list[M]:
        """Rows of a list. One build that does not validate does not blank the list: it stands in its place
        as an "unreadable row" (a ``Build`` with a negative pk, its reference if it had one, what was wrong
        in ``title``), so counts and paging offsets stay right. Other rows (lines, stock) fail the answer."""
        if isinstance(data, dict) and "results" in data:
            data = data["results"]
        if not isinstance(data, list):
            raise BadResponse(f"Expected a list of {model.__name__} from the server.")
        if model is not Build:
            return [self._model(model, row) for row in data]
        import logging

        out: list[M] = []
        unreadable = 0
        for row in data:
            try:
                out.append(model.model_validate(row))
            except ValidationError as exc:
                unreadable += 1
                fields = sorted({str(err["loc"][0]) for err in exc.errors() if err.get("loc")})
                pk = row.get("pk") if isinstance(row, dict) else None
                ref = row.get("reference") if isinstance(row, dict) else None
                logging.getLogger("buildtui.api").warning(
                    "unreadable build row (pk %r): %s wrong", pk, ", ".join(fields) or "everything"
                )
                said = f"{len(fields)} field(s) wrong: {', '.join(fields)}" if fields else "not a build"
                out.append(
                    model.model_construct(
                        pk=-unreadable,
                        reference=ref if isinstance(ref, str) and ref.strip() else "?",
                        part=0,
                        status=0,
                        status_text="unreadable row",
                        title=f"unreadable row (pk {pk}): {said}" if isinstance(pk, int) else f"unreadable row: {said}",
                    )
                )
        return out

    def _page(self, model: type[M], data: Any) -> Page[M]:
        if isinstance(data, list):  # a server that ignored limit (§1.2)
            return Page(count=len(data), results=self._models(model, data))
        if not isinstance(data, dict):
            raise BadResponse("Expected a page of results from the server.")
        try:
            count = int(data.get("count", 0))
        except (TypeError, ValueError):
            raise BadResponse("The server's page had no valid count.") from None
        return Page(
            count=count,
            next=data.get("next"),
            previous=data.get("previous"),
            results=self._models(model, data.get("results", [])),
        )

    async def _all(self, model: type[M], path: str, params: dict[str, Any]) -> list[M]:
        """Every row of a list, page by page, always with ``limit``."""
        out: list[M] = []
        offset = 0
        while True:
            page = self._page(
                model, await self._call("GET", path, params={**params, "limit": ALL_ROWS, "offset": offset})
            )
            out += page.results
            offset += len(page.results)
            if not page.results or offset >= page.count or not page.next:
                return out
