"""The declarative matcher: a rule's ``[match]`` table compiled into a check function.

Most rules are "an instruction of this kind, with (or without) this flag, whose arguments or image
look like this, in this kind of stage": they need no Python. Keys (all optional but ``instruction``):

``instruction``  kind or list of kinds (``"FROM"``, ``["CMD", "ENTRYPOINT"]``); ``"*"`` for any
``form``         ``"shell"`` or ``"exec"`` (RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK, COPY/ADD/VOLUME)
``flag``         a flag that must be present; ``no_flag``: a flag that must be absent
``flag_value``   ``{name = "...", pattern = "regex"}``: the flag's value matches
``args``         regex searched in the text after the keyword and flags; ``no_args``: must not match
``image``        FROM's image reference after global ARG expansion (silent when it is unknown):
                 ``{tag = "regex", no_tag = true, no_digest = true, registry = "regex",
                 name = "regex", variable = true|false}`` (``variable``: the word as written has a ``$``)
``stage``        ``{final = true|false, named = true|false, base_is_stage = true|false}``
                 (``base_is_stage``: ``FROM`` names an earlier stage, also through an ARG)
``position``     ``"global"`` (before the first FROM), ``"first-in-stage"``, ``"last-in-stage"``
``after``        a kind that must appear earlier in the same stage; ``before``: later in the stage
``repeated``     ``true``: report every occurrence of the kind in a stage except the last one
``report``       what to underline: ``"instruction"`` (default), ``"keyword"``, ``"args"``,
                 ``"image"``, ``"stage-name"``, ``"flag"`` (the flag named in flag/flag_value)

Message placeholders: ``{instruction}`` (kind), ``{keyword}``, ``{args}``, ``{image}`` (expanded),
``{tag}``, ``{stage}``, ``{flag}``, ``{value}``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from dfanalyze import model
from dfanalyze.checks.context import Context, Hit
from dfanalyze.model import Instruction, Stage
from dfanalyze.span import Span

CheckFunction = Callable[[Context], Iterable[Hit]]
_KEYS = {
    "instruction",
    "form",
    "flag",
    "no_flag",
    "flag_value",
    "args",
    "no_args",
    "image",
    "stage",
    "position",
    "after",
    "before",
    "repeated",
    "report",
}
_IMAGE_KEYS = {"tag", "no_tag", "no_digest", "registry", "name", "variable"}
_STAGE_KEYS = {"final", "named", "base_is_stage"}
_REPORTS = {"instruction", "keyword", "args", "image", "stage-name", "flag"}


class MatchError(ValueError):
    """A ``[match]`` table that cannot be compiled; ``field`` names the key."""

    def __init__(self, field_name: str, problem: str) -> None:
        super().__init__(f"match.{field_name}: {problem}")
        self.field = field_name


def _regex(value: Any, key: str) -> re.Pattern[str]:
    if not isinstance(value, str):
        raise MatchError(key, "must be a regular expression string")
    try:
        return re.compile(value)
    except re.error as exc:
        raise MatchError(key, f"invalid regular expression: {exc}") from None


def _kinds(value: Any) -> tuple[str, ...]:
    kinds = (value,) if isinstance(value, str) else value
    if not isinstance(kinds, (list, tuple)) or not all(isinstance(k, str) for k in kinds) or not kinds:
        raise MatchError("instruction", "must be a kind or a list of kinds")
    return tuple(k.upper() for k in kinds)


def _args_text(ins: Instruction) -> tuple[str, int]:
    """The text after the keyword and flags, and its offset in the logical line."""
    if ins.args:
        start = ins.text.find(ins.args[0].text) if not ins.json else ins.text.find("[")
        if start >= 0:
            return ins.text[start:], start
    return "", len(ins.text)


def compile_match(table: Mapping[str, Any]) -> CheckFunction:
    """Turn a ``[match]`` table into a check function; raises :class:`MatchError`."""
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise MatchError(unknown[0], f"unknown key (allowed: {', '.join(sorted(_KEYS))})")
    if "instruction" not in table:
        raise MatchError("instruction", "is required")
    any_kind = table["instruction"] == "*"
    kinds = () if any_kind else _kinds(table["instruction"])
    form = table.get("form")
    if form not in (None, "shell", "exec"):
        raise MatchError("form", "must be 'shell' or 'exec'")
    flag = table.get("flag")
    no_flag = table.get("no_flag")
    flag_value = table.get("flag_value")
    flag_pattern = None
    if flag_value is not None:
        if not isinstance(flag_value, dict) or set(flag_value) != {"name", "pattern"}:
            raise MatchError("flag_value", "must be {name = ..., pattern = ...}")
        flag_pattern = _regex(flag_value["pattern"], "flag_value.pattern")
    args = _regex(table["args"], "args") if "args" in table else None
    no_args = _regex(table["no_args"], "no_args") if "no_args" in table else None
    image = table.get("image", {})
    if not isinstance(image, dict) or set(image) - _IMAGE_KEYS:
        raise MatchError("image", f"keys must be among {', '.join(sorted(_IMAGE_KEYS))}")
    image_tag = _regex(image["tag"], "image.tag") if "tag" in image else None
    image_registry = _regex(image["registry"], "image.registry") if "registry" in image else None
    image_name = _regex(image["name"], "image.name") if "name" in image else None
    stage_filter = table.get("stage", {})
    if not isinstance(stage_filter, dict) or set(stage_filter) - _STAGE_KEYS:
        raise MatchError("stage", f"keys must be among {', '.join(sorted(_STAGE_KEYS))}")
    position = table.get("position")
    if position not in (None, "global", "first-in-stage", "last-in-stage"):
        raise MatchError("position", "must be 'global', 'first-in-stage' or 'last-in-stage'")
    after = _kinds(table["after"]) if "after" in table else ()
    before = _kinds(table["before"]) if "before" in table else ()
    repeated = bool(table.get("repeated", False))
    report = table.get("report", "instruction")
    if report not in _REPORTS:
        raise MatchError("report", f"must be one of {', '.join(sorted(_REPORTS))}")
    flag_name = flag or (flag_value or {}).get("name")
    if report == "flag" and not flag_name:
        raise MatchError("report", "'flag' needs flag or flag_value")

    def instruction_matches(
        ctx: Context,
        ins: Instruction,
        stage: Stage | None,
        final: bool,
        index: int,
        siblings: tuple[Instruction, ...],
    ) -> dict[str, object] | None:
        if not any_kind and ins.kind not in kinds:
            return None
        values: dict[str, object] = {"instruction": ins.kind, "keyword": ins.keyword.text}
        if form is not None:
            is_exec = ins.json
            if (form == "exec") != is_exec:
                return None
            if form == "shell" and not ins.args:
                return None
        if flag is not None and ins.flag(flag) is None:
            return None
        if no_flag is not None and ins.flag(no_flag) is not None:
            return None
        if flag_value is not None:
            f = ins.flag(flag_value["name"])
            if f is None or f.value is None or not flag_pattern or not flag_pattern.search(f.value):
                return None
            values["value"] = f.value
        if flag_name:
            values["flag"] = flag_name
        text, _ = _args_text(ins)
        values["args"] = text
        if args is not None and not args.search(text):
            return None
        if no_args is not None and no_args.search(text):
            return None
        if image:
            if not isinstance(ins, model.From) or ins.image is None:
                return None
            has_variable = "$" in ins.image.text
            if "variable" in image and image["variable"] != has_variable:
                return None
            ref = ctx.analysis.scopes.image(ins)
            if any(k in image for k in ("tag", "no_tag", "no_digest", "registry", "name")):
                if ref is None or ref.text.lower() == "scratch":
                    return None
                if image.get("no_tag") and (ref.tag is not None or ref.digest is not None):
                    return None
                if image.get("no_digest") and ref.digest is not None:
                    return None
                if image_tag is not None and (ref.tag is None or not image_tag.search(ref.tag)):
                    return None
                if image_registry is not None and not image_registry.search(ref.domain):
                    return None
                if image_name is not None and not image_name.search(ref.name):
                    return None
                values["tag"] = ref.tag or ""
            values["image"] = ref.text if ref is not None else ins.image.text
        needs_stage = stage_filter or position in ("first-in-stage", "last-in-stage") or after or before
        if needs_stage and stage is None:
            return None
        if position == "global" and stage is not None:
            return None
        if stage is not None:
            values["stage"] = stage.label
            if "final" in stage_filter and stage_filter["final"] != final:
                return None
            if "named" in stage_filter and stage_filter["named"] != (stage.name is not None):
                return None
            wants_stage_base = stage_filter.get("base_is_stage")
            if wants_stage_base is not None and wants_stage_base != _base_is_stage(ctx, stage):
                return None
            if position == "first-in-stage" and index != 0:
                return None
            if position == "last-in-stage" and index != len(siblings) - 1:
                return None
            if after and not any(s.kind in after for s in siblings[:index]):
                return None
            if before and not any(s.kind in before for s in siblings[index + 1 :]):
                return None
            if repeated and not any(s.kind == ins.kind for s in siblings[index + 1 :]):
                return None
        return values

    def check(ctx: Context) -> Iterator[Hit]:
        dockerfile = ctx.dockerfile
        last = len(dockerfile.stages) - 1
        for arg in dockerfile.global_args:
            values = instruction_matches(ctx, arg, None, False, 0, ())
            if values is not None:
                yield Hit(_report_span(arg, report, flag_name), values)
        for stage in dockerfile.stages:
            siblings = (stage.from_, *stage.instructions)
            for index, ins in enumerate(siblings):
                values = instruction_matches(ctx, ins, stage, stage.index == last, index, siblings)
                if values is not None:
                    yield Hit(_report_span(ins, report, flag_name), values)

    return check


def _base_is_stage(ctx: Context, stage: Stage) -> bool:
    """Whether ``FROM`` names an earlier stage, as written or after global ARG expansion."""
    if any(link.kind == "from" for link in ctx.dockerfile.links_to(stage.index)):
        return True
    ref = ctx.analysis.scopes.image(stage.from_)
    return ref is not None and ctx.dockerfile.stage_before(ref.text, stage.index) is not None


def _report_span(ins: Instruction, report: str, flag_name: str | None) -> Span:
    if report == "keyword":
        return ins.keyword.span
    if report == "args" and ins.args:
        return Span(ins.args[0].span.start, ins.args[-1].span.end)
    if report == "image" and isinstance(ins, model.From) and ins.image is not None:
        return ins.image.span
    if report == "stage-name" and isinstance(ins, model.From) and ins.stage_name is not None:
        return ins.stage_name.span
    if report == "flag" and flag_name:
        f = ins.flag(flag_name)
        if f is not None:
            return f.span
    return Span(ins.keyword.span.start, ins.offsets.end)
