"""The shell model of a RUN instruction: its simple commands, their words, redirections and context.

``parse_shell`` parses a RUN's logical shell text (continuation lines already joined) with
tree-sitter-bash and returns a flat, source-ordered list of simple commands. Every word keeps the
text it was written with, its unquoted value when that is a plain literal, and its exact physical
span through the instruction's :class:`~dfanalyze.span.OffsetMap`. Commands know their wrappers
(``sudo``, ``env``...), the operator that joins them to the previous command, their pipeline slot,
their nesting (subshell, function, loop, condition) and whether ``set -e`` / ``pipefail`` are in
effect. ``sh -c '...'`` bodies are parsed recursively with spans inside the quoted string.

The tree-sitter library is imported on the first parse, not when this module is imported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, cached_property
from typing import TYPE_CHECKING, Literal, NamedTuple

from msgspec import Struct
from msgspec.structs import replace

from dfanalyze.span import OffsetMap, Span

if TYPE_CHECKING:
    from tree_sitter import Node, Parser

    from dfanalyze.analysis.packages import Operation

Connector = Literal["&&", "||", ";", "|", "|&", "&", "\n"]
Dialect = Literal["sh", "bash", "powershell", "cmd"]

DEFAULT_SHELL: tuple[str, ...] = ("/bin/sh", "-c")
SHELL_PROGRAMS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"})
MAX_NESTING = 8  # how deep ``sh -c "bash -c '...'"`` bodies are parsed
MAX_DEPTH = 50
"""How deep compound commands and substitutions (``$( $( ... ) )``, ``( ( ... ) )``, ``if`` in ``if``)
are analysed: deeper parts are skipped and reported (:attr:`ShellScript.limits`), so that no input
can exhaust Python's recursion limit. Real scripts nest a few levels; chains of ``&&`` and ``|``
are not nesting."""

_CONNECTORS: dict[str, Connector] = {
    "&&": "&&",
    "||": "||",
    ";": ";",
    "&": "&",
    "|": "|",
    "|&": "|&",
}
_LITERAL_NODES = frozenset({"word", "number", "extglob_pattern", "test_operator", "variable_name", "regex"})
_CONCATENATED_NODES = frozenset({"concatenation", "variable_assignment"})
_TEST_EXPRESSIONS = frozenset(
    {"unary_expression", "binary_expression", "parenthesized_expression", "negated_expression"}
)
_SUBSTITUTIONS = frozenset({"command_substitution", "process_substitution"})
_SKIPPED = frozenset({"comment", "heredoc_body", "ERROR"})
_ASSIGNMENT = r"[A-Za-z_][A-Za-z0-9_]*\+?="


# --- the model -----------------------------------------------------------------------------------


class Word(Struct, frozen=True, gc=False):
    """One shell word. ``start``/``end`` are offsets in the text given to :func:`parse_shell`."""

    text: str
    """The word as written, quotes included."""
    value: str | None
    """The word with quotes and escapes removed, or None when it contains an expansion or a
    command substitution. Globs and ``~`` are kept as written."""
    start: int
    end: int
    offsets: OffsetMap

    @property
    def span(self) -> Span:
        return self.offsets.span(self.start, self.end)


class Redirection(Struct, frozen=True, gc=False):
    """A redirection of a command (``> file``, ``2>&1``, ``<<EOF``)."""

    operator: str
    """``>``, ``>>``, ``<``, ``&>``, ``&>>``, ``>&``, ``<&``, ``>|``, ``<>``, ``<<``, ``<<-``,
    ``<<<``."""
    fd: int | None
    """The explicit descriptor written before the operator (``2`` in ``2>&1``)."""
    target: Word | None
    """The file, the descriptor (``1`` in ``2>&1``), the here-string or the here-document
    delimiter."""
    heredoc: Word | None
    """A here-document's body (without its closing delimiter line); its value is None when the
    delimiter is unquoted and the body has expansions."""
    start: int
    end: int
    offsets: OffsetMap

    @property
    def span(self) -> Span:
        return self.offsets.span(self.start, self.end)


class Assignment(Struct, frozen=True, gc=False):
    """``NAME=value`` before a command, alone, or given to ``env``/``sudo``."""

    name: str
    value: Word | None
    start: int
    end: int
    offsets: OffsetMap

    @property
    def span(self) -> Span:
        return self.offsets.span(self.start, self.end)


class Wrapper(Struct, frozen=True, gc=False):
    """A command that runs the next one (``sudo -u app``, ``env -i``, ``nohup``...)."""

    name: str
    words: tuple[Word, ...]
    """The wrapper's own word and its options (``env`` assignments are in the command's
    ``assignments``)."""


class PipelineSlot(Struct, frozen=True, gc=False):
    """Where a command sits in a pipeline."""

    id: int
    """Distinguishes the pipelines of one script."""
    index: int
    """The element's position, from 0; all commands inside a compound element share it."""
    length: int


class ShellError(Struct, frozen=True, gc=False):
    """A shell syntax error, located in the Dockerfile."""

    message: str
    start: int
    end: int
    offsets: OffsetMap

    @property
    def span(self) -> Span:
        return self.offsets.span(self.start, self.end)


class Nesting(Struct, frozen=True, gc=False):
    """Where a command sits; commands of one block share the same instance."""

    subshell: bool = False
    """Inside ``( ... )``, ``$( ... )`` or ``<( ... )``."""
    substitution: bool = False
    """Inside ``$( ... )``, backquotes or ``<( ... )``."""
    function: bool = False
    loop: bool = False
    condition: bool = False
    """Its failure does not stop the script: an ``if``/``while``/``until`` test, left of ``||``,
    or negated with ``!``."""
    negated: bool = False
    background: bool = False
    pipeline: PipelineSlot | None = None


