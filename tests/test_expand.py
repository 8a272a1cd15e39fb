"""Tests for dfanalyze.analysis.expand: BuildKit's shell lexer (frontend/dockerfile/shell/lex.go).

Every expectation below is what BuildKit's lexer does, worked out from lex.go; the comments name the
part of lex.go that decides the less obvious ones.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import pickle
import re
from collections.abc import Mapping

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfanalyze.analysis.expand import (
    UNKNOWN,
    Expansion,
    ExpansionError,
    Unknown,
    VarRef,
    expand,
    expand_static,
    expand_words,
    expand_words_static,
    references,
)

ENV: dict[str, str] = {
    "v": "hello",
    "e": "",
    "sp": "a  b",
    "path": "/usr/local/bin/tool.tar.gz",
    "1": "one",
    "@": "at",
    "ñame": "unicode",
    "x_1": "X1",
}


def ok(word: str, env: Mapping[str, str] = ENV, escape: str = "\\") -> str:
    return expand(word, env, escape)


def err(word: str, env: Mapping[str, str] = ENV, escape: str = "\\") -> str:
    with pytest.raises(ExpansionError) as info:
        expand(word, env, escape)
    return str(info.value)


# --- plain references ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("$v", "hello"),
        ("${v}", "hello"),
        ("<$v>", "<hello>"),
        ("$v$v", "hellohello"),
        ("${v}world", "helloworld"),
        ("$vworld", ""),  # the name runs on: $vworld is unset
        ("$v-x", "hello-x"),
        ("$x_1.", "X1."),
        ("$nope", ""),
        ("${nope}", ""),
        ("$e|", "|"),
        ("$ñame", "unicode"),  # unicode.IsLetter
        ("${ñame}", "unicode"),
    ],
)
def test_plain_references(word: str, expected: str) -> None:
    assert ok(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("$", "$"),
        ("a$", "a$"),
        ("$ x", "$ x"),
        ("$%", "$%"),
        ("$/", "$/"),
        ("$.", "$."),
        ("$}", "$}"),
        ("$=", "$="),
        ("5$", "5$"),
        ("$\u00b2", "$\u00b2"),  # superscript two is a numeral but not unicode.IsDigit
    ],
)
def test_dollar_before_a_non_name_is_literal(word: str, expected: str) -> None:
    assert ok(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        # processName: a leading digit reads a run of digits only.
        ("$1", "one"),
        ("$1abc", "oneabc"),
        ("$12", ""),
        ("${1}", "one"),
        ("$0", ""),
        ("$01", ""),
        ("$\u0661", ""),  # ARABIC-INDIC DIGIT ONE is unicode.IsDigit: a parameter, not literal
        # isSpecialParam: one of @ * # ? - $ ! (and 0) is the whole name.
        ("$@", "at"),
        ("$@x", "atx"),
        ("${@}", "at"),
        ("$$", ""),  # not a literal dollar: the parameter "$"
        ("$$v", "v"),
        ("$#", ""),
        ("$?", ""),
        ("$-", ""),
        ("$!", ""),
        ("$*", ""),
        ("${#}", ""),
    ],
)
def test_digit_and_special_parameters(word: str, expected: str) -> None:
    assert ok(word) == expected


def test_special_parameters_are_looked_up_like_names() -> None:
    env = {"$": "pid", "#": "count", "?": "status", "-": "flags", "!": "bg", "*": "all"}
    assert ok("$$ $# $? $- $! $*", env) == "pid count status flags bg all"
    assert ok("${#:-none} ${-:-none}", {}) == "none none"


# --- modifiers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("${v:-w}", "hello"),
        ("${e:-w}", "w"),
        ("${u:-w}", "w"),
        ("${v-w}", "hello"),
        ("${e-w}", ""),
        ("${u-w}", "w"),
        ("${v:+w}", "w"),
        ("${e:+w}", ""),
        ("${u:+w}", ""),
        ("${v+w}", "w"),
        ("${e+w}", "w"),
        ("${u+w}", ""),
        ("${v:?m}", "hello"),
        ("${v?m}", "hello"),
        ("${e?m}", ""),
        ("${u:-}", ""),
        ("${v:+}", ""),
        ("${u:-a b}", "a b"),
        ("${u:-}}", "}"),  # the word ends at the first unescaped }
        ("${u:-a\\}b}", "a}b"),
        ("${u:-$}", "$"),
        ("${u:-:-}", ":-"),
    ],
)
def test_default_alternative_and_required(word: str, expected: str) -> None:
    assert ok(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("${u:-${v}}", "hello"),
        ("${u:-$v}", "hello"),
        ("${u:-${w:-${v}}}", "hello"),
        ("${u:-${w:-deep}}", "deep"),
        ("${v:+--flag=$v}", "--flag=hello"),
        ("${v:+${u:-x}y}", "xy"),
        ("${u:-pre-${v}-post}", "pre-hello-post"),
        ("${u:-'$v'}", "$v"),
        ('${u:-"$v w"}', "hello w"),
        ('${u:-"}"}', "}"),  # a } inside double quotes does not end the word
        ("${u:-\\$v}", "$v"),
        ("${e:-${v#h}}", "ello"),
        ("${u:+$(nope)}", ""),  # an unused word is still expanded but not used
        ("a${u:-b}c", "abc"),
    ],
)
def test_nesting(word: str, expected: str) -> None:
    assert ok(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("${path#*/}", "usr/local/bin/tool.tar.gz"),
        ("${path##*/}", "tool.tar.gz"),
        ("${path%.*}", "/usr/local/bin/tool.tar"),
        ("${path%%.*}", "/usr/local/bin/tool"),
        ("${path#/usr}", "/local/bin/tool.tar.gz"),
        ("${path#usr}", "/usr/local/bin/tool.tar.gz"),  # anchored at the start
        ("${path%gz}", "/usr/local/bin/tool.tar."),
        ("${path%tar}", "/usr/local/bin/tool.tar.gz"),  # anchored at the end
        ("${path#/???/}", "local/bin/tool.tar.gz"),
        ("${path%.???.??}", "/usr/local/bin/tool"),
        ("${path#*}", "/usr/local/bin/tool.tar.gz"),  # shortest * is empty
        ("${path##*}", ""),
        ("${path%*}", "/usr/local/bin/tool.tar.gz"),
        ("${path%%*}", ""),
        ("${path#}", "/usr/local/bin/tool.tar.gz"),
        ("${path##}", "/usr/local/bin/tool.tar.gz"),
        ("${path%}", "/usr/local/bin/tool.tar.gz"),
        ("${path%%}", "/usr/local/bin/tool.tar.gz"),
        ("${path#**/}", "usr/local/bin/tool.tar.gz"),
        ("${path##*/*/}", "tool.tar.gz"),
        ("${path#/*/*/}", "bin/tool.tar.gz"),
        ("${u#*}", ""),
        ("${u%%x}", ""),
        ("${e#x}", ""),
    ],
)
def test_prefix_and_suffix_removal(word: str, expected: str) -> None:
    assert ok(word) == expected


@pytest.mark.parametrize(
    ("word", "env", "expected"),
    [
        # convertShellPatternToRegex: regex metacharacters are literal.
        ("${s#(a|b)[x].+^$}", {"s": "(a|b)[x].+^$z"}, "z"),
        ("${s#{\\}}", {"s": "{}z"}, "z"),  # \} is a } in the pattern
        ("${s#a\\*}", {"s": "a*b"}, "b"),  # \* is a literal star
        ("${s#a\\?}", {"s": "a?b"}, "b"),
        ("${s#a\\*}", {"s": "axb"}, "axb"),
        ("${s#a\\\\}", {"s": "a\\b"}, "b"),  # \\ is a literal backslash
        ("${s%\\**}", {"s": "ab**"}, "ab*"),
        ("${s%%\\**}", {"s": "ab**"}, "ab"),
        ("${s%%x\\*}", {"s": "abx*"}, "ab"),
        ("${s#$P}", {"s": "xxyy", "P": "*x"}, "xyy"),  # globs in an expanded pattern work
        ("${s##$P}", {"s": "xxyy", "P": "*x"}, "yy"),
        ("${s#'*'}", {"s": "*ab"}, "*ab"),  # quotes do not make a glob literal
        ('${s#"?"}', {"s": "*ab"}, "ab"),
        ("${s#'#'*a}", {"s": "#a#ab"}, "b"),  # "##" is read from the expanded pattern
        ("${s#$P}", {"s": "#a#ab", "P": "#*a"}, "b"),
        ("${s#*}", {"s": "a\nb"}, "a\nb"),
        ("${s##*}", {"s": "a\nb"}, "\nb"),  # * and ? do not match a newline (Go's .)
        ("${s#?}", {"s": "\nb"}, "\nb"),
        ("${s%?}", {"s": "día🚀"}, "día"),  # ? is one code point
        ("${s#d?}", {"s": "día"}, "a"),
        ("${s#\ufeffa}", {"s": "ab"}, "b"),  # Go's text/scanner drops a leading BOM
    ],
)
def test_patterns(word: str, env: Mapping[str, str], expected: str) -> None:
    assert ok(word, env) == expected


@pytest.mark.parametrize(
    ("word", "env", "expected"),
    [
        ("${s/o/0}", {"s": "foo boo"}, "f0o boo"),
        ("${s//o/0}", {"s": "foo boo"}, "f00 b00"),
        ("${s/x/0}", {"s": "foo"}, "foo"),
        ("${s/o*/!}", {"s": "foo boo"}, "f!"),  # the pattern is always greedy
        ("${s/?o/!}", {"s": "foo"}, "!o"),
        ("${s//?o/!}", {"s": "fooboo"}, "!o!o"),
        ("${s/o/}", {"s": "foo"}, "fo"),
        ("${s//o/}", {"s": "foo"}, "f"),
        ("${s//\\//_}", {"s": "a/b"}, "a_b"),  # \/ in the pattern is a /
        ("${s//a/\\/}", {"s": "aXa"}, "\\/X\\/"),  # escapes stay in the replacement
        ("${s//a/\\}}", {"s": "aXa"}, "\\}X\\}"),
        ("${s/a}/x}", {"s": "a}Xa"}, "xXa"),  # / ends the pattern; } is literal there
        ("${s/$P/$R}", {"s": "http://h", "P": "http://", "R": "https://"}, "https://h"),
        ("${s/$P/.}", {"s": "/a*/*/b", "P": "\\*/"}, "/a.*/b"),
        ("${s//$P/.}", {"s": "/a*/*/b", "P": "\\*/"}, "/a..b"),
        ("${s/'o'/0}", {"s": "foo"}, "f0o"),
        ("${u/x/y}", {}, ""),
        ("${u///y}", {}, "y"),  # an empty pattern matches the empty value
        ("${s/$E/-}", {"s": "ab", "E": ""}, "-ab"),
        ("${s///-}", {"s": "ab"}, "-a-b-"),  # "//" then an empty pattern
        ("${s////-}", {"s": "ab"}, "/-a/-b/-"),
        ("${s///}", {"s": "ab"}, "ab"),
    ],
)
def test_replacement(word: str, env: Mapping[str, str], expected: str) -> None:
    assert ok(word, env) == expected


@pytest.mark.parametrize(
    ("word", "env", "expected"),
    [
        # ${v//p/r} uses Go's Regexp.ReplaceAllString, which expands r as a template ...
        ("${s//b/'<$0>'}", {"s": "abc"}, "a<b>c"),
        ("${s//b/'<${0}>'}", {"s": "abc"}, "a<b>c"),
        ("${s//b/'$$'}", {"s": "abc"}, "a$c"),
        ("${s//b/'$1'}", {"s": "abc"}, "ac"),  # no such group
        ("${s//b/'$x.'}", {"s": "abc"}, "a.c"),
        ("${s//b/'$00'}", {"s": "abc"}, "ac"),
        ("${s//b/'${0'}", {"s": "abc"}, "a${0c"),  # malformed: the $ stays
        ("${s//b/'$-'}", {"s": "abc"}, "a$-c"),
        ("${s//b/'$'}", {"s": "abc"}, "a$c"),
        ("${s//b/\\$0}", {"s": "abc"}, "a\\bc"),
        ("${s//b/$R}", {"s": "abc", "R": "[$0]"}, "a[b]c"),
        # ... while ${v/p/r} splices r in as it is.
        ("${s/b/'<$0>'}", {"s": "abc"}, "a<$0>c"),
        ("${s/b/'$$'}", {"s": "abc"}, "a$$c"),
    ],
)
def test_replace_all_expands_go_templates(word: str, env: Mapping[str, str], expected: str) -> None:
    assert ok(word, env) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("abxd", "-"),
        ("a\nb", "-\n-"),  # Python's re.sub gives "--\n--": Go skips an empty match after a match
        ("", "-"),
        ("\n", "-\n-"),
    ],
)
def test_replace_all_empty_matches_follow_go(value: str, expected: str) -> None:
    assert ok("${s//*/-}", {"s": value}) == expected


# --- quotes and escapes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("'$v'", "$v"),
        ("'a\\b'", "a\\b"),
        ("'a\"b'", 'a"b'),
        ("'${'", "${"),
        ("a'b'c", "abc"),
        ("''", ""),
        ('"$v"', "hello"),
        ('"${v}x"', "hellox"),
        ('"a b"', "a b"),
        ("\"'$v'\"", "'hello'"),
        ('"\\$v"', "$v"),
        ('"\\""', '"'),
        ('"\\\\"', "\\"),
        ('"\\a"', "\\a"),  # only " $ and the escape token are escaped in double quotes
        ('"\\\'"', "\\'"),
        ('"\\`"', "\\`"),
        ('"\\n"', "\\n"),
        ('"a\\\\$v"', "a\\hello"),
        ('""', ""),
        ('a"b"c', "abc"),
        ('"$"', "$"),
        ('"$ "', "$ "),
    ],
)
def test_quotes(word: str, expected: str) -> None:
    assert ok(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("\\$v", "$v"),
        ("\\${v}", "${v}"),
        ("\\a", "a"),
        ("\\\\", "\\"),
        ("\\'", "'"),
        ('\\"', '"'),
        ("\\ ", " "),
        ("a\\", "a"),  # a trailing escape token is dropped
        ("\\", ""),
        ("C:\\\\dir", "C:\\dir"),
        ("$v\\", "hello"),
    ],
)
def test_escapes_outside_quotes(word: str, expected: str) -> None:
    assert ok(word) == expected


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("`$v", "$v"),
        ("``", "`"),
        ("`a", "a"),
        ("a`", "a"),
        ("C:\\dir\\$v", "C:\\dir\\hello"),  # a backslash is an ordinary character
        ('"C:\\dir"', "C:\\dir"),
        ('"`$v"', "$v"),
        ('"`""', '"'),
        ('"``"', "`"),
        ('"`a"', "`a"),
        ('"\\$v"', "\\hello"),
        ("'`'", "`"),
        ("${u:-`}}", "}"),
        ("${s#`\\*}", "x"),  # the escape token stays in a pattern, where only \\ escapes
    ],
)
def test_backtick_escape_token(word: str, expected: str) -> None:
    env = {**ENV, "s": "`*x"}
    assert ok(word, env, escape="`") == expected


def test_escape_token_must_be_backslash_or_backtick() -> None:
    with pytest.raises(ValueError, match="escape token"):
        expand("$v", ENV, escape="^")
    with pytest.raises(ValueError, match="escape token"):
        expand_static("a", {}, escape="")


def test_pattern_escapes_are_kept_through_quotes() -> None:
    # In a pattern word the lexer keeps escape tokens (rawEscapes), in and out of double quotes.
    # In double quotes an escape token that escapes nothing is even written twice: "a\*" -> a\\*
    assert ok('${s#"a\\*"}', {"s": "a\\b*"}) == "b*"
    assert ok('${s#"a\\*"}', {"s": "a*b"}) == "a*b"
    assert err('${s#"a\\$"}', {"s": "a$b"}) == (
        "invalid pattern (a\\$) in substitution: invalid escape '\\$'"
    )
    # Outside a pattern word a nested default drops its escapes: \* becomes a glob star.
    assert ok("${s#${u:-a\\*}}", {"s": "axxb"}) == "xxb"
    assert ok("${s#${u:-a\\\\*}}", {"s": "a*b"}) == "b"


def test_leading_byte_order_mark_is_dropped() -> None:
    assert ok("\ufeffabc") == "abc"
    assert ok("\ufeff$v") == "hello"
    assert ok("a\ufeffb") == "a\ufeffb"
    assert expand_words("\ufeffa b", {}) == ["a", "b"]


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("${", "syntax error: missing '}'"),
        ("a${", "syntax error: missing '}'"),
        ("${}", "syntax error: bad substitution"),
        ("${:-x}", "syntax error: bad substitution"),
        ("${:}", "syntax error: bad substitution"),
        ("${{v}}", "syntax error: bad substitution"),
        ('"${}"', "syntax error: bad substitution"),
        ("${v:-x", "syntax error: missing '}'"),
        ("${v:", "syntax error: missing '}'"),
        ("${v#x", "syntax error: missing '}'"),
        ("${v:-\\}", "syntax error: missing '}'"),
        ("${v:-'x}", "syntax error: missing '}'"),  # the ' error is reported as a missing }
        ("${v:-'x}'", "syntax error: missing '}'"),
        ('${v:-"x}', "syntax error: missing '}'"),
        ("${v:-${u}", "syntax error: missing '}'"),
        ("${v:-${u:?boom}", "syntax error: missing '}'"),  # the inner error ends at the end
        ("${v:-${}}", "syntax error: bad substitution"),
        ("${v/a}", "syntax error: missing '/' in ${}"),
        ("${v/a}/", "syntax error: missing '}'"),
        ("${v//a", "syntax error: missing '/' in ${}"),
        ("${v/a/b", "syntax error: missing '}'"),
        ("${v/'a/b}", "syntax error: missing '/' in ${}"),
        # processDollar reads one character after the name; at the end that is Go's EOF rune.
        ("${v", "unsupported modifier (\ufffd) in substitution"),
        ("${v=x}", "unsupported modifier (=) in substitution"),
        ("${v:=x}", "unsupported modifier (:=) in substitution"),
        ("${u=x}", "unsupported modifier (=) in substitution"),
        ("${v:x}", "unsupported modifier (:x) in substitution"),
        ("${v:}x}", "unsupported modifier (:}) in substitution"),
        ("${v:}", "syntax error: missing '}'"),
        ("${v:#x}", "unsupported modifier (:#) in substitution"),
        ("${v:%x}", "unsupported modifier (:%) in substitution"),
        ("${v:/x/y}", "unsupported modifier (:/) in substitution"),
        ("${v x}", "unsupported modifier ( ) in substitution"),
        ("${v.x}", "unsupported modifier (.) in substitution"),
        ("${#v}", "unsupported modifier (v) in substitution"),  # no ${#v} length
        ("${-x}", "unsupported modifier (x) in substitution"),
        ("${1a}", "unsupported modifier (a) in substitution"),
        ("${v:-${u=x}}", "unsupported modifier (=) in substitution"),
        ("'abc", "unexpected end of statement while looking for matching single-quote"),
        ('"abc', "unexpected end of statement while looking for matching double-quote"),
        ('"abc\\"', "unexpected end of statement while looking for matching double-quote"),
        ('"abc\\', "unexpected end of statement while looking for matching double-quote"),
        ("${v#\\a}", "invalid pattern (\\a) in substitution: invalid escape '\\a'"),
        ("${v##\\a}", "invalid pattern (\\a) in substitution: invalid escape '\\a'"),
        # trimSuffix reverses the pattern before converting it, and reports the reversed one.
        ("${v%ab\\c}", "invalid pattern (\\cba) in substitution: invalid escape '\\c'"),
        ("${v/\\a/b}", "invalid pattern (\\a) in substitution: invalid escape '\\a'"),
        ("${u/\\a/b}", "invalid pattern (\\a) in substitution: invalid escape '\\a'"),
        ("${v#$B}", "invalid pattern (a\\) in substitution: invalid escape '\\\ufffd'"),
        ("${v%$B}", "invalid pattern (\\a) in substitution: invalid escape '\\a'"),
    ],
)
def test_error_messages(word: str, message: str) -> None:
    assert err(word, {**ENV, "B": "a\\"}) == message


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("${u:?}", "u: is not allowed to be unset"),
        ("${u?}", "u: is not allowed to be unset"),
        ("${e:?}", "e: is not allowed to be empty"),
        ("${u:?set it}", "u: set it"),
        ("${e:?set $v}", "e: set hello"),
        ("${u?'a  b'}", "u: a  b"),
        ("x${v:-${u:?inner}}y", "u: inner"),  # an unused word is still expanded
        ('"${u:?q}"', "u: q"),
        ("${u:?${e}}", "u: is not allowed to be unset"),
    ],
)
def test_required_variable_errors(word: str, message: str) -> None:
    assert err(word) == message


def test_errors_are_value_errors() -> None:
    assert issubclass(ExpansionError, ValueError)
    with pytest.raises(ValueError, match="bad substitution"):
        expand("${}", {})


# --- word splitting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("   ", []),
        ("a b  c", ["a", "b", "c"]),
        ("  a\tb\nc  ", ["a", "b", "c"]),
        ("a\\ b", ["a b"]),
        ("'a b' c", ["a b", "c"]),
        ('"a b" c', ["a b", "c"]),
        ('a"b c"d', ["ab cd"]),
        ("$sp", ["a", "b"]),  # expansions are split
        ('"$sp"', ["a  b"]),
        ("x$sp", ["xa", "b"]),
        ("${u:-$sp}", ["a", "b"]),
        ('${u:-"a b"}', ["a", "b"]),  # the quotes of a modifier word do not protect
        ('"${u:-a b}"', ["a b"]),
        ("a${u:-b}c d", ["abc", "d"]),
        ("pre${u:-x y}post", ["prex", "ypost"]),
        ('""', []),  # empty words are dropped
        ("a '' b", ["a", "b"]),
        ("a \"\" ''", ["a"]),
        ("$e $u x", ["x"]),
        ("$", ["$"]),
        ("\\$v $v", ["$v", "hello"]),
        ("a\u00a0b", ["a", "b"]),  # NBSP is unicode.IsSpace
        ("a\u3000b", ["a", "b"]),
        ("a\x1fb", ["a\x1fb"]),  # str.isspace() but not unicode.IsSpace
        ("a\\", ["a"]),
    ],
)
def test_expand_words(text: str, expected: list[str]) -> None:
    assert expand_words(text, ENV) == expected


def test_expand_words_errors() -> None:
    with pytest.raises(ExpansionError, match="missing '}'"):
        expand_words("a ${", {})
    with pytest.raises(ExpansionError, match="x: required"):
        expand_words("a ${x?required}", {})


# --- static expansion ---------------------------------------------------------------------------

SENV: dict[str, str | Unknown] = {"k": "known", "e": "", "U": UNKNOWN, "p": "k*"}


def value(word: str, env: Mapping[str, str | Unknown] = SENV) -> str | None:
    return expand_static(word, env).value


def test_unknown_is_a_singleton() -> None:
    assert Unknown() is UNKNOWN
    assert repr(UNKNOWN) == "<unknown>"
    assert copy.copy(UNKNOWN) is UNKNOWN
    assert copy.deepcopy(UNKNOWN) is UNKNOWN
    assert pickle.loads(pickle.dumps(UNKNOWN)) is UNKNOWN


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("$k", "known"),
        ("plain", "plain"),
        ("$U", None),
        ("${U}", None),
        ("a${U}b", None),
        ('"$U"', None),
        ("'$U'", "$U"),
        ("\\$U", "$U"),
        ("$u", ""),  # not in env: unset, as BuildKit
        # An unknown variable may be unset, empty or anything.
        ("${U:-x}", None),
        ("${U-x}", None),
        ("${U:+x}", None),
        ("${U+x}", None),
        ("${U:?m}", None),
        ("${U?m}", None),
        ("${U#x}", None),
        ("${U%x}", None),
        ("${U/a/b}", None),
        ("${U//a/b}", None),
        # An unknown word only matters when it is used.
        ("${k:-$U}", "known"),
        ("${k-$U}", "known"),
        ("${e-$U}", ""),
        ("${e:-$U}", None),
        ("${u:-$U}", None),
        ("${k:+$U}", None),
        ("${e:+$U}", ""),
        ("${u+$U}", ""),
        ("${e+$U}", None),
        ("${k:?$U}", "known"),
        # An unknown pattern makes the result unknown.
        ("${k#$U}", None),
        ("${k%%$U}", None),
        ("${k/$U/x}", None),
        ("${u#$U}", None),
        # An unknown replacement only matters when the pattern matches.
        ("${k/z/$U}", "known"),
        ("${k//z/$U}", "known"),
        ("${k/n/$U}", None),
        ("${k//n/$U}", None),
        ("${k#$p}", "nown"),
        ("${k##*n}", ""),
        ("${u:-${U:-x}}", None),
        ("${k:-${U:?m}}", "known"),
    ],
)
def test_unknown_propagation(word: str, expected: str | None) -> None:
    assert value(word) == expected


@pytest.mark.parametrize(
    ("word", "message"),
    [
        ("${", "syntax error: missing '}'"),
        ("${U", "unsupported modifier (\ufffd) in substitution"),
        ("${U=x}", "unsupported modifier (=) in substitution"),
        ("${U:-x", "syntax error: missing '}'"),
        ("${U#\\x}", "invalid pattern (\\x) in substitution: invalid escape '\\x'"),
        ("${U/\\x/y}", "invalid pattern (\\x) in substitution: invalid escape '\\x'"),
        ("${u:?m}", "u: m"),  # known to be unset
        ("${e:?m}", "e: m"),  # known to be empty
        ("${u?$k}", "u: known"),
        ("${u?$U}", "u: <unknown>"),  # the error is sure, its message is not
        ("${U:-${u:?m}}", "u: m"),
        ("'", "unexpected end of statement while looking for matching single-quote"),
    ],
)
def test_static_errors(word: str, message: str) -> None:
    with pytest.raises(ExpansionError) as info:
        expand_static(word, SENV)
    assert str(info.value) == message


def test_static_refs_and_unset() -> None:
    result = expand_static("${a:-$b}x${c}$k${a#${d}}", {"k": "K", "a": UNKNOWN})
    assert result == Expansion(
        None,
        (
            VarRef("a", 0, 8, ":-"),
            VarRef("b", 5, 7, None),
            VarRef("c", 9, 13, None),
            VarRef("k", 13, 15, None),
            VarRef("a", 15, 24, "#"),
            VarRef("d", 19, 23, None),
        ),
        ("b", "c", "d"),
    )


@pytest.mark.parametrize(
    ("word", "refs"),
    [
        ("plain", ()),
        ("$", ()),
        ("'$a' \\$b", ()),
        ("$a", (VarRef("a", 0, 2, None),)),
        ("x${a}y", (VarRef("a", 1, 5, None),)),
        ('"$a"', (VarRef("a", 1, 3, None),)),
        ("$1x", (VarRef("1", 0, 2, None),)),
        ("$@", (VarRef("@", 0, 2, None),)),
        ("$$a", (VarRef("$", 0, 2, None),)),
        ("\ufeff$a", (VarRef("a", 1, 3, None),)),  # offsets count the dropped BOM
        ("${a-b}", (VarRef("a", 0, 6, "-"),)),
        ("${a:-b}", (VarRef("a", 0, 7, ":-"),)),
        ("${a+b}", (VarRef("a", 0, 6, "+"),)),
        ("${a:+b}", (VarRef("a", 0, 7, ":+"),)),
        ("${a?b}", (VarRef("a", 0, 6, "?"),)),
        ("${a:?b}", (VarRef("a", 0, 7, ":?"),)),
        ("${a#b}", (VarRef("a", 0, 6, "#"),)),
        ("${a##b}", (VarRef("a", 0, 7, "##"),)),
        ("${a%b}", (VarRef("a", 0, 6, "%"),)),
        ("${a%%b}", (VarRef("a", 0, 7, "%%"),)),
        ("${a/b/c}", (VarRef("a", 0, 8, "/"),)),
        ("${a//b/c}", (VarRef("a", 0, 9, "//"),)),
        ("${a#'#'}", (VarRef("a", 0, 8, "#"),)),  # the modifier as written
        ("${+x}", (VarRef("", 0, 5, "+"),)),  # BuildKit looks up the empty name
        (
            "${a:-${b:-$c}}",
            (VarRef("a", 0, 14, ":-"), VarRef("b", 5, 13, ":-"), VarRef("c", 10, 12, None)),
        ),
        (
            "${a/$b/${c}}",
            (VarRef("a", 0, 12, "/"), VarRef("b", 4, 6, None), VarRef("c", 7, 11, None)),
        ),
    ],
)
def test_references(word: str, refs: tuple[VarRef, ...]) -> None:
    assert references(word) == refs
    assert expand_static(word, dict.fromkeys("abc", UNKNOWN)).refs == refs


def test_references_do_not_evaluate() -> None:
    # Nothing depends on values: required variables, patterns with references.
    assert references("${a:?}${b?}") == (VarRef("a", 0, 6, ":?"), VarRef("b", 6, 11, "?"))
    assert references("${a#$b}") == (VarRef("a", 0, 7, "#"), VarRef("b", 4, 6, None))
    with pytest.raises(ExpansionError, match="bad substitution"):
        references("${}")
    with pytest.raises(ExpansionError, match="invalid escape"):
        references("${a#\\x}")


def test_unset_names_are_unique_and_in_source_order() -> None:
    result = expand_static("$z ${y:-$z} $k $y", {"k": "v"})
    assert result.value == "  v "
    assert result.unset == ("z", "y")
    assert expand_static("$k", {"k": "v"}).unset == ()
    assert expand_static("$U", {"U": UNKNOWN}).unset == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a $k", ["a", "known"]),
        ("a $u", ["a"]),
        ("a $U", None),
        ('"$U"', None),
        ("${k:-$U} b", ["known", "b"]),
        ("'$U'", ["$U"]),
    ],
)
def test_expand_words_static(text: str, expected: list[str] | None) -> None:
    assert expand_words_static(text, SENV) == expected


def test_plain_expand_rejects_unknown_values() -> None:
    env: dict[str, str] = {"U": UNKNOWN}  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="expand_static"):
        expand("$U", env)
    with pytest.raises(TypeError, match="expand_words_static"):
        expand_words("$U", env)


# --- properties ---------------------------------------------------------------------------------

_PIECES = ["$", "{", "}", ":", "-", "+", "?", "=", "#", "%", "/", "*", "'", '"', "\\", "`", " "]
_NAMES = ["a", "b", "c", "1", "@", "ab"]
_words = st.lists(st.one_of(st.sampled_from(_PIECES + _NAMES), st.characters()), max_size=30).map("".join)
_values = st.sampled_from(["", "x", "a b", "*", "ab/ab", "\\", "$0", "a\nb", "é"])


@settings(max_examples=400, deadline=None)
@given(_words, st.dictionaries(st.sampled_from(_NAMES), _values), st.sampled_from(["\\", "`"]))
def test_expand_fails_only_with_expansion_error(word: str, env: dict[str, str], escape: str) -> None:
    for function in (expand, expand_words):
        with contextlib.suppress(ExpansionError):
            function(word, env, escape)


_GO_SPACE = re.compile("[\t\n\v\f\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(exclude_characters="$'\"\\`")), st.sampled_from(["\\", "`"]))
def test_text_without_specials_is_unchanged(word: str, escape: str) -> None:
    if word.startswith("\ufeff"):  # Go's text/scanner drops a leading BOM
        word = word[1:]
    assert expand(word, {}, escape) == word
    assert expand_static(word, {}, escape) == Expansion(word, (), ())
    assert references(word, escape) == ()
    assert expand_words(word, {}, escape) == [w for w in _GO_SPACE.split(word) if w]


@settings(max_examples=400, deadline=None)
@given(
    _words,
    st.dictionaries(st.sampled_from(_NAMES), st.one_of(_values, st.just(UNKNOWN)), max_size=4),
)
def test_static_expansion_agrees_with_every_concrete_value(word: str, env: dict[str, str | Unknown]) -> None:
    """Whatever the unknown values turn out to be (unset included), a known static result is the
    concrete one, and a static error means every concrete expansion fails."""
    unknown = [name for name, v in env.items() if v is UNKNOWN]
    known = {name: v for name, v in env.items() if isinstance(v, str)}
    choices: list[str | None] = [None, "", "a b", "*"]
    result: Expansion | None
    try:
        result = expand_static(word, env)
        words = expand_words_static(word, env)
    except ExpansionError:
        result = None
    else:
        assert references(word) == result.refs
        assert result.unset == tuple(dict.fromkeys(r.name for r in result.refs if r.name not in env))
        assert (words is None) == (result.value is None)
    for combo in itertools.product(choices, repeat=len(unknown)):
        concrete = dict(known)
        concrete.update({n: c for n, c in zip(unknown, combo, strict=True) if c is not None})
        if result is None:
            with pytest.raises(ExpansionError):
                expand(word, concrete)
            continue
        try:
            got = expand(word, concrete)
        except ExpansionError:
            continue  # an unknown may be unset where ${name?} requires it
        if result.value is not None:
            assert got == result.value
            assert expand_words(word, concrete) == words
