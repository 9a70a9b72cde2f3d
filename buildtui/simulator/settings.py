"""Global settings: ``/api/settings/global/<key>/`` for the few settings a build client reads.

As InvenTree's ``GlobalSettingsDetail``: any signed-in user may read a setting, only staff may change it;
an unknown key is 404. A boolean's ``value`` is the string "True" or "False" (``str2bool`` on write). A
setting never written reads as its default. ``STOCK_ALLOW_EXPIRED_BUILD`` is only exposed here, never
enforced on ``allocate/``: the real server does not check it either (§4, only its web UI reads it).
"""

from __future__ import annotations

from typing import Any

from .db import Database
from .rules import TRUE_WORDS, ApiError

#: key -> (name, description, default); all booleans
SETTINGS: dict[str, tuple[str, str, bool]] = {
    "STOCK_ENABLE_EXPIRY": ("Stock Expiry", "Enable stock expiry functionality", False),
    "STOCK_ALLOW_EXPIRED_SALE": ("Sell Expired Stock", "Allow sale of expired stock", False),
    "STOCK_ALLOW_EXPIRED_BUILD": ("Build Expired Stock", "Allow building with expired stock", False),
}


def _text(value: bool) -> str:
    return "True" if value else "False"


def read(db: Database, key: str) -> bool:
    """The setting's value (its default when never written)."""
    default = SETTINGS[key][2]
    return db.setting(key, _text(default)).strip().lower() in TRUE_WORDS


def write(db: Database, key: str, value: bool) -> None:
    db.conn.execute(
        "INSERT INTO setting (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, _text(value)),
    )


def row(db: Database, key: str) -> dict[str, Any]:
    name, description, _ = SETTINGS[key]
    pk = list(SETTINGS).index(key) + 1
    return {
        "pk": pk,
        "key": key,
        "value": _text(read(db, key)),
        "name": name,
        "description": description,
        "type": "boolean",
        "units": "",
        "choices": [],
        "model_name": None,
        "api_url": None,
        "typ": "inventree",
        "read_only": False,
    }


def global_setting(ctx: Any) -> Any:
    """GET, PUT or PATCH one global setting (``ctx`` is the app's request context)."""
    key = str(ctx.path_params["key"]).upper()
    if key not in SETTINGS:
        raise ApiError(404, {"detail": "Not found."})
    if ctx.request.method != "GET":
        if not (ctx.user["is_staff"] or ctx.user["is_superuser"]):
            raise ApiError(403, {"detail": "You do not have permission to perform this action."})
        body = ctx.body if isinstance(ctx.body, dict) else {}
        if "value" not in body:
            raise ApiError(400, {"value": ["This field is required."]})
        raw = body["value"]
        # InvenTree's str2bool: anything it does not know as true is false
        write(ctx.db, key, raw if isinstance(raw, bool) else str(raw).strip().lower() in TRUE_WORDS)
    return row(ctx.db, key)