TOP_LEVEL = Nesting()


class Command(Struct, frozen=True, gc=False):
    """A simple command (also a ``[``/``[[`` test, a declaration such as ``export`` or an
    assignment-only statement, whose name is ``""``)."""

    name: str
    """The command word after wrappers and assignments, unquoted when literal, else as written."""
    name_word: Word | None
    args: tuple[Word, ...]
    start: int
    end: int
    offsets: OffsetMap
    wrappers: tuple[Wrapper, ...] = ()
    assignments: tuple[Assignment, ...] = ()
    """Leading ``VAR=x`` prefixes, then those given to ``env``/``sudo``."""
    redirections: tuple[Redirection, ...] = ()
    """The command's own, then those of enclosing compound commands (``{ ...; } > f``)."""
    connector_before: Connector | None = None
    """The operator joining it to what ran before at its level; None for the first command."""
    nesting: Nesting = TOP_LEVEL
    errexit: bool = False
    """``set -e`` is in effect when it runs."""
    pipefail: bool = False
    script: ShellScript | None = None
    """The parsed body of ``sh -c '...'`` / ``bash -c "..."``."""

    @property
    def span(self) -> Span:
        return self.offsets.span(self.start, self.end)

    @property
    def program(self) -> str:
        """The name without its directory: ``apt-get`` for ``/usr/bin/apt-get``."""
        return self.name.rsplit("/", 1)[-1]

    @property
    def words(self) -> tuple[Word, ...]:
        return self.args if self.name_word is None else (self.name_word, *self.args)

    @property
    def pipeline(self) -> PipelineSlot | None:
        return self.nesting.pipeline

    @property
    def in_subshell(self) -> bool:
        return self.nesting.subshell

    @property
    def in_substitution(self) -> bool:
        return self.nesting.substitution

    @property
    def in_function(self) -> bool:
        return self.nesting.function

    @property
    def in_loop(self) -> bool:
        return self.nesting.loop

    @property
    def in_condition(self) -> bool:
        return self.nesting.condition

    @property
    def negated(self) -> bool:
        return self.nesting.negated

    @property
    def background(self) -> bool:
        return self.nesting.background


class ShellScript(Struct, frozen=True, dict=True):
    """The parsed shell of a RUN: its commands in source order and any syntax errors."""

    dialect: Dialect
    commands: tuple[Command, ...] = ()
    """Simple commands in source order; ``sh -c`` bodies are in each command's ``script``."""
    errors: tuple[ShellError, ...] = ()
    """Syntax errors, those of ``sh -c`` bodies included."""
    limits: tuple[ShellError, ...] = ()
    """Where the analysis stopped: a part nested deeper than :data:`MAX_DEPTH` levels (its commands
    are not in ``commands``)."""

    @cached_property
    def analyzed(self) -> dict[int, tuple[Command, Operation | None]]:
        """What :func:`dfanalyze.analysis.packages.analyze` found for each command analyzed with
        this script (by identity; the entry holds the command, so its id stays its own): every rule
        and the layer model ask about the same commands."""
        return {}

    def all_commands(self) -> Iterator[Command]:
        """Every command, each followed by those of its ``sh -c`` body."""
        for command in self.commands:
            yield command
            if command.script is not None:
                yield from command.script.all_commands()

    def piped_into(self, command: Command) -> tuple[Command, ...]:
        """The commands of the pipeline element right after ``command``'s."""
        slot = command.pipeline
        owner = self._owner(command)
        if slot is None or owner is None:
            return ()
        return tuple(
            c
            for c in owner.commands
            if c.pipeline is not None and c.pipeline.id == slot.id and c.pipeline.index == slot.index + 1
        )

    def _owner(self, command: Command) -> ShellScript | None:
        for candidate in self.commands:
            if candidate is command:
                return self
            if candidate.script is not None and (found := candidate.script._owner(command)):
                return found
        return None


# --- entry point ---------------------------------------------------------------------------------


@cache
def shell_dialect(shell: tuple[str, ...]) -> Dialect:
    """The dialect of a stage's ``SHELL`` (``("/bin/sh", "-c")`` when the stage sets none)."""
    if not shell:
        return "sh"
    program = shell[0].replace("\\", "/").rsplit("/", 1)[-1].lower().removesuffix(".exe")
    if program in {"pwsh", "powershell"}:
        return "powershell"
    if program == "cmd":
        return "cmd"
    return "bash" if program in {"bash", "zsh", "ksh", "mksh"} else "sh"


def parse_shell(text: str, offsets: OffsetMap, shell: tuple[str, ...] = DEFAULT_SHELL) -> ShellScript:
    """Parse a RUN's shell text. Never raises: syntax errors are returned in ``errors``."""
    return _parse(text, offsets, shell, 0)


