"""The API client layer: one async client, typed models, typed errors. Knows nothing of Textual."""

from .client import BuildQuery, InvenTreeClient
from .errors import (
    ApiError,
    AuthenticationRequired,
    BadResponse,
    NotFound,
    PermissionDenied,
    RequestTimeout,
    ServerError,
    Unreachable,
    UnsupportedServer,
    ValidationFailed,
)

__all__ = [
    "ApiError", "AuthenticationRequired", "BadResponse", "BuildQuery", "InvenTreeClient", "NotFound",
    "PermissionDenied", "RequestTimeout", "ServerError", "Unreachable", "UnsupportedServer", "ValidationFailed",
]
