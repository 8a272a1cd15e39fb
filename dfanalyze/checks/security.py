"""Checks of the security family that are about users and permissions (the RUN-based ones live
with the RUN checks)."""

from __future__ import annotations

from collections.abc import Iterator

from dfanalyze import model
from dfanalyze.checks.context import Context, Hit

_ROOT = frozenset({"root", "0"})


def last_user_root(ctx: Context) -> Iterator[Hit]:
    """The final image's last USER is root. Stages other than the last do not reach the image, and
    a final stage without any USER depends on its base image (not reported here)."""
    if not ctx.dockerfile.stages:
        return
    stage = ctx.dockerfile.stages[-1]
    users = [i for i in stage.instructions if isinstance(i, model.User) and i.value is not None]
    if not users:
        return
    last = users[-1]
    assert last.value is not None
    value = ctx.analysis.scopes.at(last).value(last.value.text, ctx.dockerfile.escape)
    if value is None:
        return
    user = value.split(":", 1)[0].strip()
    if user in _ROOT:
        yield Hit(last.value.span, {"user": value})
