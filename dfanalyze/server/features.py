"""What the server answers, computed from a :class:`~dfanalyze.server.snapshot.Snapshot`: each
function turns what the API says about one version of a document into LSP values. No rule,
configuration, suppression or fix logic lives here: it is all the API's, as for the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types as lsp

from dfanalyze import model
from dfanalyze.findings import Finding, Severity
from dfanalyze.server.snapshot import Snapshot
from dfanalyze.span import Position, Span

if TYPE_CHECKING:
    from datetime import date

    from dfanalyze.analysis.symbols import Definition, Occurrence
    from dfanalyze.api import ImageFacts, ImageTag
    from dfanalyze.engine.rulefile import Rule
    from dfanalyze.knowledge.base_images import ImageInfo, ReleaseStatus
    from dfanalyze.knowledge.image_facts import BaseImageFacts
    from dfanalyze.layers.graph import LayerGraph, Step

SOURCE = "dfanalyze"
FIX_ALL_KIND = "source.fixAll.dfanalyze"
DISABLE_RULE_COMMAND = "dfanalyze.disableRule"
_SEVERITIES = {
    Severity.ERROR: lsp.DiagnosticSeverity.Error,
    Severity.WARNING: lsp.DiagnosticSeverity.Warning,
    Severity.INFO: lsp.DiagnosticSeverity.Information,
    Severity.STYLE: lsp.DiagnosticSeverity.Information,
}
_UNNECESSARY = frozenset({"DF790"})  # a suppression code that suppresses nothing: faded
_DEPRECATED = frozenset({"DF706"})  # MAINTAINER: struck through
_STAGE_NAME = re.compile(r"^[a-zA-Z][a-zA-Z0-9_.-]*$")
_CODE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")


# -- diagnostics -----------------------------------------------------------------------------------


def _safety(finding: Finding) -> str | None:
    if finding.fix is None:
        return None
    return "safe" if finding.fix.safe else "unsafe"


def diagnostic(snapshot: Snapshot, finding: Finding) -> lsp.Diagnostic:
    tags = [lsp.DiagnosticTag.Unnecessary] if finding.code in _UNNECESSARY else []
    tags += [lsp.DiagnosticTag.Deprecated] if finding.code in _DEPRECATED else []
    related = [
        lsp.DiagnosticRelatedInformation(
            lsp.Location(snapshot.uri, snapshot.lines.range(item.span)), item.message
        )
        for item in finding.related
    ]
    return lsp.Diagnostic(
        range=snapshot.lines.range(finding.span),
        message=finding.message,
        severity=_SEVERITIES[finding.severity],
        code=finding.code,
        code_description=lsp.CodeDescription(finding.url) if finding.url else None,
        source=SOURCE,
        tags=tags or None,
        related_information=related or None,
        data={"severity": finding.severity.value, "name": finding.name, "fix": _safety(finding)},
    )


def diagnostics(snapshot: Snapshot) -> list[lsp.Diagnostic]:
    """The findings of ``dfanalyze check`` for this text, and what kept it from being checked."""
    checked = snapshot.checked
    start = lsp.Range(lsp.Position(0, 0), lsp.Position(0, 0))
    error = checked.config_error
    if error is not None:
        where = Path(error.path)
        related = (
            [lsp.DiagnosticRelatedInformation(lsp.Location(where.as_uri(), start), "the configuration")]
            if where.is_absolute()
            else None
        )
        return [
            lsp.Diagnostic(
                range=start,
                message=f"dfanalyze cannot use its configuration, nothing was checked: {error}",
                severity=lsp.DiagnosticSeverity.Error,
                source=SOURCE,
                code="configuration",
                related_information=related,
            )
        ]
    found = [diagnostic(snapshot, f) for f in checked.findings]
    for failure in checked.failures:  # as dfanalyze check reports them: errors (exit status 2)
        ins = snapshot.instruction_at(Position(failure.line, failure.column)) if failure.line else None
        found.append(
            lsp.Diagnostic(
                range=snapshot.lines.range(ins.keyword.span) if ins is not None else start,
                message=failure.message(),
                severity=lsp.DiagnosticSeverity.Error,
                source=SOURCE,
                code="internal-error",
            )
        )
    for skipped in checked.not_run:  # asked for by name: an error; else a warning the CLI prints once
        found.append(
            lsp.Diagnostic(
                range=start,
                message=skipped.message,
                severity=lsp.DiagnosticSeverity.Error if skipped.named else lsp.DiagnosticSeverity.Hint,
                source=SOURCE,
                code="rule-not-run",
            )
        )
    return found


# -- code actions ----------------------------------------------------------------------------------


def _overlaps(span: Span, start: Position, end: Position) -> bool:
    return span.start <= end and start <= span.end


def _edit(snapshot: Snapshot, span: Span, content: str) -> lsp.TextEdit:
    return lsp.TextEdit(snapshot.lines.range(span), content)


def _workspace_edit(snapshot: Snapshot, edits: list[lsp.TextEdit]) -> lsp.WorkspaceEdit:
    return lsp.WorkspaceEdit(
        document_changes=[
            lsp.TextDocumentEdit(
                lsp.OptionalVersionedTextDocumentIdentifier(snapshot.uri, snapshot.version), list(edits)
            )
        ]
    )


def code_actions(snapshot: Snapshot, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    """Each finding's fix, "ignore this rule here", "disable this rule in the configuration", and
    "fix all safe fixes" (``source.fixAll.dfanalyze``), as the client asked (``only``)."""
    only = params.context.only
    wants_quickfix = only is None or any(lsp.CodeActionKind.QuickFix.value.startswith(k) for k in only)
    wants_fix_all = only is None or any(FIX_ALL_KIND.startswith(k) for k in only)
    start = snapshot.lines.from_lsp(params.range.start)
    end = snapshot.lines.from_lsp(params.range.end)
    actions: list[lsp.CodeAction] = []
    findings = [f for f in snapshot.checked.findings if _overlaps(f.span, start, end)]
    if wants_quickfix:
        for finding in findings:
            actions += _finding_actions(snapshot, finding)
    if wants_fix_all:
        fix_all = fix_all_action(snapshot)
        if fix_all is not None:
            actions.append(fix_all)
    return actions


def _finding_actions(snapshot: Snapshot, finding: Finding) -> Iterator[lsp.CodeAction]:
    diag = [diagnostic(snapshot, finding)]
    fix = finding.fix
    if fix is not None:
        title = f"{fix.title} ({finding.code})" if fix.safe else f"{fix.title} ({finding.code}, unsafe fix)"
        yield lsp.CodeAction(
            title=title,
            kind=lsp.CodeActionKind.QuickFix,
            diagnostics=diag,
            is_preferred=fix.safe,
            edit=_workspace_edit(snapshot, [_edit(snapshot, e.span, e.content) for e in fix.edits]),
        )
    ignore = ignore_edit(snapshot, finding)
    if ignore is not None:
        yield lsp.CodeAction(
            title=f"Ignore {finding.code} for this instruction",
            kind=lsp.CodeActionKind.QuickFix,
            diagnostics=diag,
            edit=_workspace_edit(snapshot, [ignore]),
        )
    yield lsp.CodeAction(
        title=f"Disable {finding.code} ({finding.name}) in the configuration",
        kind=lsp.CodeActionKind.QuickFix,
        diagnostics=diag,
        command=lsp.Command(
            title=f"Disable {finding.code} in the configuration",
            command=DISABLE_RULE_COMMAND,
            arguments=[snapshot.uri, finding.code],
        ),
    )


def ignore_edit(snapshot: Snapshot, finding: Finding) -> lsp.TextEdit | None:
    """The suppression comment for ``finding``'s instruction: the code added to the
    ``# dfanalyze: ignore=`` comment right above it, or a new comment line (None when the finding
    is on no instruction, as a finding on a comment)."""
    ins = snapshot.instruction_at(finding.span.start)
    if ins is None:
        return None
    line = ins.span.start.line
    source = snapshot.dockerfile.lines
    text = source[line - 1] if line - 1 < len(source) else ""
    indent = text[: len(text) - len(text.lstrip())]
    above = source[line - 2] if line >= 2 else ""
    found = re.match(r"^(\s*#\s*dfanalyze\s*:\s*ignore\s*=\s*[^-]*?)\s*(--.*)?$", above)
    if found is not None:
        end = len(found.group(1))
        return _edit(snapshot, Span.of(line - 1, end + 1, line - 1, end + 1), f",{finding.code}")
    return _edit(snapshot, Span.of(line, 1, line, 1), f"{indent}# dfanalyze: ignore={finding.code}\n")


def fix_all_action(snapshot: Snapshot) -> lsp.CodeAction | None:
    """Every safe fix, applied pass after pass as ``dfanalyze --fix`` does; None when none applies."""
    if not any(f.fix is not None and f.fix.safe for f in snapshot.checked.findings):
        return None
    fixed = snapshot.fixed
    if fixed is None or fixed == snapshot.text:
        return None
    return lsp.CodeAction(
        title="Fix all safe dfanalyze findings",
        kind=FIX_ALL_KIND,
        edit=_workspace_edit(snapshot, [minimal_edit(snapshot, fixed)]),
    )


def minimal_edit(snapshot: Snapshot, new_text: str) -> lsp.TextEdit:
    """One edit that turns the snapshot's text into ``new_text``, covering only the lines between
    their common first and last lines (the cursor and folds elsewhere stay put)."""
    from dfanalyze.fix import common_ends

    old = snapshot.lines.lines
    new = new_text.replace("\r\n", "\n").split("\n")
    head, tail = common_ends(old, new)
    start = lsp.Position(head, 0)
    if len(old) - tail < len(old):
        end = lsp.Position(len(old) - tail, 0)
        replacement = "".join(line + "\n" for line in new[head : len(new) - tail])
    else:
        end = snapshot.lines.end()
        replacement = "\n".join(new[head:])
    return lsp.TextEdit(lsp.Range(start, end), replacement)


# -- hover -----------------------------------------------------------------------------------------


def _markdown(text: str, span: Span | None, snapshot: Snapshot) -> lsp.Hover:
    return lsp.Hover(
        lsp.MarkupContent(lsp.MarkupKind.Markdown, text),
        snapshot.lines.range(span) if span is not None else None,
    )


def _human(size: int | None) -> str:
    from dfanalyze.layers.render import human

    return human(size)


def hover(snapshot: Snapshot, at: lsp.Position) -> lsp.Hover | None:
    """On a variable or stage name, its value or stage; on a FROM image, what dfanalyze knows of
    it; on a rule code or a suppression comment, the rule's docs; on a finding, its rule's docs;
    elsewhere on a layer-making instruction, its size, waste and cache inputs."""
    position = snapshot.lines.from_lsp(at)
    occurrence = snapshot.symbols.at(position)
    if occurrence is not None:
        return _markdown(_symbol_hover(snapshot, occurrence), occurrence.span, snapshot)
    ins = snapshot.instruction_at(position)
    if isinstance(ins, model.From) and ins.image is not None and _inside(ins.image.span, position):
        return _markdown(image_hover(snapshot, ins), ins.image.span, snapshot)
    rules = _rules_at(snapshot, position)
    if rules:
        span, found = rules
        return _markdown("\n\n---\n\n".join(_rule_docs(r) for r in found), span, snapshot)
    if ins is not None:
        text = layer_hover(snapshot, ins)
        if text is not None:
            return _markdown(text, ins.keyword.span, snapshot)
    return None


def _inside(span: Span, position: Position) -> bool:
    return span.start <= position <= span.end


def _symbol_hover(snapshot: Snapshot, occurrence: Occurrence) -> str:
    definition = occurrence.definition
    if definition.kind == "stage":
        stage = snapshot.dockerfile.stages[definition.stage or 0]
        image = stage.from_.image.text if stage.from_.image is not None else "?"
        uses = len(snapshot.symbols.uses_of(definition))
        return (
            f"**stage `{definition.name}`** (stage {stage.index}, line {stage.from_.line})\n\n"
            f"`FROM {image}` · used {uses} time{'s' if uses != 1 else ''}"
        )
    if occurrence.use is not None:
        value = snapshot.symbols.visible(occurrence.use.instruction).get(definition.name)
    else:
        value = snapshot.symbols.value(definition)
    shown = (
        f"`{value}`" if isinstance(value, str) else "unknown (no default, or it depends on a build argument)"
    )
    where = (
        "global ARG" if definition.stage is None else f"{definition.declared_by} in stage {definition.stage}"
    )
    return f"**`${definition.name}`** = {shown}\n\n{where}, line {definition.span.start.line}"


def image_hover(snapshot: Snapshot, ins: model.From) -> str:
    """What dfanalyze knows of a FROM's image (after expanding the global ARGs), on the platform
    its ``--platform`` names when that is written out (amd64 otherwise)."""
    from dfanalyze.api import image_facts

    assert ins.image is not None
    written = ins.image.text
    stage = snapshot.dockerfile.stage_named(written)
    if stage is not None and stage.from_ is not ins:
        return f"**stage `{stage.label}`** (line {stage.from_.line})"
    ref = snapshot.symbols.scopes.image(ins)
    if ref is None:
        return f"`{written}`: the image is not known before the build (a build argument decides it)"
    flag = ins.flag("platform")
    platform = flag.value if flag is not None and flag.value and "$" not in flag.value else None
    facts = image_facts(ref.text, snapshot.today, platform)
    if facts is None:
        return f"`{ref.text}`: not an image reference dfanalyze can read"
    return image_markdown(facts)


def image_markdown(facts: ImageFacts) -> str:
    """The facts of an image as a hover shows them: its support status, then repo-info's facts of
    the tag where the data has them (sizes, distribution, packages, configuration), the image
    family's otherwise, and the size the layer estimates start from when that differs."""
    found, info = facts.facts, facts.info
    lines = [f"**{facts.ref}**" + (f" ({found.platform})" if found is not None else "")]
    if info is not None:
        lines.append(info.label + (f" · variant `{info.variant}`" if info.variant else ""))
    if found is None and info is None:
        lines.append("dfanalyze's base-image data does not know this image.")
    lines += [f"- {status.product} {status.cycle}: {_support(status)}" for status in facts.releases]
    if found is not None:
        lines += _tag_facts(found)
    elif info is not None:
        lines += _family_facts(info)
    shown = found.uncompressed_bytes if found is not None else None
    if facts.estimate_bytes is None:
        lines.append(
            f"- {'size: unknown' if shown is None else 'not in the layer estimates'}: {facts.estimate_source}"
        )
    elif facts.estimate_bytes != shown:
        estimate = _human(facts.estimate_bytes)
        lines.append(f"- the layer estimates start from {estimate} ({facts.estimate_source})")
    if found is not None:
        sources = [s for s in found.sources if s.role in ("local", "remote")] or list(found.sources)
        where = "; ".join(f"{s.repository}@{(s.commit or '')[:12]} {s.path or ''}".rstrip() for s in sources)
        lines.append(f"\nsource: {where} (read {found.read})")
    elif info is not None and info.source:
        lines.append(f"\nsource: {info.source} (read {info.read})")
    return "\n".join(lines)


