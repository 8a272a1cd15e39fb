"""Checks of the security family that are about users and permissions (the RUN-based ones live
with the RUN checks)."""

from __future__ import annotations

from collections.abc import Iterator

from dfanalyze import model
from dfanalyze.analysis.packages import UserOp
from dfanalyze.checks.base_image import lineage, root_image_info
from dfanalyze.checks.context import Context, Hit
from dfanalyze.checks.run import run_sites

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


def non_numeric_user(ctx: Context) -> Iterator[Hit]:
    """The user the final image runs as (the last USER of its stage, else of the in-file stages it
    is built on) is a name rather than a numeric UID. Root is DF601's concern; an unknown value
    and a USER of another stage are not reported."""
    if not ctx.dockerfile.stages:
        return
    chain = lineage(ctx, ctx.dockerfile.stages[-1])
    users = (i for stage in chain for i in reversed(stage.instructions) if isinstance(i, model.User))
    last = next((u for u in users if u.value is not None), None)
    if last is None or last.value is None:
        return
    value = ctx.analysis.scopes.at(last).value(last.value.text, ctx.dockerfile.escape)
    if value is None:
        return
    user, colon, group = value.partition(":")
    if not user or user.isdigit() or user in _ROOT:
        return
    created = _created_uid(ctx, chain, user)
    if created is not None:
        uid, tool, line = created
        advice = f": write `USER {uid}{colon}{group}` (`{tool}`, line {line})"
    elif (known := _base_uid(ctx, chain, user)) is not None:
        advice = f": write `USER {known}{colon}{group}` (the base image's UID)"
    else:  # made by the base image, or by a script: its UID is not known here
        advice = ": write its numeric UID"
    yield Hit(last.value.span, {"user": value, "advice": advice})


def _base_uid(ctx: Context, chain: tuple[model.Stage, ...], user: str) -> int | None:
    """The UID of ``user`` when the data files know the account in the root image of ``chain``:
    one the image adds (``node`` in node), else one of its distribution (``nobody``)."""
    info = root_image_info(ctx, chain[-1])
    if info is None:
        return None
    own = dict(info.uids)
    if user in own:
        return own[user]
    distro = ctx.analysis.image_info(None, info.distro, None) if info.distro else None
    return dict(distro.uids).get(user) if distro is not None else None


def _created_uid(ctx: Context, chain: tuple[model.Stage, ...], user: str) -> tuple[str, str, int] | None:
    """(UID, tool, line) of the last ``useradd``/``adduser`` of ``chain`` that made ``user`` with an
    explicit numeric UID."""
    found = None
    for site in run_sites(ctx):
        if site.onbuild or site.stage not in chain:
            continue
        for step in site.steps:
            op = step.operation
            if (
                isinstance(op, UserOp)
                and op.tool in {"useradd", "adduser"}
                and op.name is not None
                and op.name.value == user
                and op.id is not None
                and op.id.isdigit()
            ):
                found = (op.id, op.tool, site.instruction.line)
    return found
