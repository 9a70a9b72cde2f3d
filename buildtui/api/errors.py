"""Typed errors: what the operator needs to know when a request fails.

Every error carries a short ``title`` and a ``message`` written for the operator;
validation errors also carry the server's messages per field (§1.4 of the
semantics document), so dialogs can show them beside the fields they concern.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """Base of every error the client raises. ``str()`` is a readable sentence."""

    title = "Request failed"

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: Any = None,
        action: str = "",
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.action = action
        #: a write whose answer was lost (timeout, connection cut, a proxy's 502/504): it may or may not have
        #: been carried out. Re-read before offering to send it again; never re-send it blindly.
        self.outcome_unknown = outcome_unknown

    def __str__(self) -> str:
        return self.message


class ValidationFailed(ApiError):
    """HTTP 400 with InvenTree's field errors.

    ``fields`` maps a field name to its messages. Nested per-item errors
    (``{"items": [{}, {"quantity": [...]}]}``) are kept in ``items`` by list name
    and index, and also flattened into ``fields`` as ``"items.1.quantity"``.
    """

    title = "The server refused the request"

    def __init__(self, body: Any, *, status: int = 400, action: str = "") -> None:
        self.fields: dict[str, list[str]] = {}
        self.non_field: list[str] = []
        self.items: dict[str, list[dict[str, list[str]]]] = {}
        self._parse(body)
        super().__init__(self._summary(), status=status, body=body, action=action)

    def _parse(self, body: Any) -> None:
        if isinstance(body, list):
            self.non_field += [_text(x) for x in body]
            return
        if not isinstance(body, dict):
            self.non_field.append(_text(body))
            return
        if "error" in body and isinstance(body.get("error"), str):
            # barcode endpoints: {"error": "...", "plugin": "None", ...}
            self.non_field.append(body["error"])
            return
        for key, value in body.items():
            if key in ("non_field_errors", "detail", "__all__"):
                self.non_field += _messages(value)
            elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
                per_item = [{k: _messages(v) for k, v in entry.items()} for entry in value]
                self.items[key] = per_item
                for index, entry in enumerate(per_item):
                    for sub, msgs in entry.items():
                        self.fields[f"{key}.{index}.{sub}"] = msgs
            else:
                self.fields[key] = _messages(value)

    def _summary(self) -> str:
        parts = list(self.non_field)
        for key, msgs in self.fields.items():
            label = key.replace("_", " ")
            parts += [f"{label}: {m}" for m in msgs]
        return "; ".join(parts) or "The server refused the request."

    def for_field(self, name: str) -> list[str]:
        """Messages for a field, including those of every nested item under it."""
        out = list(self.fields.get(name, []))
        for key, msgs in self.fields.items():
            if key.endswith(f".{name}") and key != name:
                out += msgs
        return out


class AuthenticationRequired(ApiError):
    title = "Sign-in needed"


class PermissionDenied(ApiError):
    title = "Not allowed"


class NotFound(ApiError):
    title = "Not found"


class ServerError(ApiError):
    title = "Server error"


class Unreachable(ApiError):
    """No answer from the server: refused, DNS, TLS, the network is down, or the connection was cut."""

    title = "Server unreachable"

    def __init__(self, message: str, *, reason: str = "", action: str = "", outcome_unknown: bool = False) -> None:
        super().__init__(message, action=action, outcome_unknown=outcome_unknown)
        self.reason = reason


class RequestTimeout(Unreachable):
    """No complete answer in time. For a write the outcome is unknown: re-read before retrying."""

    title = "No answer in time"

    def __init__(self, message: str, *, method: str = "GET", action: str = "", maybe_sent: bool = True) -> None:
        super().__init__(
            message,
            reason="timeout",
            action=action,
            outcome_unknown=maybe_sent and method not in ("GET", "HEAD", "OPTIONS"),
        )
        self.method = method


class Redirected(ApiError):
    """The server answered with a redirect (an http address behind a proxy that moved to https, say).
    Redirects are not followed: a write must not be re-sent somewhere else, and the token must not travel."""

    title = "The server address has moved"

    def __init__(self, message: str, *, status: int, location: str, action: str = "") -> None:
        super().__init__(message, status=status, action=action)
        self.location = location


class BadResponse(ApiError):
    """The answer was not what InvenTree sends: an HTML page from a proxy, truncated JSON, wrong types."""

    title = "Unreadable answer"


class UnsupportedServer(ApiError):
    title = "Server too old"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _messages(value: Any) -> list[str]:
    if isinstance(value, list):
        out: list[str] = []
        for v in value:
            if isinstance(v, dict):
                out += [f"{k}: {m}" for k, vs in v.items() for m in _messages(vs)]
            else:
                out.append(_text(v))
        return out
    if isinstance(value, dict):
        return [f"{k}: {m}" for k, vs in value.items() for m in _messages(vs)]
    return [_text(value)]