def _parse(text: str, offsets: OffsetMap, shell: tuple[str, ...], nesting: int) -> ShellScript:
    dialect = shell_dialect(shell)
    if dialect in {"powershell", "cmd"}:
        return ShellScript(dialect)
    flags = _SetFlags(*_shell_flags(shell))
    masked, heredocs, errors = _mask_heredocs(text, offsets)
    if not masked.isascii():
        # tree-sitter-bash's scanner can crash the process on some non-ASCII input (a segfault
        # found by fuzzing, not reproducible deterministically). Bash treats every non-ASCII
        # character as part of a word, as it does a letter, so parsing an ASCII stand-in of the same
        # length gives the same structure; words are then read from the real text by offset.
        masked = "".join(c if c < "\x80" else "a" for c in masked)
    if "!" in masked:
        masked = _NEGATED_GROUP.sub(_negate_inside, masked)
    tree = _parser().parse(masked.encode())
    walker = _Walker(text=text, offsets=offsets, heredocs=heredocs, flags=flags, nesting=nesting)
    root = tree.root_node
    walker.sequence(root.children, TOP_LEVEL)
    if root.has_error:
        walker.collect_errors(root)
    walker.commands.sort(key=lambda c: c.start)
    return ShellScript(
        dialect,
        tuple(walker.commands),
        (*errors, *walker.errors, *walker.nested_errors),
        tuple(walker.limits),
    )


@cache
def _shell_flags(shell: tuple[str, ...]) -> tuple[bool, bool]:
    """``set -e`` and ``set -o pipefail`` as the shell's own options leave them."""
    flags = _SetFlags(errexit=False, pipefail=False)
    flags.apply(list(shell[1:]))
    return flags.errexit, flags.pipefail


@cache
def _parser() -> Parser:
    import tree_sitter

    return tree_sitter.Parser(tree_sitter.Language(_bash_language()))


def _bash_language() -> object:
    """tree-sitter-bash's language, from its compiled module alone.

    The package's ``__init__`` imports importlib.resources (for highlighting queries we never use),
    which imports tempfile, shutil, bz2, lzma and random: ~8 ms of a one-file run. The compiled
    ``_binding`` module is found and loaded as the import system would, without that ``__init__``;
    anything unexpected falls back to the normal import."""
    from importlib.machinery import ExtensionFileLoader, PathFinder

    package = PathFinder.find_spec("tree_sitter_bash")
    locations = list(package.submodule_search_locations or ()) if package else []
    binding = PathFinder.find_spec("tree_sitter_bash._binding", locations) if locations else None
    if binding is not None and isinstance(binding.loader, ExtensionFileLoader):
        try:
            module = binding.loader.create_module(binding)
            binding.loader.exec_module(module)
            return module.language()
        except (ImportError, AttributeError, OSError):
            pass
    import tree_sitter_bash

    return tree_sitter_bash.language()


# ``! { cmd | grep x; }``: tree-sitter-bash reads ``{`` after ``!`` as a command name. Swapping the
# two characters (same length, so every offset stays) gives ``{ ! cmd | grep x; }``, which it
# parses, and which negates the same pipeline when the group holds one (as in the official images'
# ``! { ldd *.so | grep 'not found'; }``); in a longer group only its first pipeline is negated.
_NEGATED_GROUP = re.compile(r"(?:^|(?<=[;&|(\n]))([ \t]*)!([ \t]+)\{(?=[ \t\n])")


def _negate_inside(match: re.Match[str]) -> str:
    return f"{match.group(1)}{{{match.group(2)}!"


# --- set -e / set -o pipefail --------------------------------------------------------------------


class _SetFlags(Struct):
    """The ``set -e`` / ``set -o pipefail`` state while walking a script."""

    errexit: bool
    pipefail: bool

    def copy(self) -> _SetFlags:
        return _SetFlags(self.errexit, self.pipefail)

    def apply(self, args: list[str | None]) -> None:
        """Apply ``set`` (or shell) options such as ``-eux``, ``-o pipefail``, ``+e``."""
        i = 0
        while i < len(args):
            arg = args[i] or ""
            i += 1
            if arg in {"-", "--"} or arg[:1] not in {"-", "+"}:
                break
            if arg.startswith("--"):
                continue
            on = arg[0] == "-"
            for letter in arg[1:]:
                if letter == "e":
                    self.errexit = on
                elif letter == "o" and i < len(args):
                    option = args[i]
                    i += 1
                    if option == "errexit":
                        self.errexit = on
                    elif option == "pipefail":
                        self.pipefail = on


# --- here-documents ------------------------------------------------------------------------------


class _Heredoc(Struct, frozen=True):
    """A heredoc found in shell text, with the body range that was masked."""

    operator: str
    delimiter: str
    delimiter_start: int
    delimiter_end: int
    body_start: int
    """-1 when the text has no body lines (BuildKit passes those apart)."""
    body_end: int
    quoted: bool
    closed: bool


_HEREDOC_OPERATOR = r"<<(-?)[ \t]*"
_DELIMITER = r"""(?:[^\s;&|<>()'"\\]|\\.|'[^']*'|"[^"]*")+"""


