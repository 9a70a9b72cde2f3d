"""The server and who is signed in: ``/api/``, ``/api/user/token|me|roles/`` and the status-code tables."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any

from ...clock import today
from .. import rules
from .. import serializers as ser
from ..endpoint import user_roles
from ..query import Ctx


def _status_body(cls: str, table: dict[int, tuple[str, str, str]]) -> dict[str, Any]:
    return {
        "status_class": cls,
        "values": {
            name: {"key": key, "name": name, "label": label, "color": color}
            for key, (name, label, color) in table.items()
        },
    }


def build_status(ctx: Ctx) -> Any:
    body = _status_body("BuildStatus", rules.BUILD_STATUS)
    for row in ctx.db.all("SELECT key, value FROM setting WHERE key LIKE 'custom_build_status:%'"):
        custom = json.loads(row["value"])
        body["values"][custom["name"]] = {**custom, "custom": True}
    return body


def stock_status(ctx: Ctx) -> Any:
    return _status_body("StockStatus", rules.STOCK_STATUS)


def generic_status(ctx: Ctx) -> Any:
    return {"BuildStatus": build_status(ctx), "StockStatus": stock_status(ctx)}


def info(ctx: Ctx) -> Any:
    api = ctx.sim.api
    return {
        "server": "InvenTree",
        "id": None,
        "version": api.server_version,
        "instance": "buildtui simulator",
        "apiVersion": api.version,
        "worker_running": api.worker,
        "worker_count": 1 if api.worker else 0,
        "worker_pending_tasks": ctx.sim.tasks.pending_count(),
        "plugins_enabled": False,
        "plugins_install_disabled": False,
        "email_configured": False,
        "debug_mode": False,
        "docker_mode": False,
        "default_locale": "en-us",
        "customize": {"logo": None, "splash": None, "login_message": None, "navbar_message": None},
        "active_plugins": [],
        "system_health": None,
        "database": None,
        "platform": None,
        "installer": None,
        "target": None,
        "django_admin": None,
        "settings": {"sso_registration": False, "registration_enabled": False, "password_forgotten_enabled": True},
    }


def user_token(ctx: Ctx) -> Any:
    db = ctx.db
    name = ctx.params.get("name", "")
    existing = db.one(
        "SELECT * FROM token WHERE user = ? AND name = ? AND revoked = 0 AND expiry >= ?",
        (ctx.user_id, name, today().isoformat()),
    )
    if existing:
        return {"token": existing["key"], "name": name, "expiry": existing["expiry"]}
    key = f"inv-{secrets.token_hex(20)}-{today().strftime('%Y%m%d')}"
    expiry = (today() + dt.timedelta(days=365)).isoformat()
    db.insert("token", user=ctx.user_id, key=key, name=name, expiry=expiry)
    return {"token": key, "name": name, "expiry": expiry}


def user_me(ctx: Ctx) -> Any:
    u = ctx.user
    assert u is not None
    groups = [
        {"pk": g["id"], "name": g["name"]}
        for g in ctx.db.all("SELECT g.* FROM grp g JOIN user_group ug ON ug.grp = g.id WHERE ug.user = ?", (u["id"],))
    ]
    return {
        **ser.user_detail(u),  # type: ignore[dict-item]
        "groups": groups,
        "is_staff": bool(u["is_staff"]),
        "is_superuser": bool(u["is_superuser"]),
        "is_active": bool(u["is_active"]),
        "profile": {},
    }


def user_roles_view(ctx: Ctx) -> Any:
    u = ctx.user
    assert u is not None
    return {
        "user": u["id"],
        "username": u["username"],
        "roles": user_roles(ctx.db, u),
        "permissions": {},
        "is_staff": bool(u["is_staff"]),
        "is_superuser": bool(u["is_superuser"]),
    }
