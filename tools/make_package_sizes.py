"""Turn what measure_pip.py and measure_npm.py measured into knowledge/data/package-sizes.json.gz.

    python tools/make_package_sizes.py --raw RAW_DIR [--out PATH]

RAW_DIR holds ``pip-3.11.jsonl`` (and ``pip-3.12.jsonl``, ``pip-3.13.jsonl`` when measured),
``pip-index.jsonl``, ``npm.jsonl`` (with ``npm.cache.jsonl`` when the npm run used a shared
cache), ``npm-others.jsonl``, and ``machine.json`` (tool versions and date, written when the
measurements ran). The file written is columnar JSON, gzip'd; its header keeps the method, the
machine, the sources of the package lists, and how well the closure computed from the data
reproduces each measured install (``verification``), which this script checks with the same
reader dfanalyze uses (``dfanalyze.knowledge.package_sizes``).
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


def edges(requires: Iterable[str], extras: Iterable[str], python: str) -> tuple[str, dict[str, str]]:
    """Requires-Dist lines -> (the edges always followed, {extra: the edges it adds}), as words
    ``name`` or ``name[extra,...]`` separated by spaces."""
    base: list[str] = []
    by_extra: dict[str, list[str]] = defaultdict(list)
    for line in requires:
        requirement = Requirement(line)
        word = normalize(requirement.name)
        if requirement.extras:
            word += "[" + ",".join(sorted(normalize(extra) for extra in requirement.extras)) + "]"
        marker = requirement.marker
        if marker is None or marker.evaluate(environment(python, "")):
            base.append(word)
            continue
        for extra in extras:
            if marker.evaluate(environment(python, extra)):
                by_extra[normalize(extra)].append(word)
    return " ".join(dict.fromkeys(base)), {
        extra: " ".join(dict.fromkeys(words)) for extra, words in by_extra.items()
    }


def pick(candidates: list[dict[str, Any]]) -> dict[str, Any]:
    """One measurement per distribution name: the one from installing it as requested (pip's
    choice for ``pip install name``), else the version most closures installed."""
    for candidate in candidates:
        if candidate.get("requested"):
            return candidate
    versions = Counter(candidate["version"] for candidate in candidates)
    best = versions.most_common(1)[0][0]
    return next(candidate for candidate in candidates if candidate["version"] == best)


def pypi_table(
    rows: list[dict[str, Any]],
    python: str,
    index: dict[str, dict[str, Any]],
    fallback: dict[str, Any] | None,
    pyc_ratio: float,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The columnar table of one Python version, and its roots (requested spec -> measured total)."""
    seen: dict[str, list[dict[str, Any]]] = defaultdict(list)
    built: dict[str, int] = {}
    roots: dict[str, dict[str, int]] = {}
    for row in rows:
        if not row["ok"]:
            continue
        roots[row["root"]] = {"bytes": row["total"]["bytes"], "files": row["total"]["files"]}
        for wheel in row["cache"]["built_wheels"]:
            built[wheel["file"].split("-")[0].lower()] = wheel["bytes"]
        for dist in row["dists"]:
            seen[normalize(dist["name"])].append(dist)
    table: dict[str, Any] = {
        key: []
        for key in ("name", "version", *COUNTS, "pyc", "kind", "requires", "cache_bytes", "cache_files")
    }
    table["extras"] = {}
    table["derived"] = []  # rows not measured on this version: taken from 3.11 (pure Python)
    measured_names = sorted(seen)
    for name in measured_names:
        dist = pick(seen[name])
        requested = bool(dist.get("requested"))
        counts = {key: dist[key] for key in COUNTS}
        if requested:  # the closure adds REQUESTED to what was asked for, not to every dist
            counts["files"] -= 1
            counts["tar"] -= REQUESTED_TAR
        add_row(table, name, dist, counts, python, index, built)
    if fallback is not None:
        for row_index, name in enumerate(fallback["name"]):
            if name in seen or fallback["kind"][row_index] not in ("any", "none"):
                continue
            pyc = fallback["pyc"][row_index]
            scaled = [round(pyc[0] * pyc_ratio), pyc[1], pyc[2], pyc[3]]  # blocks, tar: as on 3.11
            table["name"].append(name)
            table["version"].append(fallback["version"][row_index])
            table["bytes"].append(fallback["bytes"][row_index] - pyc[0] + scaled[0])
            for key in ("files", "blocks", "tar"):
                table[key].append(fallback[key][row_index])
            table["pyc"].append(scaled)
            table["kind"].append(fallback["kind"][row_index])
            base, extras = edges(
                fallback["requires_lines"][row_index], fallback["provides_extra"][row_index], python
            )
            table["requires"].append(base)
            table["cache_bytes"].append(fallback["cache_bytes"][row_index])
            table["cache_files"].append(fallback["cache_files"][row_index])
            table["derived"].append(len(table["name"]) - 1)
            if extras:
                table["extras"][name] = extras
    return table, roots


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


