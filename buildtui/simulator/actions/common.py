"""What every build action shares: the timestamp, the 500 for an unknown build, InvenTree's 400 bodies."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ..db import Database, Row
from ..rules import ApiError


def now() -> str:
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def get_build_for_action(db: Database, build_id: int) -> Row:
    b = db.get("build", build_id)
    if b is None:
        # quirk §3.6: the real server answers 500 (KeyError) for an unknown build on an action
        raise ApiError(
            500,
            {
                "error": "KeyError",
                "error_class": "<class 'KeyError'>",
                "detail": "Error details can be found in the admin panel",
                "path": f"/api/build/{build_id}/",
                "status_code": 500,
            },
        )
    return b


def raise_errors(errors: dict[str, Any]) -> None:
    if errors:
        raise ApiError(400, errors)


def list_field(data: dict[str, Any], key: str, errors: dict[str, Any], *, required: bool = True) -> list[Any] | None:
    if key not in data:
        if required:
            errors[key] = ["This field is required."]
        return None
    value = data[key]
    if not isinstance(value, list):
        errors[key] = [f'Expected a list of items but got type "{type(value).__name__}".']
        return None
    return value