def _support(status: ReleaseStatus) -> str:
    if status.is_eol is None:
        return "no end-of-life date known"
    if not status.is_eol:
        return f"supported until {status.eol}"
    state = f"**past its end of life** since {status.eol} ({status.eol_meaning or 'end of life'})"
    if status.in_extended_support and status.extended_meaning:
        covered = status.extended_meaning.removeprefix("end of ")
        state += f"; only {covered} covers it, until {status.extended_until}"
    return state


def _tag_facts(found: BaseImageFacts) -> list[str]:
    """Sizes, distribution, packages and configuration of one tag (docker-library/repo-info)."""
    sizes = []
    if found.uncompressed_bytes is not None:
        sizes.append(f"{_human(found.uncompressed_bytes)} on disk")
    if found.compressed_bytes is not None:
        layers = len(found.layers or ())
        sizes.append(f"{_human(found.compressed_bytes)} to pull ({layers} layer{'s' if layers != 1 else ''})")
    lines = [f"- size: {', '.join(sizes)}"] if sizes else []
    if found.distro is not None:
        release = f" {found.distro_release}" if found.distro_release else ""
        lines.append(f"- distribution: {found.distro}{release}")
    if found.packages is not None:
        manager = f" ({found.package_manager})" if found.package_manager else ""
        lines.append(f"- packages: {len(found.packages)}{manager}")
    elif found.package_manager is not None:
        lines.append(f"- package manager: {found.package_manager}")
    if found.version is not None:
        built = f", built {found.created[:10]}" if found.created else ""
        lines.append(f"- version: {found.version}{built}")
    config = found.config
    if config is not None:
        lines += _config_lines(
            config.user, config.workdir, config.volumes, config.exposed_ports, config.cmd, config.entrypoint
        )
        if config.user is None:
            lines.append("- default user: root (no USER in the image's configuration)")
    other = [t for t in found.tags if t != found.tag]
    if other:
        lines.append(f"- same image as: {', '.join(f'`{t}`' for t in other)}")
    return lines


