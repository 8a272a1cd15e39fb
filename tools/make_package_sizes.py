"""Turn what measure_pip.py and measure_npm.py measured into knowledge/data/package-sizes.json.gz.

    python tools/make_package_sizes.py --raw RAW_DIR [--out PATH]

The measurements the shipped file was made from (2026-12-06) are kept in
``tools/measurements/package-sizes-raw.tar.xz``: ``tar xJf`` it and pass ``--raw raw``.

RAW_DIR holds ``pip-3.11.jsonl`` (the installs on 3.11), ``pip-3.12.jsonl`` and
``pip-3.13.jsonl`` (installs on those versions: the .pyc ratio and a check of the derived sizes),
``pip-wheels.jsonl`` (3.11/3.12/3.13 wheels of the compiled distributions), ``pip-index.jsonl``,
``npm.jsonl`` and ``npm2.jsonl``... (runs over parts of the list; each run with a shared cache
leaves its index as ``npmN.cache.jsonl``), ``npm-others.jsonl`` (yarn and pnpm), and
``machine.json`` (tool versions and date, written when the measurements ran).

The file written is columnar JSON, gzip'd; its header keeps the method, the machine, the
sources of the package lists, and how well the closure computed from the data reproduces each
measured install (``verification``), which this script checks with the same reader dfanalyze
uses (``dfanalyze.knowledge.package_sizes``).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dfanalyze.knowledge.package_sizes import DATA_FORMAT, DATA_PATH, PackageSizes  # noqa: E402

PYTHONS = ("3.11", "3.12", "3.13")
FULL_VERSIONS = {"3.11": "3.11.7", "3.12": "3.12.1", "3.13": "3.13.0"}
COUNTS = ("bytes", "files", "blocks", "tar")
REQUESTED_TAR = 512  # the empty REQUESTED file pip writes for a requested distribution: a tar header


METHOD = {
    "pypi": (
        "Each listed project installed alone (pip install NAME, pip's defaults: byte-compiled, cache on) "
        "into a fresh venv (--without-pip; pip runs from outside it) and a fresh cache folder, from PyPI "
        "(pip --isolated: no local index or constraints); each installed distribution measured from its "
        "RECORD on disk (the RECORDs held every byte each install wrote). 'pyc' is the part pip "
        "byte-compiled: what --no-compile leaves out (checked by installing requests, boto3, numpy and "
        "pandas with --no-compile: the same file counts, bytes within 0.13%, RECORD being shorter). The "
        "byte-code embeds its source path, here a temporary folder about 35 characters longer than "
        "/usr/local/lib/pythonX.Y/site-packages/: the same distribution measured in two installs differs "
        "by up to 0.3%. sdists were built here (mysqlclient after apt-get install "
        "default-libmysqlclient-dev pkg-config, as Dockerfiles do). 3.12 and 3.13: the 3.11 rows (same "
        "versions, though pip installs newer releases of a few projects there: Django 6, numpy 2.5) with, "
        "for a wheel built for CPython 3.11 (kind cp311), its contents replaced by the same version's 3.12 "
        "or 3.13 wheel (pip download --only-binary=:all: --python-version X.Y, manylinux up to glibc 2.36, "
        "unpacked; rows without such a wheel are 'unsized'), sdist builds kept, and the pyc bytes scaled by "
        "pyc_ratio_to_3.11, measured on the pure-Python distributions of real installs on 3.12 and 3.13 "
        "(tools/package_lists/pypi-other-pythons.txt), which also check the result (verification). "
        "Cache: pip's HTTP cache keeps each downloaded archive and project "
        "index page byte for byte (their sizes read from PyPI's simple JSON index, as this machine's "
        "proxy strips the caching headers so pip caches nothing here; the small header file of each "
        "entry is not counted), and the wheel cache keeps wheels built from sdists (measured)."
    ),
    "npm": (
        "Each listed package installed with npm install --ignore-scripts into a fresh folder (a minimal "
        "package.json), alone for the first 35 packages and then in batches of 7 to 15 (one npm install "
        "of several packages: the union of their closures, shared dependencies deduplicated as npm does; "
        "a batch npm refused for conflicting peer dependencies was halved until it installed), npm's "
        "defaults otherwise (hoisted node_modules, peer dependencies installed, optional dependencies of "
        "this platform only). Every package folder measured without its nested node_modules; edges are "
        "the packages npm's lookup (nearest node_modules up the tree) resolves each dependency, optional "
        "and peer dependency to. Flag S: the package has install scripts (with scripts on it may build "
        "or download more; scripts off is what was measured); flag O: a platform-specific package "
        "(os/cpu), chosen for linux x64. Cache: tarballs and packuments as the npm cache's index "
        "records them, 'fetches' the packuments npm also reads for optional packages of other "
        "platforms; 'overhead' is fitted on the installs measured alone with a fresh cache (the batches "
        "shared one cache, read with --prefer-offline). other_managers: a few packages installed with "
        "npm, yarn 1 (npx yarn@1 add) and pnpm 10 (npx pnpm@10 add), scripts off, fresh caches; pnpm's "
        "node_modules hard-links into its store, so node_modules_and_store counts each file once."
    ),
}
SOURCES = {
    "pypi": (
        "The 300 most downloaded projects (30 days) of hugovk/top-pypi-packages (top-pypi-packages.min.json, "
        "commit 5501c5c934df26d6f01fb1ca810845db02111c7d, last_update 2026-04-01), and projects Dockerfiles "
        "install by name beyond those (tools/package_lists/pypi-docker.txt)."
    ),
    "npm": (
        "The 300 packages with the most dependents and the 300 with the most downloads of "
        "wooorm/npm-high-impact (lib/top-dependent.js, lib/top-download.js, commit "
        "1a0b9a22feda7328211672aeddde3e69d9c31e9b of 2025-12-04, data from ecosyste.ms), and packages "
        "Dockerfiles install (tools/package_lists/npm-docker.txt)."
    ),
}
COLUMNS = {
    "bytes": "apparent size of the files",
    "files": "regular files and symlinks",
    "blocks": "size on disk, each file rounded up to 4 KiB",
    "tar": "size as tar entries: 512-byte header per file and folder, data padded to 512 bytes",
    "pyc": "[bytes, files, blocks, tar] of the .pyc files pip compiled",
    "kind": "archive installed: any (pure Python wheel), none (binary, any Python), abi3, cp311.. "
    "(one CPython's binary), sdist (built here)",
    "requires": "dependencies followed on this Python, Linux x86_64, as words name or name[extra,..]",
    "extras": "name -> extra -> the dependencies that extra adds",
    "cache_bytes": "what pip's cache keeps for the row (archive + index page + built wheel)",
    "unsized": "rows with no wheel for this Python version (pip would build them): unknown size",
    "deps": "npm: row numbers of the packages the dependencies resolved to",
    "fetches": "npm: packuments read for declared packages that were not installed (other platforms)",
    "tarball_bytes": "npm: the tarball in the npm cache",
    "packument_bytes": "npm: name -> the packument in the npm cache",
}


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield json.loads(line)


def environment(python: str, extra: str) -> dict[str, str]:
    """The marker environment of CPython ``python`` on Linux x86_64 (the official images)."""
    return {
        "implementation_name": "cpython",
        "implementation_version": FULL_VERSIONS[python],
        "os_name": "posix",
        "platform_machine": "x86_64",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": FULL_VERSIONS[python],
        "platform_python_implementation": "CPython",
        "python_version": python,
        "sys_platform": "linux",
        "extra": extra,
    }


def edges(
    requires: Iterable[str], extras: Iterable[str], python: str
) -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    """Requires-Dist lines -> (the edges always followed, {extra: the edges it adds}); an edge is
    (normalized name, its extras as ``[a,b]`` or "")."""
    base: list[tuple[str, str]] = []
    by_extra: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for line in requires:
        requirement = Requirement(line)
        edge = (normalize(requirement.name), "")
        if requirement.extras:
            edge = (edge[0], "[" + ",".join(sorted(normalize(extra) for extra in requirement.extras)) + "]")
        marker = requirement.marker
        if marker is None or marker.evaluate(environment(python, "")):
            base.append(edge)
            continue
        for extra in extras:
            if marker.evaluate(environment(python, extra)):
                by_extra[normalize(extra)].append(edge)
    return list(dict.fromkeys(base)), {extra: list(dict.fromkeys(words)) for extra, words in by_extra.items()}


def wheel_kind(dist: dict[str, Any]) -> str:
    """``sdist`` (built here), ``any`` (pure Python), ``none`` (a binary for any Python),
    ``abi3`` (one binary for every CPython 3), or the interpreter's ABI (``cp311``)."""
    if dist.get("sdist"):
        return "sdist"
    abis = {tag.split("-")[1] for tag in dist["tags"]}
    platforms = {tag.split("-")[2] for tag in dist["tags"]}
    if abis == {"none"}:
        return "any" if platforms == {"any"} else "none"
    return "abi3" if "abi3" in abis else sorted(abis)[0]


