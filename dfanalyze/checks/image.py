"""Checks about the final image as a whole (what ``docker run`` gets)."""

from __future__ import annotations

from collections.abc import Iterator

from dfanalyze import model
from dfanalyze.checks.context import Context, Hit


def healthcheck_missing(ctx: Context) -> Iterator[Hit]:
    """The final image declares no HEALTHCHECK in this file (opt-in: its base image may have one)."""
    dockerfile = ctx.dockerfile
    if not dockerfile.stages:
        return
    chain: list[model.Stage] = []
    stage: model.Stage | None = dockerfile.stages[-1]
    while stage is not None and stage not in chain:
        chain.append(stage)
        image = stage.from_.image
        parent = dockerfile.stage_named(image.text) if image else None
        stage = parent if parent is not None and parent.index < stage.index else None
    if any(isinstance(i, model.Healthcheck) for s in chain for i in s.instructions):
        return
    final = dockerfile.stages[-1].from_
    yield Hit(final.image.span if final.image else final.keyword.span, {})
