"""A small inventory API: the kind of app the oracle's Python cases package."""

from __future__ import annotations

from flask import Flask, abort, jsonify, request

app = Flask(__name__)
ITEMS: dict[int, dict[str, object]] = {}


@app.get("/healthz")
def healthz():
    return {"status": "ok"}


@app.get("/items")
def list_items():
    return jsonify(sorted(ITEMS.values(), key=lambda item: item["id"]))


@app.post("/items")
def add_item():
    body = request.get_json(silent=True) or {}
    name = str(body.get("name", "")).strip()
    if not name:
        abort(400, "name is required")
    item_id = max(ITEMS, default=0) + 1
    ITEMS[item_id] = {"id": item_id, "name": name, "count": int(body.get("count", 0))}
    return ITEMS[item_id], 201


@app.delete("/items/<int:item_id>")
def delete_item(item_id: int):
    if ITEMS.pop(item_id, None) is None:
        abort(404)
    return "", 204