def _mask_heredocs(text: str, offsets: OffsetMap) -> tuple[str, dict[int, _Heredoc], list[ShellError]]:
    """Blank out here-document bodies so that tree-sitter sees ``cat < EOF && ...``.

    tree-sitter-bash nests whatever follows ``<<EOF`` on its line inside the redirect and fails
    on ``<<EOF;``; masking keeps every offset and leaves a plain ``<`` redirect in place of each
    here-document, which the walker turns back into a ``<<`` redirection. A here-document with
    no body lines is no error: BuildKit hands a RUN's here-document bodies over separately.
    """
    if "<<" not in text:
        return text, {}, []
    chars = list(text)
    heredocs: dict[int, _Heredoc] = {}
    errors: list[ShellError] = []
    pending: list[tuple[int, re.Match[str], str, bool]] = []
    i = 0
    quote = ""
    line_start = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == "\\" and quote == '"':
                i += 2
                continue
            if ch == quote:
                quote = ""
        elif ch == "\\":
            i += 2
            continue
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t\n;&|("):
            i = text.find("\n", i)
            if i < 0:
                break
            continue
        elif ch == "<" and text.startswith("<<", i) and not text.startswith("<<<", i):
            line = text[line_start:i]
            if line.count("((") <= line.count("))") and (i == 0 or text[i - 1] != "<"):
                operator = re.compile(_HEREDOC_OPERATOR).match(text, i)
                delimiter = re.compile(_DELIMITER).match(text, operator.end()) if operator else None
                if operator and delimiter:
                    raw = delimiter.group()
                    word = re.sub(r"""\\(.)|['"]""", r"\1", raw)
                    pending.append((i, delimiter, word, raw != word))
                    i = delimiter.end()
                    continue
        elif ch == "\n":
            line_start = i + 1
            if pending:
                i = _take_bodies(text, chars, i + 1, pending, heredocs)
                line_start = i
                pending = []
                continue
        i += 1
    for start, delimiter, word, quoted in pending:
        heredocs[start] = _Heredoc(
            _mask_operator(text, chars, start),
            word,
            delimiter.start(),
            delimiter.end(),
            -1,
            -1,
            quoted,
            closed=True,
        )
    errors.extend(
        ShellError(f"here-document {h.delimiter!r} is not closed", start, len(text), offsets)
        for start, h in heredocs.items()
        if not h.closed
    )
    return "".join(chars), heredocs, errors


def _mask_operator(text: str, chars: list[str], start: int) -> str:
    """Turn ``<<`` / ``<<-`` at ``start`` into ``< `` / ``<  ``; return the operator."""
    operator = "<<-" if text.startswith("<<-", start) else "<<"
    for k in range(start + 1, start + len(operator)):
        chars[k] = " "
    return operator


def _take_bodies(
    text: str,
    chars: list[str],
    position: int,
    pending: list[tuple[int, re.Match[str], str, bool]],
    heredocs: dict[int, _Heredoc],
) -> int:
    """Record and blank the bodies of the here-documents opened on the line that just ended."""
    for start, delimiter, word, quoted in pending:
        strip_tabs = text.startswith("<<-", start)
        body_start = position
        body_end = len(text)
        closed = False
        while position < len(text):
            end = text.find("\n", position)
            end = len(text) if end < 0 else end
            line = text[position:end]
            if (line.lstrip("\t") if strip_tabs else line) == word:
                body_end = position
                position = min(end + 1, len(text))
                closed = True
                break
            position = end + 1
        position = min(position, len(text))
        operator = _mask_operator(text, chars, start)
        heredocs[start] = _Heredoc(
            operator, word, delimiter.start(), delimiter.end(), body_start, body_end, quoted, closed
        )
        for k in range(body_start, position):
            if chars[k] != "\n":
                chars[k] = " "
    return position


# --- walking the tree ----------------------------------------------------------------------------


class _Items(NamedTuple):
    """The statements of a list or script, with the connector before and after each."""

    nodes: list[Node]
    before: list[Connector | None]
    after: list[Connector | None]


def _items(children: list[Node]) -> _Items:
    nodes: list[Node] = []
    before: list[Connector | None] = []
    after: list[Connector | None] = []
    separator: Connector | None = None
    for child in children:
        if child.is_named:
            if child.type not in _SKIPPED:
                nodes.append(child)
                before.append(separator)
                after.append(None)
                separator = None
        elif child.type in _CONNECTORS:
            separator = _CONNECTORS[child.type]
            if nodes and after[-1] is None:
                after[-1] = separator
    return _Items(nodes, before, after)


def _item_nesting(nesting: Nesting, after: Connector | None) -> Nesting:
    """A statement followed by ``||`` is tested (``set -e`` ignores its failure); one followed by
    ``&`` runs in the background."""
    if after == "||" and not nesting.condition:
        return replace(nesting, condition=True)
    if after == "&" and not nesting.background:
        return replace(nesting, background=True)
    return nesting


class _Walker:
    """Turns the tree into Commands. The nesting is passed down; the walker keeps the state that
    flows in source order: the pending connector, ``set`` flags and inherited redirections."""

    def __init__(
        self,
        *,
        text: str,
        offsets: OffsetMap,
        heredocs: dict[int, _Heredoc],
        flags: _SetFlags,
        nesting: int,
    ) -> None:
        self.text = text
        self.offsets = offsets
        self.heredocs = heredocs
        self.flags = flags
        self.nesting = nesting
        self.commands: list[Command] = []
        self.errors: list[ShellError] = []
        self.nested_errors: list[ShellError] = []
        self.limits: list[ShellError] = []
        self.depth = 0
        self.pending: Connector | None = None
        self.inherited: tuple[Redirection, ...] = ()
        self.pipelines = 0
        # statement (start, end) -> redirections tree-sitter put elsewhere, its end, its slot
        self.attached: dict[tuple[int, int], tuple[tuple[Redirection, ...], int, PipelineSlot | None]] = {}

    # offsets and words

    def source(self, node: Node) -> tuple[str, int, int]:
        # The parsed text is ASCII (see _parse), so byte offsets are character offsets.
        start, end = node.start_byte, node.end_byte
        return self.text[start:end], start, end

    def word(self, node: Node) -> Word:
        text, start, end = self.source(node)
        if node.type == "word":
            return Word(text, _unescape(text) if "\\" in text else text, start, end, self.offsets)
        return Word(text, self.literal(node, text), start, end, self.offsets)

    def literal(self, node: Node, text: str) -> str | None:
        kind = node.type
        if not node.is_named:
            return text
        if kind in _LITERAL_NODES:
            return _unescape(text) if "\\" in text else text
        if kind == "raw_string":
            return text[1:-1]
        if kind == "string":
            if ("$" in text or "`" in text) and any(
                child.type != "string_content" for child in node.named_children
            ):
                return None
            inner = text[1:-1]
            return _unescape_double(inner) if "\\" in inner else inner
        if kind in _CONCATENATED_NODES:
            parts = []
            for child in node.children:
                part = self.literal(child, self.source(child)[0])
                if part is None:
                    return None
                parts.append(part)
            return "".join(parts)
        return None

    # statements

    def sequence(self, children: list[Node], nesting: Nesting) -> None:
        """Walk statements joined by ``;``, ``&``, ``&&``, ``||`` or newlines.

        ``a && b || c`` comes as ``((a && b) || c)``: the left-nested lists of a chain are walked in
        a loop, outermost last, so that a chain of thousands of commands needs no deeper recursion
        than one of two."""
        outer: list[tuple[_Items, Nesting]] = []
        items = _items(children)
        while items.nodes and items.nodes[0].type == "list" and not self._attached(items.nodes[0]):
            outer.append((items, nesting))
            nesting = _item_nesting(nesting, items.after[0])
            items = _items(items.nodes[0].children)
        self.items(items, nesting, 0)
        while outer:
            items, nesting = outer.pop()
            self.items(items, nesting, 1)

    def _attached(self, node: Node) -> bool:
        return bool(self.attached) and (node.start_byte, node.end_byte) in self.attached

    def items(self, items: _Items, nesting: Nesting, first: int) -> None:
        nodes, before, after = items
        for index in range(first, len(nodes)):
            node = nodes[index]
            if index:
                connector = before[index]
                if connector is None:
                    previous = self.source(nodes[index - 1])[2]
                    gap = self.text[previous : self.source(node)[1]]
                    connector = "\n" if "\n" in gap else ";"
                self.pending = connector
            self.statement(node, _item_nesting(nesting, after[index]))

    def statement(self, node: Node, nesting: Nesting) -> None:
        if self.depth >= MAX_DEPTH:
            self.limit(node)
            return
        self.depth += 1
        try:
            self._statement(node, nesting)
        finally:
            self.depth -= 1

    def limit(self, node: Node) -> None:
        """Skip a part nested too deep, and say where (once per script)."""
        if not self.limits:
            _, start, end = self.source(node)
            message = f"shell nesting deeper than {MAX_DEPTH} levels is not analysed"
            self.limits.append(ShellError(message, start, end, self.offsets))

    def _statement(self, node: Node, nesting: Nesting) -> None:
        kind = node.type
        extra: tuple[Redirection, ...] = ()
        end = node.end_byte
        if self.attached and (key := (node.start_byte, end)) in self.attached:
            extra, end, slot = self.attached.pop(key)
            if slot is not None:
                nesting = replace(nesting, pipeline=slot)
        if kind == "command":
            self.command(node, nesting, extra, end)
        elif kind in {"declaration_command", "unset_command", "test_command"}:
            self.builtin(node, nesting, extra, end)
        elif kind in {"variable_assignment", "variable_assignments"}:
            self.assignments_only(node, nesting, extra, end)
        elif kind == "redirected_statement":
            self.redirected(node, nesting)
        else:
            saved = self.inherited
            self.inherited = (*extra, *saved)
            if kind == "list":
                self.sequence(node.children, nesting)
            elif kind == "pipeline":
                self.pipeline(node, nesting)
            elif kind == "negated_command":
                self.sequence(node.children, replace(nesting, negated=True, condition=True))
            else:
                self.compound(node, nesting)
            self.inherited = saved

    def compound(self, node: Node, nesting: Nesting) -> None:
        kind = node.type
        children = node.children
        if kind == "subshell":
            self.scoped(children, replace(nesting, subshell=True))
        elif kind == "compound_statement":
            if children and children[0].type == "((":
                self.nested(node, nesting)
            else:
                self.sequence(children, nesting)
        elif kind in {"if_statement", "elif_clause", "else_clause"}:
            self.if_statement(children, nesting)
        elif kind in {"while_statement", "until_statement"}:
            loop = replace(nesting, loop=True)
            test = [c for c in children if c.type != "do_group"]
            self.sequence(test, replace(loop, condition=True))
            for child in children:
                if child.type == "do_group":
                    self.sequence(child.children, loop)
        elif kind in {"for_statement", "c_style_for_statement", "select_statement"}:
            for child in children:
                if child.type in {"do_group", "compound_statement"}:
                    self.sequence(child.children, replace(nesting, loop=True))
                elif child.is_named:
                    self.nested(child, nesting)
        elif kind == "case_statement":
            self.case_statement(children, nesting)
        elif kind == "function_definition":
            body = node.child_by_field_name("body")
            if body is not None:
                saved = self.flags.copy()
                self.pending = None
                self.statement(body, replace(nesting, function=True))
                self.flags = saved
        else:
            self.nested(node, nesting)

    def scoped(self, children: list[Node], nesting: Nesting) -> None:
        """Walk a subshell's statements: ``set`` inside it does not leak out."""
        saved = self.flags.copy()
        self.sequence(children, nesting)
        self.flags = saved

    def if_statement(self, children: list[Node], nesting: Nesting) -> None:
        segment: list[Node] = []
        for child in children:
            kind = child.type
            if kind == "then":
                self.sequence(segment, replace(nesting, condition=True))
                segment = []
            elif kind in {"elif_clause", "else_clause"}:
                self.sequence(segment, nesting)
                segment = []
                self.compound(child, nesting)
            elif kind not in {"if", "elif", "else", "fi"}:
                segment.append(child)
        self.sequence(segment, nesting)

    def case_statement(self, children: list[Node], nesting: Nesting) -> None:
        for child in children:
            if child.type == "case_item":
                in_body = False
                body: list[Node] = []
                for part in child.children:
                    if in_body:
                        body.append(part)
                    elif part.type == ")":
                        in_body = True
                    elif part.is_named:
                        self.nested(part, nesting)
                self.sequence(body, nesting)
            elif child.is_named:
                self.nested(child, nesting)

    def pipeline(self, node: Node, nesting: Nesting) -> None:
        children = node.children
        length = sum(c.is_named and c.type not in _SKIPPED for c in children)
        pipeline_id = self.pipelines
        self.pipelines += 1
        index = 0
        operator: Connector = "|"
        for child in children:
            kind = child.type
            if kind in {"|", "|&"}:
                operator = _CONNECTORS[kind]
            elif child.is_named and kind not in _SKIPPED:
                if index:
                    self.pending = operator
                slot = PipelineSlot(pipeline_id, index, length)
                if index == 0 and kind == "redirected_statement":
                    # ``a && b 2>&1 | c`` comes as ((a && b) 2>&1) | c: only b is piped.
                    self.redirected(child, nesting, slot)
                else:
                    self.statement(child, replace(nesting, pipeline=slot))
                index += 1

    def redirected(self, node: Node, nesting: Nesting, slot: PipelineSlot | None = None) -> None:
        body: Node | None = None
        redirections: list[Redirection] = []
        for child in node.children:
            if child.type.endswith("_redirect"):
                redirections.append(self.redirection(child, nesting))
            elif child.is_named and body is None and child.type not in _SKIPPED:
                body = child
        if body is None:
            return
        target = body
        # tree-sitter-bash attaches ``a && b > f`` to the whole list: the redirect is b's.
        while target.type in {"list", "pipeline"}:
            last = [c for c in target.children if c.is_named and c.type not in _SKIPPED]
            if not last:
                break
            target = last[-1]
        self.attached[(target.start_byte, target.end_byte)] = (
            tuple(redirections),
            node.end_byte,
            slot,
        )
        self.statement(body, nesting)

    # commands

    def command(self, node: Node, nesting: Nesting, extra: tuple[Redirection, ...], end: int) -> None:
        assignments: list[Assignment] = []
        words: list[Word] = []
        redirections: list[Redirection] = []
        nested: list[Node] = []
        text, offsets = self.text, self.offsets
        for child in node.children:
            kind = child.type
            if kind == "word":  # the common case, inlined
                start, stop = child.start_byte, child.end_byte
                written = text[start:stop]
                value = _unescape(written) if "\\" in written else written
                words.append(Word(written, value, start, stop, offsets))
            elif kind == "command_name":
                inner = child.children
                name = inner[0] if len(inner) == 1 else child
                words.append(self.word(name))
                if name.type != "word":
                    nested.append(name)
            elif kind == "variable_assignment":
                assignments.append(self.assignment(child))
                nested.append(child)
            elif kind.endswith("_redirect"):
                redirections.append(self.redirection(child, nesting))
            elif child.is_named and kind not in _SKIPPED:
                words.append(self.word(child))
                nested.append(child)
        wrappers, env, index = _unwrap(words, self.offsets)
        assignments.extend(env)
        command = self.emit(
            node.start_byte,
            end,
            nesting,
            name_word=words[index] if index < len(words) else None,
            args=tuple(words[index + 1 :]),
            wrappers=tuple(wrappers),
            assignments=tuple(assignments),
            redirections=(*redirections, *extra, *self.inherited),
        )
        for child in nested:
            self.nested(child, nesting)
        if command.name == "set":
            self.flags.apply([w.value for w in command.args])

    def builtin(self, node: Node, nesting: Nesting, extra: tuple[Redirection, ...], end: int) -> None:
        """``export``/``declare``/``local``/``readonly``/``typeset``, ``unset``, ``[``, ``[[``."""
        children = node.children
        words: list[Word] = []
        redirections: list[Redirection] = []
        for child in children[1:]:
            self.flatten(child, words, redirections, nesting)
        self.emit(
            node.start_byte,
            end,
            nesting,
            name_word=self.word(children[0]),
            args=tuple(words),
            redirections=(*redirections, *extra, *self.inherited),
        )
        self.nested(node, nesting)

    def flatten(
        self, node: Node, words: list[Word], redirections: list[Redirection], nesting: Nesting
    ) -> None:
        """The words and redirections of a test expression, in order (``[[ ( ( a ) ) ]]`` nests
        without bound: walked with a stack)."""
        stack = [node]
        while stack:
            node = stack.pop()
            kind = node.type
            if kind in _TEST_EXPRESSIONS:
                stack.extend(reversed(node.children))
            elif kind.endswith("_redirect"):
                redirections.append(self.redirection(node, nesting))
            elif kind not in _SKIPPED:
                words.append(self.word(node))

    def assignments_only(
        self, node: Node, nesting: Nesting, extra: tuple[Redirection, ...], end: int
    ) -> None:
        nodes = node.named_children if node.type == "variable_assignments" else [node]
        self.emit(
            node.start_byte,
            end,
            nesting,
            name_word=None,
            assignments=tuple(self.assignment(n) for n in nodes if n.type == "variable_assignment"),
            redirections=(*extra, *self.inherited),
        )
        self.nested(node, nesting)

    def assignment(self, node: Node) -> Assignment:
        name = node.child_by_field_name("name")
        value = node.child_by_field_name("value")
        _, start, end = self.source(node)
        return Assignment(
            self.source(name)[0] if name is not None else "",
            self.word(value) if value is not None else None,
            start,
            end,
            self.offsets,
        )

    def redirection(self, node: Node, nesting: Nesting) -> Redirection:
        _, start, end = self.source(node)
        fd: int | None = None
        operator = ""
        target: Word | None = None
        heredoc: Word | None = None
        for part in node.children:
            kind = part.type
            if kind == "file_descriptor":
                digits = self.source(part)[0]
                fd = int(digits) if digits.isdigit() else None
            elif not part.is_named:
                operator = operator or kind
            elif kind == "heredoc_start":
                target = self.word(part)
            elif kind == "heredoc_body":
                heredoc = self.word(part)
            elif target is None and kind not in _SKIPPED:
                target = self.word(part)
                self.nested(part, nesting)
        document = self.heredocs.get(start)
        if document is not None:
            operator = document.operator
            begin, finish = document.delimiter_start, document.delimiter_end
            target = Word(self.text[begin:finish], document.delimiter, begin, finish, self.offsets)
            begin, finish = document.body_start, document.body_end
            if begin >= 0:
                body = self.text[begin:finish]
                literal = document.quoted or ("$" not in body and "`" not in body)
                heredoc = Word(body, body if literal else None, begin, finish, self.offsets)
        return Redirection(operator, fd, target, heredoc, start, end, self.offsets)

    def emit(
        self,
        start: int,
        end: int,
        nesting: Nesting,
        *,
        name_word: Word | None,
        args: tuple[Word, ...] = (),
        wrappers: tuple[Wrapper, ...] = (),
        assignments: tuple[Assignment, ...] = (),
        redirections: tuple[Redirection, ...] = (),
    ) -> Command:
        name = "" if name_word is None else name_word.value or name_word.text
        connector = self.pending
        self.pending = None
        command = Command(
            name,
            name_word,
            args,
            start,
            end,
            self.offsets,
            wrappers,
            assignments,
            redirections,
            connector,
            nesting,
            self.flags.errexit,
            self.flags.pipefail,
            self.inner_script(name, args),
        )
        self.commands.append(command)
        return command

    def inner_script(self, name: str, args: tuple[Word, ...]) -> ShellScript | None:
        program = name.rsplit("/", 1)[-1]
        if program not in SHELL_PROGRAMS or self.nesting >= MAX_NESTING:
            return None
        found = _script_argument(args)
        if found is None:
            return None
        options, word = found
        body, positions = _unquote_with_offsets(word.text, word.start)
        offsets = _sub_map(self.offsets, positions, word.start)
        script = _parse(body, offsets, (program, *options), self.nesting + 1)
        self.nested_errors.extend(script.errors)
        return script

    def nested(self, node: Node, nesting: Nesting) -> None:
        """Walk the command substitutions inside a word, an assignment or an expression."""
        text = self.source(node)[0]
        if "$(" in text or "`" in text or "<(" in text or ">(" in text:
            self.substitutions(node, nesting)

    def substitutions(self, node: Node, nesting: Nesting) -> None:
        """Walk the ``$(...)`` and ``<(...)`` inside a node, in order (the nodes between, such as
        ``$(( ((1)) ))``, nest without bound: searched with a stack; the substitutions themselves
        are statements and count towards :data:`MAX_DEPTH`)."""
        stack = [node]
        while stack:
            node = stack.pop()
            if node.type not in _SUBSTITUTIONS:
                stack.extend(child for child in reversed(node.children) if child.is_named)
                continue
            if self.depth >= MAX_DEPTH:
                self.limit(node)
                continue
            inner = Nesting(
                subshell=True,
                substitution=True,
                function=nesting.function,
                loop=nesting.loop,
                condition=nesting.condition,
                negated=nesting.negated,
            )
            saved = self.pending, self.inherited
            self.pending, self.inherited = None, ()
            self.depth += 1
            self.scoped(node.children, inner)
            self.depth -= 1
            self.pending, self.inherited = saved

    def collect_errors(self, node: Node) -> None:
        stack = list(reversed(node.children))
        while stack:
            child = stack.pop()
            if child.is_missing:
                _, start, _ = self.source(child)
                self.errors.append(
                    ShellError(f"syntax error: missing {child.type!r}", start, start, self.offsets)
                )
            elif child.type == "ERROR":
                text, start, end = self.source(child)
                snippet = text.strip().split("\n", 1)[0][:40]
                self.errors.append(ShellError(f"syntax error near {snippet!r}", start, end, self.offsets))
            elif child.has_error:
                stack.extend(reversed(child.children))


# --- words ---------------------------------------------------------------------------------------


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _unescape_double(text: str) -> str:
    return re.sub(r"\\([$`\"\\\n])", r"\1", text)


def _unquote_with_offsets(text: str, start: int) -> tuple[str, list[int]]:
    """Remove a word's quotes and escapes, keeping expansions as written, with the offset of each
    remaining character in the parsed text."""
    out: list[str] = []
    positions: list[int] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote == "'":
            if ch == "'":
                quote = ""
            else:
                out.append(ch)
                positions.append(start + i)
        elif ch == "\\" and i + 1 < len(text) and (not quote or text[i + 1] in '$`"\\\n'):
            out.append(text[i + 1])
            positions.append(start + i + 1)
            i += 1
        elif ch == '"' or (ch == "'" and not quote):
            quote = "" if quote else ch
        else:
            out.append(ch)
            positions.append(start + i)
        i += 1
    return "".join(out), positions


def _sub_map(outer: OffsetMap, positions: list[int], empty_at: int) -> OffsetMap:
    """The OffsetMap of a string whose character ``i`` was copied from ``positions[i]``; an empty
    string is placed at ``empty_at``."""
    piece_starts = set(outer.starts)
    starts: list[int] = []
    lines: list[int] = []
    columns: list[int] = []
    previous = -2
    for index, offset in enumerate(positions):
        if offset != previous + 1 or offset in piece_starts:
            position = outer.position(offset)
            starts.append(index)
            lines.append(position.line)
            columns.append(position.column)
        previous = offset
    if not starts:
        position = outer.position(empty_at)
        return OffsetMap((0,), (position.line,), (position.column,), position)
    end = outer.end_position(positions[-1] + 1)
    return OffsetMap(tuple(starts), tuple(lines), tuple(columns), end)


def _script_argument(args: tuple[Word, ...]) -> tuple[tuple[str, ...], Word] | None:
    """For ``sh [options] -c SCRIPT``: the options and the script word."""
    options: list[str] = []
    seen_c = False
    i = 0
    while i < len(args):
        value = args[i].value
        if value is not None and value[:1] in {"-", "+"} and len(value) > 1 and value != "--":
            options.append(value)
            if not value.startswith("--"):
                seen_c = seen_c or "c" in value
                if ("o" in value or "O" in value) and i + 1 < len(args):
                    options.append(args[i + 1].value or "")
                    i += 1
            i += 1
            continue
        if value == "--":
            i += 1
            continue
        return (tuple(options), args[i]) if seen_c else None
    return None


# --- wrappers ------------------------------------------------------------------------------------

_WRAPPER_VALUE_OPTIONS: dict[str, frozenset[str]] = {
    "sudo": frozenset(
        {"-u", "-g", "-C", "-h", "-p", "-U", "-r", "-t", "-D", "-R", "-T", "--user", "--group"}
        | {"--close-from", "--host", "--prompt", "--other-user", "--role", "--type", "--chdir"}
        | {"--command-timeout"}
    ),
    "env": frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}),
    "exec": frozenset({"-a"}),
    "time": frozenset({"-f", "--format", "-o", "--output"}),
    "nohup": frozenset(),
    "command": frozenset(),
    # the official images' init and privilege-dropping helpers: ``tini -- cmd``, ``gosu user cmd``
    "tini": frozenset({"-p", "-e"}),
    "gosu": frozenset(),
    "su-exec": frozenset(),
}
_RUNS_AS = frozenset({"gosu", "su-exec"})
"""Wrappers whose first operand is the user (``gosu redmine bundle install``)."""


