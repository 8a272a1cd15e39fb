"""Hand labels of dfanalyze findings on the real-world set, and how they are matched to findings.

``labels.toml`` holds one ``[[label]]`` per judged finding::

    [[label]]
    blob = "3f1c..."         # the file's git blob id (manifest.toml): the exact text judged
    rule = "DF513"           # the rule's code
    line = 12                # the line the finding starts on
    word = "ca-certificates" # the first word under the finding (see below)
    verdict = "noise"        # actionable | noise | wrong
    reason = "one line: why"
    file = "docker-library/python:3.13/slim-bookworm/Dockerfile"  # for people; not part of the key

Verdicts, as an experienced Docker user judges the finding on that file:

- ``actionable``: correct, and worth changing the Dockerfile for;
- ``noise``: correct but not worth acting on: a matter of taste, negligible, or by design there;
- ``wrong``: factually incorrect (the rule misread the file or the tools).

The key is (blob, rule, line, word). A blob id names the file's content, so a label never moves to
another version of a file. ``word`` (the first whitespace-separated word at the finding's start,
at most 40 characters) only tells apart several findings of one rule on one line: a label whose
word no longer matches still matches the one finding of its rule on its line. So a label survives
unrelated changes (messages, spans growing or shrinking, other rules), and when a rule that
reported one finding per item (one per package of an install) comes to report one finding per
instruction at the first item's line, the label of the first item keeps matching that finding,
and the labels of the other items are reported as no longer occurring.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from realworld.lint import Hit

LABELS = Path(__file__).resolve().parent / "labels.toml"
VERDICTS = ("actionable", "noise", "wrong")


@dataclass(frozen=True)
class Label:
    blob: str
    rule: str
    line: int
    word: str
    verdict: str
    reason: str
    file: str = ""

    @property
    def place(self) -> tuple[str, str, int]:
        return self.blob, self.rule, self.line


class LabelError(ValueError):
    """A malformed labels file: the message names the label."""


def load(path: Path = LABELS) -> list[Label]:
    if not path.is_file():
        return []
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    labels = []
    seen: set[tuple[str, str, int, str]] = set()
    for i, raw in enumerate(data.get("label", []), 1):
        where = f"{path.name}: label {i}"
        missing = [k for k in ("blob", "rule", "line", "verdict", "reason") if k not in raw]
        if missing:
            raise LabelError(f"{where}: missing {', '.join(missing)}")
        if raw["verdict"] not in VERDICTS:
            raise LabelError(f"{where}: verdict {raw['verdict']!r} is not one of {', '.join(VERDICTS)}")
        if not str(raw["reason"]).strip():
            raise LabelError(f"{where}: the reason is empty")
        label = Label(
            raw["blob"],
            raw["rule"],
            int(raw["line"]),
            raw.get("word", ""),
            raw["verdict"],
            raw["reason"],
            raw.get("file", ""),
        )
        key = (*label.place, label.word)
        if key in seen:
            raise LabelError(
                f"{where}: a second label for {label.rule} at line {label.line} "
                f"({label.word!r}) of {label.blob}"
            )
        seen.add(key)
        labels.append(label)
    return labels


@dataclass
class Matching:
    matched: list[tuple[Label, Hit]]
    stale: list[Label]  # labelled findings that no longer occur
    unlabelled: list[Hit]  # current findings without a label


def match(labels: Sequence[Label], hits: Iterable[Hit]) -> Matching:
    """Pair labels with current findings: same blob, rule and line; by word when several share
    that place, and a lone label with a lone finding there whatever their words."""
    by_place: dict[tuple[str, str, int], list[Hit]] = {}
    for h in hits:
        by_place.setdefault((h.blob, h.code, h.line), []).append(h)
    labels_at: dict[tuple[str, str, int], list[Label]] = {}
    for label in labels:
        labels_at.setdefault(label.place, []).append(label)
    matched: list[tuple[Label, Hit]] = []
    stale: list[Label] = []
    unlabelled: list[Hit] = []
    for place in sorted(set(by_place) | set(labels_at)):
        found = list(by_place.get(place, []))
        waiting = []
        for label in labels_at.get(place, []):
            same = next((h for h in found if h.word == label.word), None)
            if same is None:
                waiting.append(label)
            else:
                found.remove(same)
                matched.append((label, same))
        if len(waiting) == 1 and len(found) == 1:
            matched.append((waiting.pop(), found.pop()))
        stale += waiting
        unlabelled += found
    return Matching(matched, stale, unlabelled)


@dataclass(frozen=True)
class Precision:
    actionable: int = 0
    noise: int = 0
    wrong: int = 0

    @property
    def labelled(self) -> int:
        return self.actionable + self.noise + self.wrong

    @property
    def value(self) -> float | None:
        """The share of labelled findings worth acting on, or None without labels."""
        return self.actionable / self.labelled if self.labelled else None


def precision_by_rule(matched: Iterable[tuple[Label, Hit]]) -> dict[str, Precision]:
    counts: dict[str, dict[str, int]] = {}
    for label, hit in matched:
        row = counts.setdefault(hit.code, dict.fromkeys(VERDICTS, 0))
        row[label.verdict] += 1
    return {code: Precision(**row) for code, row in counts.items()}


def overall(by_rule: Mapping[str, Precision], findings: Mapping[str, int]) -> tuple[Precision, float | None]:
    """The labelled precision of the given rules (every label counts once), and the estimate for
    their findings as a user meets them: each rule's precision weighted by its number of findings
    (``findings``: rule -> count), over the rules that have labels."""
    total = Precision(*(sum(getattr(p, v) for p in by_rule.values()) for v in VERDICTS))
    weights = {code: findings.get(code, 0) for code, p in by_rule.items() if p.labelled}
    weight = sum(weights.values())
    if not weight:
        return total, None
    estimate = sum(weights[c] * (by_rule[c].value or 0.0) for c in weights) / weight
    return total, estimate