def add_row(
    table: dict[str, Any],
    name: str,
    dist: dict[str, Any],
    counts: dict[str, int],
    python: str,
    index: dict[str, dict[str, Any]],
    built: dict[str, int],
) -> None:
    table["name"].append(name)
    table["version"].append(dist["version"])
    for key in COUNTS:
        table[key].append(counts[key])
    pyc = dist["pyc"]
    table["pyc"].append([pyc["bytes"], pyc["files"], pyc["blocks"], pyc["tar"]])
    table["kind"].append(wheel_kind(dist))
    base, extras = edges(dist["requires"], dist["provides_extra"], python)
    table["requires"].append(base)
    if extras:
        table["extras"][name] = extras
    # what pip's cache keeps: the archive's body and the index page's body (HTTP cache), and a
    # wheel built from an sdist (wheel cache); the HTTP cache's small header files are not
    # counted (not observable here, see measure_pip.py)
    page = index.get(name, {})
    archive = page.get("archives", {}).get(dist.get("url", "").rsplit("/", 1)[-1]) or 0
    wheel = built.get(f"{name.replace('-', '_')}", 0) if dist.get("sdist") else 0
    table["cache_bytes"].append(archive + page.get("page_bytes", 0) + wheel)
    table["cache_files"].append(2 + (1 if wheel else 0))
    table.setdefault("requires_lines", []).append(dist["requires"])
    table.setdefault("provides_extra", []).append(dist["provides_extra"])


