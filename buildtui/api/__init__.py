"""The API client layer: one async client, typed models, typed errors. Knows nothing of Textual."""

from .client import BuildQuery, InvenTreeClient
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
    UnsupportedServer,
    ValidationFailed,
)

__all__ = [
    "ApiError",
    "AuthenticationRequired",
    "BadResponse",
    "BuildQuery",
    "InvenTreeClient",
    "NotFound",
    "PermissionDenied",
    "Redirected",
    "RequestTimeout",
    "ServerError",
    "Unreachable",
    "UnsupportedServer",
    "ValidationFailed",
]