class PypiRows:
    """The distributions measured on 3.11, one row per name and version, each with the install it
    was measured in (whose versions resolve its edges)."""

    def __init__(self, rows: list[dict[str, Any]], index: dict[str, dict[str, Any]]) -> None:
        self.installs = [row for row in rows if row["ok"]]
        chosen: dict[tuple[str, str], tuple[dict[str, Any], int]] = {}
        count: Counter[tuple[str, str]] = Counter()
        root_version: dict[str, str] = {}
        self.built: dict[tuple[str, str], int] = {}
        for number, install in enumerate(self.installs):
            for wheel in install["cache"]["built_wheels"]:
                name, version = wheel["file"].split("-")[:2]
                self.built[(normalize(name), version)] = wheel["bytes"]
            for dist in install["dists"]:
                key = (normalize(dist["name"]), dist["version"])
                count[key] += 1
                if dist.get("requested"):
                    root_version[key[0]] = key[1]
                    chosen[key] = (dist, number)  # its own install resolves its edges
                else:
                    chosen.setdefault(key, (dist, number))
        # per name, the version pip installs for ``pip install name`` first, then the most common
        self.keys = sorted(
            chosen, key=lambda key: (key[0], root_version.get(key[0]) != key[1], -count[key], key[1])
        )
        self.row = {key: number for number, key in enumerate(self.keys)}
        self.preferred: dict[str, int] = {}
        for number, key in enumerate(self.keys):
            self.preferred.setdefault(key[0], number)
        self.dists = [chosen[key][0] for key in self.keys]
        self.source = [chosen[key][1] for key in self.keys]
        self.resolved = [
            {normalize(dist["name"]): dist["version"] for dist in install["dists"]}
            for install in self.installs
        ]
        self.index = index

    def word(self, edge: tuple[str, str], versions: dict[str, str]) -> str:
        """An edge as the data writes it: the row it resolves to (the version installed beside the
        row, else the name's preferred row) with its extras; ``?name`` when nothing was measured."""
        name, extras = edge
        if name in versions and (name, versions[name]) in self.row:
            return f"{self.row[(name, versions[name])]}{extras}"
        if name in self.preferred:
            return f"{self.preferred[name]}{extras}"
        return f"?{name}"

    def table(self, python: str, wheels: dict[str, dict[str, Any]], pyc_ratio: float) -> dict[str, Any]:
        """The columnar table for CPython ``python``: measured on 3.11; for another version, a
        3.11 wheel's contents swapped for that version's wheel and the byte-code scaled."""
        table: dict[str, Any] = {
            key: []
            for key in ("name", "version", *COUNTS, "pyc", "kind", "requires", "cache_bytes", "cache_files")
        }
        table["extras"] = {}
        table["unsized"] = []  # rows without a wheel for this version (pip would build them)
        for number, dist in enumerate(self.dists):
            name, version = self.keys[number]
            counts = [dist[key] for key in COUNTS]
            if dist.get("requested"):  # the reader adds REQUESTED to the distributions asked for
                counts[1] -= 1
                counts[3] -= REQUESTED_TAR
            pyc = [dist["pyc"][key] for key in COUNTS]
            kind = wheel_kind(dist)
            if python != "3.11":
                scaled = round(pyc[0] * pyc_ratio)
                counts[0] += scaled - pyc[0]
                pyc[0] = scaled
                if kind.startswith("cp3"):
                    measured = wheels.get(f"{name}=={version}", {})
                    old, new = measured.get("3.11", {}), measured.get(python, {})
                    if "bytes" in old and "bytes" in new:
                        for position, key in enumerate(COUNTS):
                            counts[position] += new[key] - old[key]
                        kind = new["wheel"].split("-")[-2]
                    else:
                        table["unsized"].append(number)
            table["name"].append(name)
            table["version"].append(version)
            for position, key in enumerate(COUNTS):
                table[key].append(counts[position])
            table["pyc"].append(pyc)
            table["kind"].append(kind)
            versions = self.resolved[self.source[number]]
            base, extras = edges(dist["requires"], dist["provides_extra"], python)
            table["requires"].append(" ".join(self.word(edge, versions) for edge in base))
            if extras:
                table["extras"][str(number)] = {
                    extra: " ".join(self.word(edge, versions) for edge in words)
                    for extra, words in extras.items()
                }
            # what pip's cache keeps: the archive's body and the index page's body (HTTP cache),
            # and a wheel built from an sdist (wheel cache); the HTTP cache's small header files
            # are not counted (not observable here, see measure_pip.py)
            page = self.index.get(name, {})
            archive = page.get("archives", {}).get(dist.get("url", "").rsplit("/", 1)[-1]) or 0
            built = self.built.get((name, version), 0) if dist.get("sdist") else 0
            table["cache_bytes"].append(archive + page.get("page_bytes", 0) + built)
            table["cache_files"].append(2 + (1 if built else 0))
        return table

    def roots(self) -> dict[str, Any]:
        """Each requested spec -> the rows its install measured, and its measured totals."""
        return {
            install["root"]: {
                "rows": sorted(self.row[(normalize(d["name"]), d["version"])] for d in install["dists"]),
                "bytes": install["total"]["bytes"],
                "files": install["total"]["files"],
            }
            for install in self.installs
        }