def npm_tables(rows: list[dict[str, Any]], shared_entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The npm packages (name@version rows, resolved dependency edges), their cache entries and
    the per-install overheads fitted on the measured installs."""
    tarballs: dict[str, int] = {}
    packuments: dict[str, int] = {}
    entries = [entry for row in rows if row["ok"] and "cache" in row for entry in row["cache"]["entries"]]
    for entry in [*entries, *shared_entries]:
        url = entry["key"].split("request-cache:", 1)[-1]
        if "/-/" in url:
            tarballs[url] = entry["size"]
        elif url.startswith("https://registry.npmjs.org/"):
            packuments[
                url.removeprefix("https://registry.npmjs.org/").replace("%2f", "/").replace("%2F", "/")
            ] = entry["size"]
    nodes: dict[str, dict[str, Any]] = {}
    preferred: dict[str, Counter[str]] = defaultdict(Counter)
    root_version: dict[str, str] = {}
    for row in rows:
        if not row["ok"]:
            continue
        by_path = {package["path"]: package for package in row["packages"]}
        for package in row["packages"]:
            key = f"{package['name']}@{package['version']}"
            if package["path"] == f"node_modules/{row['root']}":
                root_version[package["name"]] = package["version"]
            if package["path"].count("node_modules/") == 1:
                preferred[package["name"]][package["version"]] += 1
            if key in nodes and package["path"] != f"node_modules/{row['root']}":
                continue
            deps = []
            for path in package["deps"].values():
                target = by_path.get(path)
                if target is not None:
                    deps.append(f"{target['name']}@{target['version']}")
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
    return table


def npm_overhead(rows: list[dict[str, Any]], table: dict[str, Any]) -> dict[str, Any]:
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


def verify_pypi(
    sizes: PackageSizes, python: str, roots: dict[str, dict[str, int]], rows: list[dict[str, Any]]
) -> dict[str, Any]:
    """How the closure over the data reproduces each measured install."""
    errors, exact, mismatched = [], 0, []
    installed = {row["root"]: {normalize(d["name"]) for d in row["dists"]} for row in rows if row["ok"]}
    for root, measured in roots.items():
        estimate = sizes.pypi(python).closure([root])
        names = {package.split("==")[0] for package in estimate.packages}
        if names == installed[root] and not estimate.unknown:
            exact += 1
        else:
            mismatched.append(root)
        errors.append(abs(estimate.bytes - measured["bytes"]) / max(measured["bytes"], 1))
    return summary(errors, exact, len(roots), mismatched)


def verify_npm(sizes: PackageSizes, rows: list[dict[str, Any]]) -> dict[str, Any]:
    errors, cache_errors, exact, mismatched = [], [], 0, []
    for row in rows:
        if not row["ok"]:
            continue
        estimate = sizes.npm.closure([row["root"]])
        measured = {f"{p['name']}@{p['version']}" for p in row["packages"]}
        if set(estimate.packages) == measured:
            exact += 1
        else:
            mismatched.append(row["root"])
        errors.append(
            abs(estimate.bytes - row["node_modules"]["bytes"]) / max(row["node_modules"]["bytes"], 1)
        )
        if "cache" in row:
            cache_errors.append(abs(estimate.cache_bytes - row["cache"]["bytes"]) / row["cache"]["bytes"])
    result = summary(errors, exact, len(errors), mismatched)
    result["cache_relative_error"] = {
        "installs": len(cache_errors),
        "median": round(statistics.median(cache_errors), 4),
        "p90": round(sorted(cache_errors)[int(0.9 * (len(cache_errors) - 1))], 4),
    }
    return result


def summary(errors: list[float], exact: int, total: int, mismatched: list[str]) -> dict[str, Any]:
    ordered = sorted(errors)
    return {
        "installs": total,
        "same_packages": exact,
        "relative_error_bytes": {
            "median": round(statistics.median(ordered), 4),
            "p90": round(ordered[int(0.9 * (len(ordered) - 1))], 4),
            "max": round(ordered[-1], 4),
        },
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

    pythons: dict[str, Any] = {}
    pypi_roots: dict[str, Any] = {}
    pip_rows = {python: list(read_jsonl(raw / f"pip-{python}.jsonl")) for python in PYTHONS}
    base, base_roots = pypi_table(pip_rows["3.11"], "3.11", index, None, 1.0)
    pyc_ratios: dict[str, float] = {}
    for python in PYTHONS[1:]:
        if not pip_rows[python]:
            continue
        own, _ = pypi_table(pip_rows[python], python, index, None, 1.0)
        # .pyc files differ between versions: scale 3.11's for the pure-Python rows not measured
        pairs = [
            (own["pyc"][own["name"].index(name)][0], base["pyc"][row][0])
            for row, name in enumerate(base["name"])
            if name in own["name"]
            and base["kind"][row] == "any"
            and own["version"][own["name"].index(name)] == base["version"][row]
            and base["pyc"][row][0]
        ]
        pyc_ratios[python] = round(sum(a for a, _ in pairs) / sum(b for _, b in pairs), 4)
        pythons[python], pypi_roots[python] = pypi_table(
            pip_rows[python], python, index, base, pyc_ratios[python]
        )
    pythons["3.11"], pypi_roots["3.11"] = base, base_roots
    for table in pythons.values():
        table.pop("requires_lines", None)
        table.pop("provides_extra", None)

    npm_rows = list(read_jsonl(raw / "npm.jsonl"))
    npm_table = npm_tables(npm_rows, list(read_jsonl(raw / "npm.cache.jsonl")))
    npm_meta = {"overhead": npm_overhead(npm_rows, npm_table)}
    npm_table_out = dict(npm_table.items())

    data: dict[str, Any] = {
        "format": DATA_FORMAT,
        **machine["header"],
        "pypi": {
            "pythons": {python: pythons[python] for python in PYTHONS if python in pythons},
            "pyc_ratio_to_3.11": pyc_ratios,
            "roots": pypi_roots,
        },
        "npm": {
            **npm_meta,
            "packages": npm_table_out,
            "roots": {
                row["root"]: {
                    "bytes": row["node_modules"]["bytes"],
                    "files": row["node_modules"]["files"],
                    **({"cache_bytes": row["cache"]["bytes"]} if "cache" in row else {}),
                }
                for row in npm_rows
                if row["ok"]
            },
            "failed": sorted(row["root"] for row in npm_rows if not row["ok"]),
        },
        "other_managers": list(read_jsonl(raw / "npm-others.jsonl")),
    }
    data["pypi"]["failed"] = {
        python: sorted(row["root"] for row in rows if not row["ok"])
        for python, rows in pip_rows.items()
        if rows
    }
    sizes = PackageSizes(data)
    data["verification"] = {
        "pypi": {
            python: verify_pypi(sizes, python, pypi_roots[python], pip_rows[python]) for python in pythons
        },
        "npm": verify_npm(sizes, npm_rows),
    }
    encoded = json.dumps(data, separators=(",", ":"), sort_keys=False).encode("utf-8")
    args.out.write_bytes(gzip.compress(encoded, compresslevel=9, mtime=0))
    print(f"{args.out}: {len(encoded)} bytes of JSON, {args.out.stat().st_size} gzip'd")
    print(json.dumps(data["verification"], indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
