"""Checks of LABEL keys and values, against Docker's key guidance and an optional label schema.

The schema (``label-schema``, a table label -> type, from the rule options or from the global
configuration, where a ``.hadolint.yaml`` ``label-schema`` also lands) names the labels an image
must carry and the format of each value: ``text``, ``url``, ``rfc3339``, ``spdx``, ``hash``,
``semver``, ``email``. ``strict-labels`` reports labels the schema does not name. Values are
expanded with the ARG/ENV in scope; a value that depends on an unknown variable is not judged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from dfanalyze import model
from dfanalyze.checks.context import Context, Hit
from dfanalyze.model import KeyValue

_RESERVED = ("com.docker.", "io.docker.", "org.dockerproject.")
_KEY = re.compile(r"^[a-z0-9](?:[a-z0-9]|[.-](?=[a-z0-9]))*$")
# The value formats: pattern sources, compiled by `re` when a label of that format is checked.
_URL = r"^[A-Za-z][A-Za-z0-9+.-]*://[^\s/?#]+[^\s]*$"
_HASH = r"^(?:[0-9a-f]{7,40}|[0-9a-f]{64})$"
_SEMVER = (
    r"^(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*)"
    r"(?:-(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$"
)
_EMAIL = r"^(?:[^<>@\s]+ )*<?[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+>?$"
_RFC3339 = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"
TYPES = ("text", "url", "rfc3339", "spdx", "hash", "semver", "email")


@cache
def spdx_identifiers() -> frozenset[str]:
    path = Path(__file__).resolve().parent.parent / "knowledge" / "data" / "spdx-licenses.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _spdx_expression(value: str) -> bool:
    """A license expression made of known SPDX identifiers (``MIT``, ``Apache-2.0 OR MIT``,
    ``GPL-2.0-or-later WITH Classpath-exception-2.0``, ``LicenseRef-x``)."""
    known = spdx_identifiers()
    tokens = [t for t in re.split(r"[\s()]+", value) if t]
    if not tokens:
        return False
    for token in tokens:
        if token.upper() in ("AND", "OR", "WITH"):
            continue
        ident = token.rstrip("+").lower()
        if ident not in known and not ident.startswith(("licenseref-", "documentref-")):
            return False
    return True


def _rfc3339(value: str) -> bool:
    if not re.match(_RFC3339, value):
        return False
    try:
        datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00").replace("t", "T"))
    except ValueError:
        return False
    return True


VALIDATORS: dict[str, Callable[[str], bool]] = {
    "url": lambda v: bool(re.match(_URL, v)),
    "rfc3339": _rfc3339,
    "spdx": _spdx_expression,
    "hash": lambda v: bool(re.match(_HASH, v)),
    "semver": lambda v: bool(re.match(_SEMVER, v)),
    "email": lambda v: bool(re.match(_EMAIL, v)),
}


def _setting(ctx: Context, key: str, default: Any) -> Any:
    if key in ctx.options:
        return ctx.options[key]
    return ctx.settings.get(key, default)


def _schema(ctx: Context) -> Mapping[str, str]:
    schema = _setting(ctx, "label-schema", {})
    return schema if isinstance(schema, Mapping) else {}


def _labels(ctx: Context) -> tuple[tuple[model.Label, KeyValue, str | None], ...]:
    """Every label pair with its value after expansion (None when unknown); expanded once per
    file for all the label rules."""
    labels: tuple[tuple[model.Label, KeyValue, str | None], ...] = ctx.analysis.cached(
        "labels", lambda: tuple(_expanded_labels(ctx))
    )
    return labels


def _expanded_labels(ctx: Context) -> Iterator[tuple[model.Label, KeyValue, str | None]]:
    scopes = ctx.analysis.scopes
    for ins in ctx.instructions("LABEL"):
        if not isinstance(ins, model.Label):
            continue
        scope = scopes.at(ins)
        for pair in ins.pairs:
            yield ins, pair, scope.value(pair.value.text, ctx.dockerfile.escape)


_RESERVED_KEY = "uses a namespace reserved by Docker"
_MALFORMED_KEY = "is not lower-case letters and digits joined by single `.` or `-`"


def invalid_label_key(ctx: Context) -> Iterator[Hit]:
    for ins, pair, _ in _labels(ctx):
        key = pair.key.text.strip("\"'")
        if "$" in key:
            continue
        problem = _RESERVED_KEY if key.startswith(_RESERVED) else None if _KEY.match(key) else _MALFORMED_KEY
        if problem is not None:  # the keys of one LABEL with the same problem are one finding
            yield Hit(pair.key.span, {"key": key, "problem": problem}, group=(ins.span, problem), item=key)


def _final_labels(ctx: Context) -> dict[str, KeyValue]:
    """The labels the final image carries from this file (its stage and in-file ancestors)."""
    dockerfile = ctx.dockerfile
    chain: list[model.Stage] = []
    stage = dockerfile.stages[-1] if dockerfile.stages else None
    while stage is not None and stage not in chain:
        chain.append(stage)
        image = stage.from_.image
        parent = dockerfile.stage_named(image.text) if image else None
        stage = parent if parent is not None and parent.index < stage.index else None
    found: dict[str, KeyValue] = {}
    for s in reversed(chain):
        for ins in s.instructions:
            if isinstance(ins, model.Label):
                for pair in ins.pairs:
                    found[pair.key.text.strip("\"'")] = pair
    return found


def missing_label(ctx: Context) -> Iterator[Hit]:
    schema = _schema(ctx)
    if not schema or not ctx.dockerfile.stages:
        return
    present = _final_labels(ctx)
    from_ = ctx.dockerfile.stages[-1].from_
    for label in schema:
        if label not in present:
            at = from_.keyword.span if from_.image is None else from_.image.span
            yield Hit(at, {"label": label}, group=at, item=label)


def superfluous_label(ctx: Context) -> Iterator[Hit]:
    if not _setting(ctx, "strict-labels", False):
        return
    schema = _schema(ctx)
    for ins, pair, _ in _labels(ctx):
        key = pair.key.text.strip("\"'")
        if key not in schema:
            yield Hit(pair.key.span, {"label": key}, group=ins.span, item=key)


def empty_label(ctx: Context) -> Iterator[Hit]:
    schema = _schema(ctx)
    if not schema:  # only the labels of the schema must not be empty
        return
    for ins, pair, value in _labels(ctx):
        key = pair.key.text.strip("\"'")
        if key in schema and value is not None and not value.strip():
            yield Hit(pair.key.span, {"label": key}, group=ins.span, item=key)


def _format_check(ctx: Context, kind: str) -> Iterator[Hit]:
    schema = _schema(ctx)
    if kind not in schema.values():  # no label of the schema has this format
        return
    validate = VALIDATORS[kind]
    for ins, pair, value in _labels(ctx):
        key = pair.key.text.strip("\"'")
        if schema.get(key) != kind or value is None or not value.strip():
            continue
        if not validate(value):
            yield Hit(pair.value.span, {"label": key, "value": value}, group=ins.span, item=key)


def label_not_url(ctx: Context) -> Iterator[Hit]:
    yield from _format_check(ctx, "url")


def label_not_rfc3339(ctx: Context) -> Iterator[Hit]:
    yield from _format_check(ctx, "rfc3339")


def label_not_spdx(ctx: Context) -> Iterator[Hit]:
    yield from _format_check(ctx, "spdx")


def label_not_git_hash(ctx: Context) -> Iterator[Hit]:
    yield from _format_check(ctx, "hash")


def label_not_semver(ctx: Context) -> Iterator[Hit]:
    yield from _format_check(ctx, "semver")


def label_not_email(ctx: Context) -> Iterator[Hit]:
    yield from _format_check(ctx, "email")