def npm_tables(
    rows: list[dict[str, Any]], shared_entries: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The npm packages (name@version rows, resolved dependency edges, cache entries), and each
    measured package's closure in the install that measured it (with that install's totals when
    it was installed alone)."""
    tarballs: dict[str, int] = {}
    packuments: dict[str, int] = {}
    entries = [entry for row in rows if row["ok"] and "cache" in row for entry in row["cache"]["entries"]]
    for entry in [*entries, *shared_entries]:
        url = entry["key"].split("request-cache:", 1)[-1]
        if "/-/" in url:
            tarballs[url] = entry["size"]
        elif url.startswith("https://registry.npmjs.org/"):
            name = url.removeprefix("https://registry.npmjs.org/").replace("%2f", "/").replace("%2F", "/")
            packuments[name] = entry["size"]
    installs = [row for row in rows if row["ok"]]
    nodes: dict[str, dict[str, Any]] = {}
    preferred: dict[str, Counter[str]] = defaultdict(Counter)
    root_version: dict[str, str] = {}
    for install in installs:
        by_path = {package["path"]: package for package in install["packages"]}
        requested = {f"node_modules/{name}" for name in install["root"].split()}
        for package in install["packages"]:
            key = f"{package['name']}@{package['version']}"
            if package["path"] in requested:
                root_version[package["name"]] = package["version"]
            if package["path"].count("node_modules/") == 1:
                preferred[package["name"]][package["version"]] += 1
            if key in nodes and package["path"] not in requested:
                continue
            deps = [
                f"{by_path[path]['name']}@{by_path[path]['version']}"
                for path in package["deps"].values()
                if path in by_path
            ]
            nodes[key] = {**package, "dep_keys": deps}
    order = sorted(
        nodes,
        key=lambda key: (
            nodes[key]["name"],
            0 if root_version.get(nodes[key]["name"]) == nodes[key]["version"] else 1,
            -preferred[nodes[key]["name"]][nodes[key]["version"]],
            nodes[key]["version"],
        ),
    )
    row_of = {key: row for row, key in enumerate(order)}
    table: dict[str, Any] = {
        key: [] for key in ("name", "version", *COUNTS, "flags", "deps", "fetches", "tarball_bytes")
    }
    for key in order:
        node = nodes[key]
        table["name"].append(node["name"])
        table["version"].append(node["version"])
        for count in COUNTS:
            table[count].append(node[count])
        table["flags"].append(
            ("S" if node["install_script"] else "") + ("O" if node["os"] or node["cpu"] else "")
        )
        table["deps"].append(" ".join(str(row_of[dep]) for dep in dict.fromkeys(node["dep_keys"])))
        table["fetches"].append(" ".join(name for name in node["missing"] if name in packuments))
        base = node["name"].rsplit("/", 1)[-1]
        table["tarball_bytes"].append(
            tarballs.get(f"https://registry.npmjs.org/{node['name']}/-/{base}-{node['version']}.tgz", 0)
        )
    names = set(table["name"]) | {name for words in table["fetches"] for name in words.split()}
    table["packument_bytes"] = {name: packuments[name] for name in sorted(names) if name in packuments}

    roots: dict[str, Any] = {}
    for install in installs:
        by_path = {package["path"]: package for package in install["packages"]}
        alone = " " not in install["root"]
        for name in install["root"].split():
            if name in roots and not alone:
                continue  # measured alone too: that install counts
            walk, found = [f"node_modules/{name}"], set()
            while walk:
                path = walk.pop()
                if path in found or path not in by_path:
                    continue
                found.add(path)
                walk.extend(by_path[path]["deps"].values())
            rows_found = sorted({row_of[f"{by_path[p]['name']}@{by_path[p]['version']}"] for p in found})
            root: dict[str, Any] = {"rows": rows_found}
            if alone:
                root.update(bytes=install["node_modules"]["bytes"], files=install["node_modules"]["files"])
                if "cache" in install:
                    root["cache_bytes"] = install["cache"]["bytes"]
            roots[name] = root
    return table, roots


def npm_overhead(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """What an install adds beyond its packages' folders, fitted on the measured installs: the
    hidden lockfile and .bin links in node_modules; the cache's index files and debug logs."""
    per_package, extra_files, entry_bytes, logs = [], [], [], []
    for row in rows:
        if not row["ok"] or not row["packages"]:
            continue
        n = len(row["packages"])
        per_package.append((row["node_modules"]["bytes"] - sum(p["bytes"] for p in row["packages"])) / n)
        extra_files.append(row["node_modules"]["files"] - sum(p["files"] for p in row["packages"]))
        cache = row.get("cache")
        if cache:
            bodies = sum(entry["size"] or 0 for entry in cache["entries"])
            entry_bytes.append((cache["bytes"] - cache["logs"] - bodies) / len(cache["entries"]))
            logs.append(cache["logs"])
    return {
        "node_modules_bytes_per_package": round(statistics.median(per_package), 1),
        "node_modules_files_per_install": round(statistics.median(extra_files)),
        "cache_index_bytes_per_entry": round(statistics.median(entry_bytes), 1),
        "cache_log_bytes": round(statistics.median(logs)),
        "fitted_on": {"installs": len(per_package), "fresh_caches": len(entry_bytes)},
    }