def _family_facts(info: ImageInfo) -> list[str]:
    """What the image family's data says, for a tag repo-info's data does not have."""
    distro = info.distro + (f" {info.distro_release}" if info.distro_release else "") if info.distro else None
    lines = [f"- distribution: {distro}"] if distro else []
    if info.package_manager:
        lines.append(f"- package manager: {info.package_manager}")
    lines += _config_lines(
        info.user, info.workdir, info.volumes, info.exposed_ports, info.cmd, info.entrypoint
    )
    if info.deprecated:
        lines.append(f"- **deprecated**: {info.deprecation or ''}")
    return lines


def _config_lines(
    user: str | None,
    workdir: str | None,
    volumes: Sequence[str] | None,
    ports: Sequence[str] | None,
    cmd: Sequence[str] | None,
    entrypoint: Sequence[str] | None,
) -> list[str]:
    shown = [
        ("default user", user),
        ("working directory", workdir),
        ("volumes", ", ".join(volumes) if volumes else None),
        ("exposed ports", ", ".join(ports) if ports else None),
        ("CMD", " ".join(cmd) if cmd else None),
        ("ENTRYPOINT", " ".join(entrypoint) if entrypoint else None),
    ]
    return [f"- {name}: `{value}`" for name, value in shown if value]


def _rules_at(snapshot: Snapshot, position: Position) -> tuple[Span, list[Rule]] | None:
    """The rules named at ``position``: a code in a suppression comment (or all the codes of the
    comment, elsewhere on it), else the rules of the findings there."""
    linter = snapshot.linter
    if linter is None:
        return None
    registry = linter.registry
    for comment in snapshot.comments:
        if comment.line != position.line:
            continue
        on_code = [c for c in comment.codes if _inside(c.span, position)]
        codes = on_code or list(comment.codes)
        rules = [registry.rules[code] for c in codes for code in sorted(registry.named(c.text))]
        if rules:
            line = snapshot.dockerfile.lines[comment.line - 1]
            span = on_code[0].span if on_code else Span.of(comment.line, 1, comment.line, len(line) + 1)
            return span, list({r.code: r for r in rules}.values())
    here = [f for f in snapshot.checked.findings if _inside(f.span, position) and f.code in registry.rules]
    if here:
        return here[0].span, [registry.rules[code] for code in dict.fromkeys(f.code for f in here)]
    return None


