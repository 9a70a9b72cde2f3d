"""``/api/barcode/`` (scan), ``/link/`` and ``/unlink/`` as InvenTree 425 answers them (scanning doc §1, §3), and
``PATCH /api/plugins/<slug>/activate/`` for the supplier plugins (§2.1).

Any signed-in user may scan, and may call link/unlink; linking or unlinking an object then needs the ``change``
right on its model (403 ``{"error": "You do not have the required permissions for <class ...>"}``).
"""

from __future__ import annotations

from typing import Any

from .. import rules, suppliers
from ..barcodes import BY_LABEL, INVENTREE_PLUGIN, LABELS, MODELS, barcode_hash, inventree_scan, scan, stringify
from ..db import Row
from ..endpoint import body_dict, has_right
from ..query import Ctx
from ..rules import ApiError
from ..suppliers import PluginFailed

MAX_LENGTH = 4095
INTERNAL_PLUGIN_SLUG = "inventreebarcode"


def _barcode(body: dict[str, Any], errors: dict[str, Any]) -> str | None:
    """The ``barcode`` field as DRF's CharField(max_length=4095, trim_whitespace) reads it: stripped."""
    if "barcode" not in body:
        errors["barcode"] = ["This field is required."]
        return None
    raw = body["barcode"]
    if raw is None:
        errors["barcode"] = ["This field may not be null."]
        return None
    if raw == "" or str(raw).strip() == "":
        errors["barcode"] = ["This field may not be blank."]
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        errors["barcode"] = ["Not a valid string."]
        return None
    text = str(raw).strip()
    problems = []
    if len(text) > MAX_LENGTH:
        problems.append(f"Ensure this field has no more than {MAX_LENGTH} characters.")
    if "\x00" in text:
        problems.append("Null characters are not allowed.")
    surrogate = next((ch for ch in text if 0xD800 <= ord(ch) <= 0xDFFF), None)
    if surrogate is not None:
        problems.append(f"Surrogate characters are not allowed: U+{ord(surrogate):X}.")
    if problems:
        errors["barcode"] = problems
        return None
    return text


def _model_fields(ctx: Ctx, body: dict[str, Any], errors: dict[str, Any]) -> dict[str, Row | None]:
    """The model fields sent (each an optional, nullable primary key), as rows; bad ones go into ``errors``."""
    found: dict[str, Row | None] = {}
    for model in MODELS:
        if model.label not in body:
            continue
        if body[model.label] is None:
            found[model.label] = None
            continue
        row = rules.parse_pk(ctx.db, body, model.label, model.table or "build", errors)
        if row is not None and model.table is None:
            row = None
            errors[model.label] = [f'Invalid pk "{body[model.label]}" - object does not exist.']
        found[model.label] = row
    return found


def _may_change(ctx: Ctx, label: str) -> None:
    model = BY_LABEL[label]
    assert ctx.user is not None
    if not has_right(ctx.db, ctx.user, model.rulesets, "change"):
        raise ApiError(403, {"error": f"You do not have the required permissions for <class '{model.cls}'>"})


def barcode_scan(ctx: Ctx) -> Any:
    errors: dict[str, Any] = {}
    text = _barcode(body_dict(ctx), errors)
    if text is None:
        raise ApiError(400, errors)
    plugin, response = scan(ctx.db, text, ctx.sim.supplier_plugins)
    response["plugin"] = plugin
    response["barcode_data"] = text
    response["barcode_hash"] = barcode_hash(text)
    if plugin is None:
        response["error"] = "No match found for barcode data"
        raise ApiError(400, stringify(response))
    response["success"] = "Match found for barcode data"
    return response


def _server_error(ctx: Ctx, exc: Exception) -> ApiError:
    name = type(exc).__name__
    return ApiError(500, {"error": name, "error_class": f"<class '{name}'>",
                          "detail": "Error details can be found in the admin panel",
                          "path": ctx.request.url.path, "status_code": 500})  # fmt: skip


def barcode_link(ctx: Ctx) -> Any:
    body = body_dict(ctx)
    errors: dict[str, Any] = {}
    text = _barcode(body, errors)
    targets = _model_fields(ctx, body, errors)
    if errors or text is None:
        raise ApiError(400, errors)
    try:
        existing = inventree_scan(ctx.db, text)  # InvenTree's own plugin only: supplier plugins are not asked
    except PluginFailed as exc:
        raise _server_error(ctx, TypeError(str(exc))) from None
    if existing is not None:
        existing.pop("success", None)
        existing.update(error="Barcode matches existing item", plugin=INVENTREE_PLUGIN, barcode_data=text)
        raise ApiError(400, stringify(existing))
    digest = barcode_hash(text)
    for label in LABELS:
        row = targets.get(label)
        if row:
            _may_change(ctx, label)
            table = BY_LABEL[label].table
            assert table is not None
            ctx.db.update(table, row["id"], barcode_data=text, barcode_hash=digest)
            return {"success": f"Assigned barcode to {label} instance", label: {"pk": row["id"]},
                    "barcode_data": text, "barcode_hash": digest}  # fmt: skip
    raise ApiError(400, {"error": f"Missing data: provide one of '{LABELS}'"})


def barcode_unlink(ctx: Ctx) -> Any:
    body = body_dict(ctx)
    errors: dict[str, Any] = {}
    targets = _model_fields(ctx, body, errors)
    if errors:
        raise ApiError(400, errors)
    names = ", ".join(LABELS)
    if not targets:
        raise ApiError(400, {"error": f"Missing data: Provide one of '{names}'"})
    if len(targets) > 1:
        raise ApiError(400, {"error": f"Multiple conflicting fields: '{names}'"})
    for label in LABELS:
        row = targets.get(label)
        if row:
            _may_change(ctx, label)
            table = BY_LABEL[label].table
            assert table is not None
            ctx.db.update(table, row["id"], barcode_data="", barcode_hash="")
            return {"success": f"Barcode unassigned from {label} instance"}
    raise ApiError(400, {"error": "Could not unassign barcode"})


def plugin_activate(ctx: Ctx) -> Any:
    """Switch a supplier plugin on or off (superusers only); InvenTree's own barcode plugin cannot be switched off."""
    assert ctx.user is not None
    if not ctx.user["is_superuser"]:
        raise ApiError(403, {"detail": "You do not have permission to perform this action."})
    slug = str(ctx.path_params["slug"])
    plugin = suppliers.BY_SLUG.get(slug)
    if plugin is None and slug != INTERNAL_PLUGIN_SLUG:
        raise ApiError(404, {"detail": "No PluginConfig matches the given query."})
    errors: dict[str, Any] = {}
    active = rules.parse_bool(body_dict(ctx), "active", True, errors)
    if errors:
        raise ApiError(400, errors)
    if plugin is None:
        if not active:
            raise ApiError(400, {"non_field_errors": ["INVE-E10: Mandatory plugin cannot be deactivated"]})
        return {"active": True}
    if active:
        ctx.sim.supplier_plugins.add(plugin.key)
    else:
        ctx.sim.supplier_plugins.discard(plugin.key)
    return {"active": active}
