"""Checks about build variables: references to variables that are not defined (BuildKit's
UndefinedVar) and secrets passed through ARG or ENV (SecretsUsedInArgOrEnv)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from dfanalyze import model
from dfanalyze.analysis.expand import references
from dfanalyze.analysis.scope import PROXY_ARGS, Scope
from dfanalyze.checks.context import Context, Hit
from dfanalyze.model import Instruction, Word
from dfanalyze.parse.instructions import suggest
from dfanalyze.span import Span

# Variables every Linux build has even when the base image sets nothing (BuildKit's default PATH).
_ALWAYS_DEFINED = frozenset({"PATH", *PROXY_ARGS})
# Modifiers that show the author expected the variable may be unset.
_HANDLES_UNSET = frozenset({":-", "-", ":?", "?", ":+", "+"})


def _tail(text: str, span: Span, skip: int) -> Word:
    """The part of a one-line word after its first ``skip`` characters (``NAME=`` or ``--flag=``)."""
    if span.start.line == span.end.line:
        return Word(
            text[skip:], Span.of(span.start.line, span.start.column + skip, span.end.line, span.end.column)
        )
    return Word(text[skip:], span)


def _head(word: Word, length: int) -> Span:
    """The span of the first ``length`` characters of a one-line word (the word otherwise)."""
    start = word.span.start
    if start.line == word.span.end.line:
        return Span.of(start.line, start.column, start.line, start.column + length)
    return word.span


def _expanded_words(ins: Instruction) -> list[Word]:
    """The words of an instruction that BuildKit expands (not RUN/CMD/ENTRYPOINT command text),
    those with a ``$`` (the others reference nothing)."""
    if isinstance(ins, model.KeyValueInstruction):
        return [p.value for p in ins.pairs if "$" in p.value.text]
    if isinstance(ins, model.Arg):
        return [
            _tail(d.word.text, d.word.span, len(d.name) + 1)
            for d in ins.decls
            if d.default is not None and "$" in d.word.text
        ]
    flags = [f for f in ins.flags if f.value and f.name in ("chown", "chmod", "checksum", "mount")]
    words = [_tail(f.text, f.span, len(f.name) + 3) for f in flags if "$" in f.text]
    if isinstance(
        ins, (model.CopyLike, model.Expose, model.Volume, model.User, model.Workdir, model.StopSignal)
    ):
        words.extend(w for w in ins.args if "$" in w.text)
    return words


def _base_env_known(ctx: Context, stage: model.Stage) -> bool:
    """Whether every variable the stage inherits is known: only for ``scratch`` and for in-file
    stages that descend from ``scratch`` (we ship no list of official images' ENV)."""
    known: dict[int, bool] = ctx.analysis.cached("variables.base_env_known", dict)
    walked: list[int] = []
    current = stage
    answer = False
    while True:
        if current.index in known:
            answer = known[current.index]
            break
        walked.append(current.index)
        image = current.from_.image
        if image is None:
            break
        if image.text.lower() == "scratch":
            answer = True
            break
        parent = ctx.dockerfile.stage_named(image.text)
        if parent is None or parent.index >= current.index:
            break
        current = parent
    for index in walked:  # the stages walked inherit the same answer
        known[index] = answer
    return answer


def _declared_later(stage: model.Stage) -> dict[str, int]:
    """The names the stage's ARGs and ENVs declare, each with the line of its first declaration."""
    lines: dict[str, int] = {}
    for ins in stage.instructions:
        if isinstance(ins, model.Arg):
            names = [d.name for d in ins.decls]
        elif isinstance(ins, model.Env):
            names = [p.key.text for p in ins.pairs]
        else:
            continue
        for name in names:
            lines.setdefault(name, ins.span.start.line)
    return lines


def _reference_span(word: Word, start: int, end: int) -> Span:
    """Span of ``word.text[start:end]`` when the word is written on one line (the word otherwise)."""
    first, last = word.span.start, word.span.end
    if first.line == last.line and last.column - first.column == len(word.text):
        return Span.of(first.line, first.column + start, first.line, first.column + end)
    return word.span


def undefined_var(ctx: Context) -> Iterator[Hit]:
    """References to variables no ARG or ENV defines before use.

    When the base image's environment is unknown (any image from a registry), an undefined name is
    reported only when it is a likely typo of a defined one (``$PAHT`` for ``$PATH``) or when an
    ARG or ENV later in the stage declares it (``COPY $foo .`` before ``ARG foo``): the image may
    define the others.
    """
    escape = ctx.dockerfile.escape
    scopes = ctx.analysis.scopes
    for stage in ctx.dockerfile.stages:
        complete = _base_env_known(ctx, stage)
        later = _declared_later(stage)
        for ins in stage.instructions:
            words = _expanded_words(ins)
            if not words:
                continue
            scope: Scope = scopes.at(ins)
            defined = set(scope.variables) | _ALWAYS_DEFINED
            for word in words:
                try:
                    refs = references(word.text, escape)
                except ValueError:
                    continue
                for ref in refs:
                    if ref.name in defined or ref.modifier in _HANDLES_UNSET:
                        continue
                    if not (ref.name[0].isalpha() or ref.name[0] == "_"):
                        continue  # $1, $@ ...: positional and special parameters
                    hint = suggest(ref.name, sorted(defined), case_sensitive=True)
                    declared = later.get(ref.name)
                    if (
                        not complete
                        and hint is None
                        and (declared is None or declared <= ins.span.start.line)
                    ):
                        continue
                    if hint is not None:
                        did_you_mean = f" (did you mean ${hint}?)"
                    elif declared is not None and declared > ins.span.start.line:
                        did_you_mean = f" (it is declared later, on line {declared})"
                    else:
                        did_you_mean = ""
                    span = _reference_span(word, ref.start, ref.end)
                    yield Hit(span, {"name": ref.name, "hint": did_you_mean})


# BuildKit's tokens (frontend/dockerfile/dockerfile2llb): a token at a word boundary of the name.
_SECRET = re.compile(
    r"(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)"
)
_ALLOW = r"(?i)(?:_|^)(?:public|file|version)(?:_|$)"
# A name that says where a secret is, not what it is (BuildKit's allowed `file` token covers
# `PASSWORD_FILE=/run/secrets/db`, the official images' entrypoint convention).
_LOCATION_NAME = re.compile(r"(?i)_(?:path|dir|url)$")
# The tokens of a name that holds a public key's fingerprint (`GPG_KEY`, `GHC_RELEASE_KEY`) when its
# value is one: OpenPGP fingerprints (40 hex digits, 64 for v5 keys) or long key IDs (16).
_PUBLIC_KEY_NAME = re.compile(r"(?i)(?:_|^)(?:gpg|pgp|gnupg|release|signing|fingerprint)(?:_|$)")
_FINGERPRINTS = re.compile(
    r"(?i)^(?:0x)?(?:[0-9a-f]{16}|[0-9a-f]{40}|[0-9a-f]{64})(?:\s+(?:0x)?(?:[0-9a-f]{16}|[0-9a-f]{40}|[0-9a-f]{64}))*$"
)
# Values that cannot be the secret itself: a path or a URL without credentials (where the secret
# or a public key is), a switch (`MYSQL_ALLOW_EMPTY_PASSWORD=yes`).
_NOT_SECRET_VALUE = re.compile(r"(?i)^(?:/\S*|https?://[^@/\s]+(?:/\S*)?|yes|no|true|false|on|off|0|1)$")


def secrets_in_arg_or_env(ctx: Context) -> Iterator[Hit]:
    scopes, escape = ctx.analysis.scopes, ctx.dockerfile.escape
    for ins in ctx.instructions("ARG", "ENV"):
        if isinstance(ins, model.Arg):
            names = [(d.name, _head(d.word, len(d.name)), d.default, False) for d in ins.decls]
        elif isinstance(ins, model.Env):
            names = [(p.key.text, p.key.span, p.value.text, True) for p in ins.pairs]
        else:
            continue
        for name, span, written, is_env in names:
            if not _SECRET.search(name) or re.search(_ALLOW, name) or _LOCATION_NAME.search(name):
                continue
            value = None if written is None else scopes.at(ins).value(written, escape)
            if value is not None and _not_a_secret(name, value.strip(), is_env):
                continue
            yield Hit(span, {"instruction": ins.kind, "name": name})


def _not_a_secret(name: str, value: str, is_env: bool) -> bool:
    """A known value that is not a secret: an empty ENV (an empty ARG default is still replaced by
    ``--build-arg``), a public key's fingerprint, a path, a URL or a switch."""
    if not value:
        return is_env
    if _PUBLIC_KEY_NAME.search(name) and _FINGERPRINTS.match(value):
        return True
    return bool(_NOT_SECRET_VALUE.match(value))


def env_self_reference(ctx: Context) -> Iterator[Hit]:
    """``ENV A=1 B=$A``: B sees the value A had *before* this instruction, not ``1``."""
    escape = ctx.dockerfile.escape
    for ins in ctx.instructions("ENV"):
        if not isinstance(ins, model.Env):
            continue
        for index, pair in enumerate(ins.pairs):
            earlier = {p.key.text for p in ins.pairs[:index]}
            if not earlier:
                continue
            try:
                refs = references(pair.value.text, escape)
            except ValueError:
                continue
            for ref in refs:
                if ref.name in earlier:
                    span = _reference_span(pair.value, ref.start, ref.end)
                    yield Hit(span, {"name": ref.name, "key": pair.key.text})
