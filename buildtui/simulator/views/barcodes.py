"""``/api/barcode/``: scan, link and unlink (§5)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse

from ..barcodes import API_URL, JSON_MODELS, WEB_URL, barcode_hash, instance, resolve
from ..endpoint import body_dict
from ..query import Ctx
from ..rules import ApiError


def barcode_scan(ctx: Ctx) -> Any:
    body = body_dict(ctx)
    if "barcode" not in body:
        raise ApiError(400, {"barcode": ["This field is required."]})
    data = body["barcode"]
    if not isinstance(data, str) or not data.strip():
        raise ApiError(400, {"barcode": ["This field may not be blank."]})
    if len(data) > 4095:
        raise ApiError(400, {"barcode": ["Ensure this field has no more than 4095 characters."]})
    found = resolve(ctx.db, data)
    h = barcode_hash(data)
    if found is None:
        raise ApiError(
            400, {"plugin": "None", "barcode_data": data, "barcode_hash": h, "error": "No match found for barcode data"}
        )
    model, row = found
    return JSONResponse(
        {
            model: {
                "pk": row["id"],
                "api_url": API_URL[model].format(row["id"]),
                "instance": instance(ctx.db, model, row),
                "web_url": WEB_URL[model].format(row["id"]),
            },
            "success": "Match found for barcode data",
            "plugin": "InvenTreeBarcode",
            "barcode_data": data,
            "barcode_hash": h,
        },
        status_code=200,
    )


def barcode_link(ctx: Ctx) -> Any:
    body = body_dict(ctx)
    data = body.get("barcode")
    if not isinstance(data, str) or not data.strip():
        raise ApiError(400, {"barcode": ["This field is required."]})
    if resolve(ctx.db, data) is not None:
        raise ApiError(400, {"error": "Barcode matches existing item", "barcode_data": data})
    for model, table in JSON_MODELS.items():
        if model in body:
            row = ctx.db.get(table, body[model])
            if row is None:
                raise ApiError(400, {model: [f'Invalid pk "{body[model]}" - object does not exist.']})
            h = barcode_hash(data)
            ctx.db.update(table, row["id"], barcode_hash=h, barcode_data=data)
            return {
                "success": f"Assigned barcode to {model} instance",
                model: {"pk": row["id"]},
                "barcode_data": data,
                "barcode_hash": h,
            }
    raise ApiError(400, {"error": "Missing data: provide one of 'stockitem', 'stocklocation', 'part', 'build'"})


def barcode_unlink(ctx: Ctx) -> Any:
    body = body_dict(ctx)
    for model, table in JSON_MODELS.items():
        if model in body:
            ctx.db.update(table, int(body[model]), barcode_hash="", barcode_data="")
            return {"success": f"Barcode unlinked from {model}"}
    raise ApiError(400, {"error": "Missing data: provide one of 'stockitem', 'stocklocation', 'part', 'build'"})