def _rule_docs(rule: Rule) -> str:
    from dfanalyze.engine.docs import rule_markdown

    return rule_markdown(rule, level=3) + f"\n[{rule.code} in the rules reference]({rule.url})"


def _step(snapshot: Snapshot, ins: model.Instruction) -> tuple[LayerGraph, Step] | None:
    graph = snapshot.layers
    if graph is None:
        return None
    step = graph.step_of(ins)
    return (graph, step) if step is not None else None


def layer_hover(snapshot: Snapshot, ins: model.Instruction) -> str | None:
    found = _step(snapshot, ins)
    if found is None or not found[1].creates_layer:
        return None
    step = found[1]
    lines = [f"**{ins.kind} layer: {_size_text(step)}**"]
    if not step.size.exact:
        lines.append(f"- range: {_human(step.low_bytes)} to {_human(step.high_bytes)}")
    if step.wasted_bytes:
        lines.append(f"- wasted: {_human(step.wasted_bytes)} (deleted or replaced by a later step)")
    if step.unknown_parts:
        lines.append("- not known:" + "".join(f"\n  - {part}" for part in step.unknown_parts))
    if step.cache_inputs:
        lines.append("- cache inputs: " + ", ".join(step.cache_inputs))
    if not step.reachable:
        lines.append("- not built: the target stage does not use this stage")
    elif not step.in_image:
        lines.append("- built, but not part of the final image")
    elif step.cumulative_bytes is not None:
        lines.append(f"- image so far: {_human(step.cumulative_bytes)}")
    return "\n".join(lines)