def _unwrap(words: list[Word], offsets: OffsetMap) -> tuple[list[Wrapper], list[Assignment], int]:
    """Skip ``sudo``, ``env``, ``command``, ``exec``, ``nohup``, ``time``, ``tini``, ``gosu`` and
    ``su-exec`` with their options (and the user ``gosu``/``su-exec`` run as): the wrappers, the
    assignments given to ``env``/``sudo`` and the index of the real command."""
    wrappers: list[Wrapper] = []
    assignments: list[Assignment] = []
    i = 0
    while i < len(words):
        program = (words[i].value or "").rsplit("/", 1)[-1]
        takes_value = _WRAPPER_VALUE_OPTIONS.get(program)
        if takes_value is None:
            break
        j = i + 1
        found: list[Assignment] = []
        while j < len(words):
            value = words[j].value
            if value is None:
                break
            if value == "--":
                j += 1
                break
            if program in {"env", "sudo"} and re.match(_ASSIGNMENT, value):
                found.append(_split_assignment(words[j], offsets))
                j += 1
                continue
            if program == "command" and value in {"-v", "-V"}:
                return wrappers, assignments, i
            if not value.startswith("-") or (value == "-" and program != "env"):
                break
            j += 1 + _consumes_value(value, takes_value)
        if program in _RUNS_AS and j < len(words) and not (words[j].value or "-").startswith("-"):
            j += 1  # the user
        elif program in _RUNS_AS:
            break  # ``gosu --version``: gosu itself runs
        if j >= len(words):
            break
        wrappers.append(Wrapper(program, tuple(words[i:j])))
        assignments.extend(found)
        i = j
    return wrappers, assignments, i


def _consumes_value(option: str, takes_value: frozenset[str]) -> int:
    if option.startswith("--"):
        return int("=" not in option and option in takes_value)
    letters = option[1:]
    for index, letter in enumerate(letters):
        if f"-{letter}" in takes_value:
            return int(index == len(letters) - 1)
    return 0


def _split_assignment(word: Word, offsets: OffsetMap) -> Assignment:
    name, _, rest = (word.value or word.text).partition("=")
    equals = word.text.index("=")
    value_text = word.text[equals + 1 :]
    value = Word(
        value_text,
        rest if word.value is not None else None,
        word.start + equals + 1,
        word.end,
        offsets,
    )
    return Assignment(name.removesuffix("+"), value, word.start, word.end, offsets)
