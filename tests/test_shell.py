"""The shell model of RUN: structure, words, spans, wrappers, redirections, set flags, errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from msgspec.structs import replace

from dfanalyze.analysis import shell as shell_module
from dfanalyze.analysis.shell import Command, ShellScript, parse_shell
from dfanalyze.span import OffsetMap, Position, Span


def flat(text: str) -> OffsetMap:
    """The map of a one-line RUN whose shell text starts at column 5 (after ``RUN ``)."""
    return OffsetMap((0,), (1,), (5,), Position(1, 5 + len(text)))


def parse(text: str, shell: tuple[str, ...] = ("/bin/sh", "-c")) -> ShellScript:
    return parse_shell(text, flat(text), shell)


def names(script: ShellScript) -> list[str]:
    return [c.name for c in script.commands]


def find(script: ShellScript, name: str, nth: int = 0) -> Command:
    return [c for c in script.all_commands() if c.name == name][nth]


# --- structure -------------------------------------------------------------------------------------


def test_and_chain_with_connectors() -> None:
    script = parse("apt-get update && apt-get install -y curl; rm -rf /x || true & sleep 1")
    assert names(script) == ["apt-get", "apt-get", "rm", "true", "sleep"]
    assert [c.connector_before for c in script.commands] == [None, "&&", ";", "||", "&"]
    assert [w.value for w in script.commands[1].args] == ["install", "-y", "curl"]
    assert find(script, "rm").in_condition
    assert not find(script, "true").in_condition
    assert find(script, "rm").background and find(script, "true").background
    assert not find(script, "sleep").background


def test_newline_connector_and_comments() -> None:
    script = parse("set -e\n# install\napt-get update\napt-get install -y jq")
    assert names(script) == ["set", "apt-get", "apt-get"]
    assert [c.connector_before for c in script.commands] == [None, "\n", "\n"]


def test_pipeline_slots_and_piped_into() -> None:
    script = parse("curl -fsSL https://x/i.sh | sudo bash - && ls | grep -v x | wc -l")
    curl, bash, ls, grep, wc = script.commands
    assert bash.name == "bash" and bash.wrappers[0].name == "sudo"
    assert curl.pipeline is not None and curl.pipeline.index == 0 and curl.pipeline.length == 2
    assert bash.connector_before == "|"
    assert script.piped_into(curl) == (bash,)
    assert ls.connector_before == "&&"
    assert ls.pipeline is not None and wc.pipeline is not None
    assert (ls.pipeline.id, wc.pipeline.index, wc.pipeline.length) == (
        grep.pipeline.id if grep.pipeline else -1,
        2,
        3,
    )
    assert ls.pipeline.id != curl.pipeline.id
    assert script.piped_into(wc) == ()


def test_pipe_after_and_list_belongs_to_last_command() -> None:
    # tree-sitter-bash reads this as ((a && b) 2>&1) | c; bash pipes only b into c.
    script = parse("apt-get update && apt-get install -y x 2>&1 | tee /log")
    update, install, tee = script.commands
    assert update.pipeline is None
    assert install.pipeline is not None and install.pipeline.index == 0
    assert [(r.fd, r.operator, r.target and r.target.value) for r in install.redirections] == [(2, ">&", "1")]
    assert script.piped_into(install) == (tee,)


def test_subshell_function_loop_and_conditions() -> None:
    text = (
        "(cd /src && make) && f() { retry; }; for p in a b; do pip install $p; done;"
        " if [ -f x ] && test -d y; then echo yes; elif ! grep -q a b; then :; else no; fi;"
        " while ! nc -z db 5432; do sleep 1; done; until false; do break; done"
    )
    script = parse(text)
    assert find(script, "cd").in_subshell and find(script, "make").in_subshell
    assert find(script, "cd").connector_before is None
    assert find(script, "retry").in_function and find(script, "retry").connector_before is None
    assert find(script, "pip").in_loop and not find(script, "pip").in_condition
    assert find(script, "[").in_condition and find(script, "test").in_condition
    assert [w.value for w in find(script, "[").args] == ["-f", "x", "]"]
    assert not find(script, "echo").in_condition
    grep = find(script, "grep")
    assert grep.in_condition and grep.negated
    assert not find(script, "no").in_condition
    nc = find(script, "nc")
    assert nc.in_loop and nc.in_condition and nc.negated
    assert find(script, "sleep").in_loop and not find(script, "sleep").in_condition
    assert find(script, "false").in_condition


def test_negated_group() -> None:
    """``! { ...; }``, which tree-sitter-bash reads as a command named ``{``, is a negated group."""
    script = parse("set -e; ! { ldd /x.so | grep 'not found'; }; echo '! { no'")
    assert [c.name for c in script.commands] == ["set", "ldd", "grep", "echo"]
    ldd = find(script, "ldd")
    assert ldd.negated and ldd.in_condition and ldd.pipeline is not None
    assert find(script, "grep").pipeline == replace(ldd.pipeline, index=1)
    assert [w.value for w in find(script, "echo").args] == ["! { no"]


def test_case_and_test_brackets() -> None:
    script = parse(
        'case "${arch##*-}" in amd64) A=x64;; arm64) A=arm64 ;; *) echo bad; exit 1 ;; esac;'
        ' [[ -n "$A" && $A != x ]] && echo ok'
    )
    assert names(script) == ["", "", "echo", "exit", "[[", "echo"]
    assert script.commands[0].assignments[0].name == "A"
    assert [w.text for w in find(script, "[[").args] == ["-n", '"$A"', "&&", "$A", "!=", "x", "]]"]


def test_command_substitutions_are_nested_commands() -> None:
    script = parse("arch=\"$(dpkg --print-architecture | awk -F- '{ print $NF }')\" && echo `date`")
    assert names(script) == ["", "dpkg", "awk", "echo", "date"]
    dpkg = find(script, "dpkg")
    assert dpkg.in_substitution and dpkg.in_subshell and dpkg.connector_before is None
    assert dpkg.pipeline is not None and dpkg.pipeline.length == 2
    assert script.commands[0].assignments[0].value is not None
    assert script.commands[0].assignments[0].value.value is None  # has a substitution
    assert find(script, "echo").connector_before == "&&"
    assert find(script, "date").in_substitution


def test_declarations_and_assignments() -> None:
    script = parse("export PATH=/x:$PATH A=1; local b; unset C; D=1 E=2; F=3 cmd")
    assert names(script) == ["export", "local", "unset", "", "cmd"]
    assert [w.text for w in script.commands[0].args] == ["PATH=/x:$PATH", "A=1"]
    assert script.commands[0].args[1].value == "A=1"
    assert [a.name for a in script.commands[3].assignments] == ["D", "E"]
    cmd = script.commands[4]
    assert [(a.name, a.value.value if a.value else None) for a in cmd.assignments] == [("F", "3")]


# --- words -----------------------------------------------------------------------------------------


def test_word_values() -> None:
    script = parse(
        """echo plain 'single $x' "double \\"q\\" \\$y" a\\ b -j"$(nproc)" pre"fix"'s' $HOME """
        """~/.cache/* ${V:-x} $'a\\tb' "" go${V}.tgz"""
    )
    words = [(w.text, w.value) for w in script.commands[0].args]
    assert words == [
        ("plain", "plain"),
        ("'single $x'", "single $x"),
        ('"double \\"q\\" \\$y"', 'double "q" $y'),
        ("a\\ b", "a b"),
        ('-j"$(nproc)"', None),
        ("pre\"fix\"'s'", "prefixs"),
        ("$HOME", None),
        ("~/.cache/*", "~/.cache/*"),
        ("${V:-x}", None),
        ("$'a\\tb'", None),
        ('""', ""),
        ("go${V}.tgz", None),
    ]


def test_command_name_of_non_literal_word() -> None:
    script = parse('"$@" && /usr/bin/apt-get update')
    assert script.commands[0].name == '"$@"'
    assert script.commands[0].name_word is not None
    assert script.commands[0].name_word.value is None
    assert script.commands[1].name == "/usr/bin/apt-get"
    assert script.commands[1].program == "apt-get"


# --- spans -----------------------------------------------------------------------------------------

PHYSICAL = [
    "RUN apt-get update && \\",
    "    apt-get install -y \\",
    "        curl=7.88.1-10 git",
]


def multiline() -> tuple[str, OffsetMap]:
    pieces = [PHYSICAL[0][4:-1], PHYSICAL[1][:-1], PHYSICAL[2]]
    starts = (0, len(pieces[0]), len(pieces[0]) + len(pieces[1]))
    offsets = OffsetMap(starts, (1, 2, 3), (5, 1, 1), Position(3, len(PHYSICAL[2]) + 1))
    return "".join(pieces), offsets


def test_exact_spans_on_continued_lines() -> None:
    text, offsets = multiline()
    script = parse_shell(text, offsets)
    update, install = script.commands
    assert update.span == Span.of(1, 5, 1, 19)
    assert install.span == Span.of(2, 5, 3, 27)
    assert install.name_word is not None and install.name_word.span == Span.of(2, 5, 2, 12)
    spans = {w.text: w.span for w in install.args}
    assert spans["install"] == Span.of(2, 13, 2, 20)
    assert spans["-y"] == Span.of(2, 21, 2, 23)
    assert spans["curl=7.88.1-10"] == Span.of(3, 9, 3, 23)
    assert spans["git"] == Span.of(3, 24, 3, 27)
    for word in install.args:
        line = PHYSICAL[word.span.start.line - 1]
        assert line[word.span.start.column - 1 : word.span.end.column - 1] == word.text


def test_spans_inside_sh_c_body() -> None:
    physical = [
        "RUN sh -c 'apt-get update && \\",
        '      apt-get install -y "$PKG"\' && bash -c "echo \\"a b\\" && ls -l"',
    ]
    pieces = [physical[0][4:-1], physical[1]]
    offsets = OffsetMap((0, len(pieces[0])), (1, 2), (5, 1), Position(2, len(physical[1]) + 1))
    script = parse_shell("".join(pieces), offsets)
    sh, bash = script.commands
    assert sh.script is not None and bash.script is not None
    update, install = sh.script.commands
    assert update.name == "apt-get" and update.span == Span.of(1, 12, 1, 26)
    assert install.connector_before == "&&"
    assert [w.span for w in install.args] == [
        Span.of(2, 15, 2, 22),
        Span.of(2, 23, 2, 25),
        Span.of(2, 26, 2, 32),
    ]
    echo, ls = bash.script.commands
    assert [w.value for w in echo.args] == ["a b"]
    assert physical[1][ls.span.start.column - 1 : ls.span.end.column - 1] == "ls -l"
    assert [c.name for c in script.all_commands()] == ["sh", "apt-get", "apt-get", "bash", "echo", "ls"]


def test_non_ascii_offsets_are_code_points() -> None:
    text = 'echo "héllo wörld" > ü && ls ü'
    script = parse(text)
    ls = script.commands[1]
    assert ls.args[0].span == Span.of(1, 5 + text.rindex("ü"), 1, 6 + text.rindex("ü"))
    assert script.commands[0].redirections[0].target is not None
    assert script.commands[0].redirections[0].target.value == "ü"


# --- wrappers --------------------------------------------------------------------------------------


def test_wrappers_are_stripped_and_kept() -> None:
    script = parse(
        "sudo -E -u app env -i HOME=/home/app PATH=/bin pip3 install x;"
        " nohup exec -a name time -p make -j4; command apt-get update; command -v curl; env; sudo"
    )
    pip = script.commands[0]
    assert pip.name == "pip3"
    assert [w.name for w in pip.wrappers] == ["sudo", "env"]
    assert [w.text for w in pip.wrappers[0].words] == ["sudo", "-E", "-u", "app"]
    assert [(a.name, a.value.value if a.value else None) for a in pip.assignments] == [
        ("HOME", "/home/app"),
        ("PATH", "/bin"),
    ]
    assert pip.assignments[0].value is not None
    assert pip.assignments[0].value.span == Span.of(1, 32, 1, 41)
    make = script.commands[1]
    assert make.name == "make" and [w.name for w in make.wrappers] == ["nohup", "exec", "time"]
    assert script.commands[2].name == "apt-get"
    assert script.commands[3].name == "command"  # command -v is a query, not a wrapper
    assert [c.name for c in script.commands[4:]] == ["env", "sudo"]


def test_official_image_helpers_are_wrappers() -> None:
    """gosu and su-exec run a command as a user, tini as PID 1; ``gosu --version`` is gosu itself."""
    script = parse(
        "gosu redmine bundle install; su-exec app:app pip install x; tini -s -- node a.js; gosu --version"
    )
    bundle, pip, node, gosu = script.commands
    assert (bundle.name, [w.text for w in bundle.wrappers[0].words]) == ("bundle", ["gosu", "redmine"])
    assert (pip.name, pip.wrappers[0].name) == ("pip", "su-exec")
    assert (node.name, [w.text for w in node.wrappers[0].words]) == ("node", ["tini", "-s", "--"])
    assert (gosu.name, gosu.wrappers) == ("gosu", ())


def test_leading_assignments_and_env_assignments() -> None:
    script = parse("DEBIAN_FRONTEND=noninteractive apt-get install -y tzdata")
    command = script.commands[0]
    assert command.name == "apt-get"
    assert command.assignments[0].name == "DEBIAN_FRONTEND"
    assert command.assignments[0].span == Span.of(1, 5, 1, 35)


# --- redirections ----------------------------------------------------------------------------------


def test_redirections() -> None:
    script = parse(
        'echo x > /etc/a 2>>/log && cat < in &> out; read -r a <<< "$(uname -m)";'
        " { a; b; } > /dev/null; while read l; do c; done < list"
    )
    echo = script.commands[0]
    assert [(r.fd, r.operator, r.target.value if r.target else None) for r in echo.redirections] == [
        (None, ">", "/etc/a"),
        (2, ">>", "/log"),
    ]
    assert echo.redirections[0].span == Span.of(1, 12, 1, 20)
    cat = find(script, "cat")
    assert [r.operator for r in cat.redirections] == ["<", "&>"]
    read = find(script, "read")
    assert read.redirections[0].operator == "<<<"
    assert find(script, "uname").in_substitution
    assert find(script, "a").redirections[0].target is not None
    assert [r.operator for r in find(script, "b").redirections] == [">"]
    assert find(script, "c").redirections[0].operator == "<"


def test_redirect_after_and_list_is_the_last_command_s() -> None:
    script = parse("apt-get update && apt-get install -y x > /dev/null")
    assert script.commands[0].redirections == ()
    assert len(script.commands[1].redirections) == 1
    assert script.commands[1].span.end == Position(1, 5 + 50)


def test_heredocs() -> None:
    text = (
        "cat <<'EOF' > /etc/x && chmod 644 /etc/x; cat <<-END | sh\n"
        "line $HOME\n"
        "EOF\n"
        "\techo hi\n"
        "\tEND\n"
        "echo done"
    )
    script = parse(text)
    assert names(script) == ["cat", "chmod", "cat", "sh", "echo"]
    first = script.commands[0]
    heredoc, file = first.redirections
    assert (heredoc.operator, file.operator) == ("<<", ">")
    assert heredoc.target is not None and heredoc.target.value == "EOF"
    assert heredoc.heredoc is not None
    assert heredoc.heredoc.text == "line $HOME\n"
    assert heredoc.heredoc.value == "line $HOME\n"  # quoted delimiter: no expansion
    second = script.commands[2].redirections[0]
    assert second.operator == "<<-" and second.heredoc is not None
    assert second.heredoc.text == "\techo hi\n" and second.heredoc.value == "\techo hi\n"
    assert script.commands[3].pipeline is not None
    assert script.commands[4].connector_before == "\n"
    assert not script.errors


def test_unquoted_heredoc_with_expansion_has_no_value() -> None:
    script = parse("cat <<EOF;\n$HOME\nEOF")
    body = script.commands[0].redirections[0].heredoc
    assert body is not None and body.value is None and body.text == "$HOME\n"
    assert not script.errors


def test_heredocs_without_body_lines_are_no_error() -> None:
    # BuildKit hands a RUN's here-document bodies over apart from its shell text.
    script = parse("cat <<EOF > /x && chmod +x /x; python3 <<-'PY'")
    assert names(script) == ["cat", "chmod", "python3"]
    heredoc = script.commands[0].redirections[0]
    assert (heredoc.operator, heredoc.heredoc) == ("<<", None)
    assert heredoc.target is not None and heredoc.target.value == "EOF"
    assert script.commands[2].redirections[0].operator == "<<-"
    assert not script.errors


def test_arithmetic_shift_is_not_a_heredoc() -> None:
    script = parse('echo $((1 << 2)) "<<x"\nls')
    assert names(script) == ["echo", "ls"]
    assert not script.errors


# --- set -e / pipefail -----------------------------------------------------------------------------


def test_set_flags_in_source_order() -> None:
    script = parse(
        "a; set -eux; b; set -o pipefail; c | d; set +e; e; (set +o pipefail; f); g; set -euo pipefail; h"
    )
    state = {c.name: (c.errexit, c.pipefail) for c in script.commands if c.name != "set"}
    assert state == {
        "a": (False, False),
        "b": (True, False),
        "c": (True, True),
        "d": (True, True),
        "e": (False, True),
        "f": (False, False),
        "g": (False, True),
        "h": (True, True),
    }


@pytest.mark.parametrize(
    ("shell", "errexit", "pipefail"),
    [
        (("/bin/sh", "-c"), False, False),
        (("/bin/bash", "-o", "pipefail", "-c"), False, True),
        (("/bin/bash", "-eo", "pipefail", "-c"), True, True),
        (("bash", "-euxo", "pipefail", "-c"), True, True),
        (("/bin/ash", "-e", "-c"), True, False),
    ],
)
def test_shell_instruction_sets_initial_flags(shell: tuple[str, ...], errexit: bool, pipefail: bool) -> None:
    command = parse("curl x | sh", shell).commands[0]
    assert (command.errexit, command.pipefail) == (errexit, pipefail)


def test_sh_c_body_starts_a_new_shell_with_its_options() -> None:
    script = parse("set -e; bash -o pipefail -c 'a | b' && sh -ec c && sh -c d")
    bash = find(script, "bash")
    assert bash.errexit and bash.script is not None
    assert bash.script.commands[0].pipefail and not bash.script.commands[0].errexit
    assert find(script, "c").errexit
    assert not find(script, "d").errexit
    assert parse("sh script.sh").commands[0].script is None


# --- dialects and errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shell", "dialect"),
    [
        (("powershell", "-Command"), "powershell"),
        (("C:\\Program Files\\PowerShell\\pwsh.exe", "-c"), "powershell"),
        (("cmd", "/S", "/C"), "cmd"),
    ],
)
def test_windows_shells_are_not_parsed(shell: tuple[str, ...], dialect: str) -> None:
    script = parse("$ErrorActionPreference = 'Stop'; Invoke-WebRequest x", shell)
    assert script.dialect == dialect
    assert script.commands == () and script.errors == ()


def test_posix_dialects() -> None:
    assert parse("ls").dialect == "sh"
    assert parse("ls", ("/bin/bash", "-c")).dialect == "bash"


@pytest.mark.parametrize(
    "text",
    [
        'echo "unterminated && ls',
        "apt-get update && && ls",
        "if then fi; ls",
        "a && (b; c",
        "cat <<EOF\nnever closed",
        "for x in; do",
        "))) ;; |",
    ],
)
def test_broken_syntax_gives_errors_not_exceptions(text: str) -> None:
    script = parse(text)
    assert script.errors
    for error in script.errors:
        assert error.span.start.line == 1 and error.message


def test_commands_around_an_error_are_kept() -> None:
    script = parse("apt-get update && && apt-get install -y x")
    assert names(script) == ["apt-get", "apt-get"]
    assert script.errors[0].span == Span.of(1, 20, 1, 22)  # the first &&


def test_sh_c_errors_are_reported_with_inner_spans() -> None:
    script = parse("sh -c 'echo \"oops'")
    assert script.errors and script.errors[0].span.start == Position(1, 17)


def test_importing_the_module_does_not_import_tree_sitter() -> None:
    code = "import sys, dfanalyze.analysis.shell; print('tree_sitter' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_bash_grammar_is_loaded_without_the_package_init() -> None:
    code = (
        "import sys\n"
        "from dfanalyze.analysis.shell import parse_shell\n"
        "from dfanalyze.span import OffsetMap, Position\n"
        "script = parse_shell('apt-get update && echo hi', OffsetMap((0,), (1,), (5,), Position(1, 30)))\n"
        "print([c.name for c in script.commands], 'tree_sitter_bash' in sys.modules,"
        " 'importlib.resources' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['apt-get', 'echo'] False False"


def test_the_directly_loaded_bash_grammar_is_the_packaged_one() -> None:
    import tree_sitter
    import tree_sitter_bash

    direct = tree_sitter.Language(shell_module._bash_language())
    packaged = tree_sitter.Language(tree_sitter_bash.language())
    assert (direct.abi_version, direct.node_kind_count, direct.field_count) == (
        packaged.abi_version,
        packaged.node_kind_count,
        packaged.field_count,
    )


# --- property: never raises, spans stay on their lines ---------------------------------------------

TOKENS = [
    "apt-get", "install", "-y", "curl=7.88", " ", " ", " ", "&&", "||", ";", "|", "&", "(", ")",
    "{", "}", "'", '"', "\\", "$", "$(", "`", "${X:-y}", "<<", "EOF", "<<<", ">", "2>&1", "if",
    "then", "fi", "for", "do", "done", "case", "esac", ";;", "sh -c", "é", "#", "=", "[[", "]]",
    "\n",
]  # fmt: skip


@st.composite
def continued_runs(draw: st.DrawFn) -> tuple[str, OffsetMap, list[str]]:
    """A RUN split over physical lines: each line indented, its piece copied into the text."""
    pieces = draw(
        st.lists(
            st.lists(st.sampled_from(TOKENS), max_size=12).map("".join).filter(lambda p: "\n" not in p),
            min_size=1,
            max_size=5,
        )
    )
    indents = draw(st.lists(st.integers(0, 8), min_size=len(pieces), max_size=len(pieces)))
    lines = [" " * indent + piece for indent, piece in zip(indents, pieces, strict=True)]
    starts = []
    total = 0
    for piece in pieces:
        starts.append(total)
        total += len(piece)
    offsets = OffsetMap(
        tuple(starts),
        tuple(range(1, len(pieces) + 1)),
        tuple(indent + 1 for indent in indents),
        Position(len(pieces), len(lines[-1]) + 1),
    )
    return "".join(pieces), offsets, lines


def all_spans(script: ShellScript) -> list[Span]:
    spans = [e.span for e in script.errors]
    for command in script.all_commands():
        spans.append(command.span)
        spans.extend(w.span for w in command.words)
        for wrapper in command.wrappers:
            spans.extend(w.span for w in wrapper.words)
        spans.extend(a.span for a in command.assignments)
        for redirection in command.redirections:
            spans.append(redirection.span)
            spans.extend(w.span for w in (redirection.target, redirection.heredoc) if w)
    return spans


@settings(max_examples=300, deadline=None)
@given(continued_runs())
def test_never_raises_and_spans_stay_within_lines(run: tuple[str, OffsetMap, list[str]]) -> None:
    text, offsets, lines = run
    script = parse_shell(text, offsets, ("/bin/bash", "-c"))
    for span in all_spans(script):
        assert span.start <= span.end
        for position in (span.start, span.end):
            assert 1 <= position.line <= len(lines)
            assert 1 <= position.column <= len(lines[position.line - 1]) + 1


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_never_raises_on_any_text(text: str) -> None:
    script = parse(text)
    for command in script.all_commands():
        assert command.start <= command.end


def test_tree_sitter_only_ever_sees_ascii(monkeypatch: pytest.MonkeyPatch) -> None:
    """tree-sitter-bash's scanner crashed the process (segfault) on some non-ASCII input found by
    fuzzing; the parser is given an ASCII stand-in of the same length, and words keep their text."""
    real = shell_module._parser()
    seen: list[bytes] = []

    class Recording:
        def parse(self, source: bytes) -> object:
            seen.append(source)
            return real.parse(source)

    monkeypatch.setattr(shell_module, "_parser", Recording)
    text = "echo «héllo» \U0001f600 && apt-get install -y caf\u00e9 | tee /tmp/ø"
    script = parse(text)
    assert seen and all(source.isascii() for source in seen)
    words = [w.text for c in script.commands for w in c.args]
    assert words == ["«héllo»", "\U0001f600", "install", "-y", "café", "/tmp/ø"]