def _size_text(step: Step) -> str:
    """``12.3 MB``; ``~12.3 MB`` when it is an estimate (part of it unknown)."""
    return _human(step.estimated_bytes) if step.size.exact else f"~{_human(step.estimated_bytes)}"


# -- inlay hints -----------------------------------------------------------------------------------


def inlay_hints(snapshot: Snapshot, visible: lsp.Range) -> list[lsp.InlayHint]:
    """After each layer-making instruction, its estimated size (and the image's at the last
    instruction of the target stage); after a COPY/ADD of the build context that later RUN steps
    follow, what a change of those files reruns."""
    graph = snapshot.layers
    if graph is None:
        return []
    first, last = visible.start.line + 1, visible.end.line + 1
    hints: list[lsp.InlayHint] = []
    image_steps = [s for s in graph.steps if s.in_image]
    final = image_steps[-1] if image_steps else None
    for step in graph.steps:
        ins = step.instruction
        if not first <= ins.span.end.line <= last:
            continue
        label: list[str] = []
        if step.creates_layer and step.reachable:
            label.append(_size_text(step))
        rerun = _reruns(graph, step)
        if rerun:
            label.append(rerun)
        if step is final:
            total = graph.image
            label.append(f"image {'' if total.size.exact else '~'}{_human(total.estimated_bytes)}")
        if label:
            end = snapshot.lines.position(ins.span.end)
            hints.append(
                lsp.InlayHint(
                    position=end,
                    label="  " + " · ".join(label),
                    kind=lsp.InlayHintKind.Type,
                    padding_left=True,
                    tooltip=layer_hover(snapshot, ins),
                )
            )
    return hints