def pyc_ratio(measured: PypiRows, rows: list[dict[str, Any]]) -> float:
    """The .pyc bytes another Python writes per .pyc byte of 3.11, over the pure-Python
    distributions installed on both in the same version."""
    mine = other = 0
    for row in rows:
        for dist in row.get("dists", []):
            key = (normalize(dist["name"]), dist["version"])
            if key in measured.row and wheel_kind(dist) == "any":
                mine += measured.dists[measured.row[key]]["pyc"]["bytes"]
                other += dist["pyc"]["bytes"]
    return round(other / mine, 4)


def verify_pypi(sizes: PackageSizes, python: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """How the closure over the data (following edges, not the measured installs) reproduces each
    install measured on ``python``."""
    errors, exact, mismatched = [], 0, []
    for row in rows:
        if not row["ok"]:
            continue
        estimate = sizes.pypi(python).closure([row["root"]], measured=False)
        installed = {f"{normalize(d['name'])}=={d['version']}" for d in row["dists"]}
        if set(estimate.packages) == installed and not estimate.unknown:
            exact += 1
        else:
            mismatched.append(row["root"])
        errors.append(abs(estimate.bytes - row["total"]["bytes"]) / max(row["total"]["bytes"], 1))
    return summary(errors, exact, len(errors), mismatched)


def verify_npm(sizes: PackageSizes, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The closure following the edges (not the measured installs) against each install measured
    alone (and its cache, where the cache was fresh), and against the batches (one ``npm
    install`` of many packages: the union of their closures)."""
    errors, cache_errors, exact, mismatched, batch_errors = [], [], 0, [], []
    for row in rows:
        if not row["ok"]:
            continue
        estimate = sizes.npm.closure(row["root"].split(), measured=False)
        relative = abs(estimate.bytes - row["node_modules"]["bytes"]) / max(row["node_modules"]["bytes"], 1)
        if " " in row["root"]:
            batch_errors.append(relative)
            continue
        measured = {f"{p['name']}@{p['version']}" for p in row["packages"]}
        if set(estimate.packages) == measured:
            exact += 1
        else:
            mismatched.append(row["root"])
        errors.append(relative)
        if "cache" in row:
            cache_errors.append(abs(estimate.cache_bytes - row["cache"]["bytes"]) / row["cache"]["bytes"])
    result = summary(errors, exact, len(errors), mismatched)
    result["cache_relative_error"] = quantiles(cache_errors)
    result["batches_relative_error_bytes"] = quantiles(batch_errors)
    return result


def quantiles(errors: list[float]) -> dict[str, Any]:
    ordered = sorted(errors) or [0.0]
    return {
        "installs": len(errors),
        "median": round(statistics.median(ordered), 4),
        "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 4),
        "max": round(ordered[-1], 4),
    }


def summary(errors: list[float], exact: int, total: int, mismatched: list[str]) -> dict[str, Any]:
    return {
        "installs": total,
        "same_packages": exact,
        "relative_error_bytes": quantiles(errors),
        "other_packages": sorted(mismatched)[:40],
    }


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--raw", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=DATA_PATH)
    args = parser.parse_args(list(argv) if argv is not None else None)
    raw: Path = args.raw
    machine = json.loads((raw / "machine.json").read_text(encoding="utf-8"))
    index = {row["name"]: row for row in read_jsonl(raw / "pip-index.jsonl")}

    pip_rows = {python: list(read_jsonl(raw / f"pip-{python}.jsonl")) for python in PYTHONS}
    measured = PypiRows(pip_rows["3.11"], index)
    wheels = {row["spec"]: row for row in read_jsonl(raw / "pip-wheels.jsonl")}
    tables = {"3.11": measured.table("3.11", wheels, 1.0)}
    pyc_ratios: dict[str, float] = {}
    for python in PYTHONS[1:]:
        if pip_rows[python]:  # installs on that version: the .pyc ratio, and a check of the estimate
            pyc_ratios[python] = pyc_ratio(measured, pip_rows[python])
            derived = measured.table(python, wheels, pyc_ratios[python])
            # same rows as 3.11's table: keep only the columns that differ (the reader merges)
            tables[python] = {key: value for key, value in derived.items() if value != tables["3.11"][key]}

    # npm.jsonl, and npm2.jsonl... of runs over other parts of the list (each with its .cache.jsonl)
    parts = sorted(path for path in raw.glob("npm*.jsonl") if re.fullmatch(r"npm\d*\.jsonl", path.name))
    npm_rows = [row for path in parts for row in read_jsonl(path)]
    cache_entries = [entry for path in parts for entry in read_jsonl(path.with_suffix(".cache.jsonl"))]
    npm_table, npm_roots = npm_tables(npm_rows, cache_entries)

    data: dict[str, Any] = {
        "format": DATA_FORMAT,
        "measured": machine["date"],
        "machine": machine,
        "method": METHOD,
        "sources": SOURCES,
        "columns": COLUMNS,
        "pypi": {
            "pythons": tables,
            "pyc_ratio_to_3.11": pyc_ratios,
            "roots_python": "3.11",
            "roots": measured.roots(),
            "failed": {
                python: sorted(row["root"] for row in rows if not row["ok"])
                for python, rows in pip_rows.items()
                if rows
            },
        },
        "npm": {
            "overhead": npm_overhead(npm_rows),
            "packages": npm_table,
            "roots": npm_roots,
            "failed": sorted(row["root"] for row in npm_rows if not row["ok"] and " " not in row["root"]),
        },
        "other_managers": list(read_jsonl(raw / "npm-others.jsonl")),
    }
    sizes = PackageSizes(data)
    data["verification"] = {
        "pypi": {python: verify_pypi(sizes, python, rows) for python, rows in pip_rows.items() if rows},
        "npm": verify_npm(sizes, npm_rows),
    }
    encoded = json.dumps(data, separators=(",", ":"), sort_keys=False).encode("utf-8")
    args.out.write_bytes(gzip.compress(encoded, compresslevel=9, mtime=0))
    print(f"{args.out}: {len(encoded)} bytes of JSON, {args.out.stat().st_size} gzip'd")
    print(json.dumps(data["verification"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