def _reruns(graph: LayerGraph, step: Step) -> str | None:
    """For a COPY/ADD that reads the build context: how many RUN steps after it in its stage a
    change to the files it copies reruns (BuildKit reruns every later step of the stage)."""
    ins = step.instruction
    if not isinstance(ins, model.CopyLike) or ins.flag("from") is not None or not step.reachable:
        return None
    context = [c for c in step.cache_inputs if c.startswith("context ")]
    later = [s for s in graph.steps if s.stage == step.stage and s.index > step.index]
    runs = [s for s in later if s.instruction.kind == "RUN"]
    if not context or not runs:
        return None
    return f"↻ a change here reruns {len(runs)} RUN step{'s' if len(runs) != 1 else ''} below"


# -- document symbols, folding ---------------------------------------------------------------------


def _short(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def document_symbols(snapshot: Snapshot) -> list[lsp.DocumentSymbol]:
    """Global ARGs, then each stage with its instructions."""
    dockerfile = snapshot.dockerfile
    lines = snapshot.lines
    symbols = [
        lsp.DocumentSymbol(
            name=f"ARG {_short(arg.text)}",
            kind=lsp.SymbolKind.Variable,
            range=lines.range(arg.span),
            selection_range=lines.range(arg.keyword.span),
        )
        for arg in dockerfile.global_args
    ]
    for stage in dockerfile.stages:
        from_ = stage.from_
        last = stage.instructions[-1].span.end if stage.instructions else from_.span.end
        children = [
            lsp.DocumentSymbol(
                name=f"{ins.keyword.text.upper()} {_short(ins.text)}".rstrip(),
                kind=lsp.SymbolKind.Function if ins.kind in ("RUN", "COPY", "ADD") else lsp.SymbolKind.Field,
                range=lines.range(ins.span),
                selection_range=lines.range(ins.keyword.span),
            )
            for ins in stage.instructions
        ]
        name_word = from_.stage_name
        symbols.append(
            lsp.DocumentSymbol(
                name=stage.label if name_word is None else name_word.text,
                detail=f"FROM {from_.image.text if from_.image else ''}",
                kind=lsp.SymbolKind.Class,
                range=lines.range(Span(from_.span.start, last)),
                selection_range=lines.range(name_word.span if name_word is not None else from_.keyword.span),
                children=children,
            )
        )
    return symbols


def folding_ranges(snapshot: Snapshot) -> list[lsp.FoldingRange]:
    """Stages, heredoc bodies and instructions continued over several lines."""
    dockerfile = snapshot.dockerfile
    ranges: list[lsp.FoldingRange] = []
    for stage in dockerfile.stages:
        last = stage.instructions[-1].span.end.line if stage.instructions else stage.from_.line
        if last > stage.from_.line:
            ranges.append(lsp.FoldingRange(stage.from_.line - 1, last - 1, kind="region"))
    for ins in dockerfile.instructions:
        if ins.span.end.line > ins.span.start.line:
            ranges.append(lsp.FoldingRange(ins.span.start.line - 1, ins.span.end.line - 1))
        for heredoc in ins.heredocs:
            body = heredoc.body_span
            if body.end.line > body.start.line:
                ranges.append(lsp.FoldingRange(body.start.line - 2, body.end.line - 1))
    return ranges


# -- definitions, references, rename, highlight ------------------------------------------------------


def _occurrence(snapshot: Snapshot, at: lsp.Position) -> Occurrence | None:
    return snapshot.symbols.at(snapshot.lines.from_lsp(at))


def definition(snapshot: Snapshot, at: lsp.Position) -> list[lsp.Location]:
    """A use's definition; on an in-stage ``ARG NAME`` that takes a global ARG, the global one."""
    occurrence = _occurrence(snapshot, at)
    if occurrence is None:
        return []
    target: Definition = occurrence.definition
    if occurrence.use is None and target.imports is not None:
        target = snapshot.symbols.definitions[target.imports]
    return [lsp.Location(snapshot.uri, snapshot.lines.range(target.span))]


def _family(snapshot: Snapshot, definition: Definition) -> list[Span]:
    """The definition, its uses, and the in-stage ARGs that import it (with their uses)."""
    index = snapshot.symbols
    spans = [definition.span, *(u.span for u in index.uses_of(definition))]
    for other in index.definitions:
        if other.imports == definition.index:
            spans += [other.span, *(u.span for u in index.uses_of(other))]
    return spans


def references(snapshot: Snapshot, at: lsp.Position, include_declaration: bool) -> list[lsp.Location]:
    occurrence = _occurrence(snapshot, at)
    if occurrence is None:
        return []
    target = occurrence.definition
    if target.imports is not None:
        target = snapshot.symbols.definitions[target.imports]
    spans = _family(snapshot, target)
    if not include_declaration:
        definitions = {d.span for d in snapshot.symbols.definitions}
        spans = [s for s in spans if s not in definitions]
    return [lsp.Location(snapshot.uri, snapshot.lines.range(s)) for s in spans]


def highlights(snapshot: Snapshot, at: lsp.Position) -> list[lsp.DocumentHighlight]:
    occurrence = _occurrence(snapshot, at)
    if occurrence is None:
        return []
    target = occurrence.definition
    index = snapshot.symbols
    found = [lsp.DocumentHighlight(snapshot.lines.range(target.span), lsp.DocumentHighlightKind.Write)]
    found += [
        lsp.DocumentHighlight(snapshot.lines.range(u.span), lsp.DocumentHighlightKind.Read)
        for u in index.uses_of(target)
    ]
    return found


def prepare_rename(snapshot: Snapshot, at: lsp.Position) -> lsp.Range | None:
    """Only stage names are renamed (not a stage named by its index)."""
    occurrence = _occurrence(snapshot, at)
    if occurrence is None or occurrence.definition.kind != "stage":
        return None
    if occurrence.use is not None and occurrence.use.by_index:
        return None
    return snapshot.lines.range(occurrence.span)


class RenameError(ValueError):
    """The new name is not a valid stage name."""


def rename(snapshot: Snapshot, at: lsp.Position, new_name: str) -> lsp.WorkspaceEdit | None:
    if prepare_rename(snapshot, at) is None:
        return None
    if not _STAGE_NAME.match(new_name):
        raise RenameError(
            f"{new_name!r} is not a stage name: a letter, then letters, digits, '_', '.' or '-'"
        )
    occurrence = _occurrence(snapshot, at)
    assert occurrence is not None
    target = occurrence.definition
    spans = [target.span, *(u.span for u in snapshot.symbols.uses_of(target) if not u.by_index)]
    return _workspace_edit(snapshot, [_edit(snapshot, span, new_name) for span in spans])


# -- completion ------------------------------------------------------------------------------------


def completion(snapshot: Snapshot, at: lsp.Position) -> list[lsp.CompletionItem]:
    """Keywords at the start of an instruction, flags after ``--``, stage names after ``--from=``
    and ``from=`` of a mount, variables after ``$``, image tags after ``FROM image:``."""
    from dfanalyze.parse.instructions import INSTRUCTIONS, KNOWN_FLAGS

    position = snapshot.lines.from_lsp(at)
    line = snapshot.lines.lines[at.line] if at.line < len(snapshot.lines.lines) else ""
    before = line[: position.column - 1]
    ins = snapshot.instruction_at(position)
    continued = ins is not None and ins.span.start.line < position.line
    variable = re.search(r"\$\{?([A-Za-z0-9_]*)$", before)
    if variable is not None:
        return _variables(snapshot, ins, position)
    stage_ref = re.search(r"(?:--from=|[,=]from=)([^\s,]*)$", before)
    if stage_ref is not None:
        return _stages(snapshot, position)
    image = re.match(r"^\s*FROM\s+(?:--\S+\s+)*([^\s:$@]+):([^\s]*)$", before, re.IGNORECASE)
    if image is not None:
        return _tags(image.group(1), snapshot.today)
    if not continued and re.match(r"^\s*[A-Za-z]*$", before):
        return [
            lsp.CompletionItem(label=word, kind=lsp.CompletionItemKind.Keyword, insert_text=word + " ")
            for word in INSTRUCTIONS
        ]
    flag = re.search(r"(?:^|\s)--([a-z-]*)$", before)
    keyword = ins.kind if ins is not None else before.split(maxsplit=1)[0].upper() if before.strip() else ""
    if flag is not None and keyword in KNOWN_FLAGS:
        return [
            lsp.CompletionItem(
                label=f"--{name}",
                kind=lsp.CompletionItemKind.Property,
                detail=f"{keyword} flag ({kind})",
                insert_text=name if kind == "bool" else f"{name}=",
                filter_text=name,
            )
            for name, kind in KNOWN_FLAGS[keyword].items()
        ]
    return []


def _variables(
    snapshot: Snapshot, ins: model.Instruction | None, position: Position
) -> list[lsp.CompletionItem]:
    index = snapshot.symbols
    if ins is None or isinstance(ins, model.From) or ins in snapshot.dockerfile.global_args:
        visible = dict(index.scopes.global_scope.args)
    else:
        visible = index.visible(ins)
    declared = {d.name for d in index.definitions if d.kind == "variable"}
    return [
        lsp.CompletionItem(
            label=name,
            kind=lsp.CompletionItemKind.Variable,
            detail=f"= {value}" if isinstance(value, str) else "unknown value",
        )
        for name, value in sorted(visible.items())
        if name in declared
    ]


def _stages(snapshot: Snapshot, position: Position) -> list[lsp.CompletionItem]:
    """The stages defined before the current one."""
    stages = [s for s in snapshot.dockerfile.stages if s.from_.line < position.line]
    current = stages[-1].index if stages else -1
    return [
        lsp.CompletionItem(
            label=stage.label,
            kind=lsp.CompletionItemKind.Module,
            detail=f"FROM {stage.from_.image.text if stage.from_.image else ''}",
            documentation=f"Stage {stage.index}, line {stage.from_.line}",
        )
        for stage in stages
        if stage.index != current
    ]


def _tags(repository: str, today: date) -> list[lsp.CompletionItem]:
    """The tags the base-image data knows, each with its size and distribution; those built on a
    release past its end of life last, struck through."""
    from dfanalyze.api import image_tags

    return [
        lsp.CompletionItem(
            label=tag.tag,
            kind=lsp.CompletionItemKind.Value,
            detail=_tag_detail(tag),
            tags=[lsp.CompletionItemTag.Deprecated] if tag.past_end_of_life else None,
            sort_text=f"{number:04d}",
            data={"image": f"{repository}:{tag.tag}", "today": today.isoformat()},
        )
        for number, tag in enumerate(image_tags(repository, today))
    ]


def _tag_detail(tag: ImageTag) -> str:
    parts = [_human(tag.uncompressed_bytes)] if tag.uncompressed_bytes is not None else []
    parts += [tag.distro] if tag.distro else []
    parts += [f"past end of life: {', '.join(tag.past_end_of_life)}"] if tag.past_end_of_life else []
    parts += [f"extended support only: {', '.join(tag.extended_support)}"] if tag.extended_support else []
    return " · ".join(parts)


def resolve_completion(item: lsp.CompletionItem) -> lsp.CompletionItem:
    """An image tag's documentation: what dfanalyze knows of the image (computed when shown)."""
    from datetime import date

    from dfanalyze.api import image_facts

    data: Any = item.data
    if isinstance(data, dict) and isinstance(data.get("image"), str):
        try:
            day: date | None = date.fromisoformat(str(data.get("today")))
        except ValueError:
            day = None
        facts = image_facts(data["image"], day)
        if facts is not None:
            item.documentation = lsp.MarkupContent(lsp.MarkupKind.Markdown, image_markdown(facts))
    return item
