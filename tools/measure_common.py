"""What the package measurements share: walking folders, file sizes as a layer stores them, running
tasks in parallel with results appended to a JSON-lines file (so that a run can be resumed), and
polite HTTP reads from the registries."""

from __future__ import annotations

import json
import os
import ssl
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
BLOCK = 4096


def file_stats(size: int) -> tuple[int, int]:
    """(4 KiB blocks in bytes, tar bytes: a 512-byte header plus the data padded to 512)."""
    blocks = -(-size // BLOCK) * BLOCK
    return blocks, 512 + -(-size // 512) * 512


def walk(root: Path) -> dict[str, int]:
    """Every regular file and symlink under ``root`` -> its size (symlinks count 0 bytes)."""
    found: dict[str, int] = {}
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = Path(folder, name)
            found[str(path.relative_to(root))] = 0 if path.is_symlink() else path.lstat().st_size
    return found


def done_roots(out: Path, key: str = "root") -> set[str]:
    if not out.exists():
        return set()
    with out.open(encoding="utf-8") as stream:
        return {json.loads(line)[key] for line in stream if line.strip()}


def run_parallel(
    names: list[str], jobs: int, out: Path, task: Callable[[str], dict[str, Any] | list[dict[str, Any]]]
) -> None:
    """Run ``task(name)`` for each name on ``jobs`` threads, appending its result (or results)
    to ``out`` as JSON lines."""
    lock = threading.Lock()
    count = [0]

    def one(name: str) -> None:
        result = task(name)
        results = result if isinstance(result, list) else [result]
        with lock:
            count[0] += 1
            with out.open("a", encoding="utf-8") as stream:
                for row in results:
                    stream.write(json.dumps(row, separators=(",", ":")) + "\n")
            status = " ".join("ok" if row.get("ok", True) else "FAILED" for row in results)
            seconds = sum(row.get("seconds", 0) for row in results)
            print(f"[{count[0]}/{len(names)}] {name[:80]} {status} {seconds:.1f}", flush=True)

    with ThreadPoolExecutor(jobs) as pool:
        list(pool.map(one, names))


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8") as stream:
        for line in stream:
            if line.strip():
                yield json.loads(line)


def fetch(url: str, accept: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "dfanalyze-measure"})
    context = ssl.create_default_context(cafile=CA_BUNDLE)
    for attempt in range(4):
        try:
            with urllib.request.urlopen(request, timeout=60, context=context) as response:
                data: bytes = response.read()
                return data
        except OSError:
            if attempt == 3:
                raise
            time.sleep(2 + 4 * attempt)
    raise AssertionError("unreachable")


def read_names(path: Path) -> list[str]:
    names = []
    for line in path.read_text(encoding="utf-8").splitlines():
        name = line.split("#", 1)[0].strip()
        if name:
            names.append(name)
    return list(dict.fromkeys(names))


def describe_machine(pythons: dict[str, str], pip_dir: Path | None) -> dict[str, Any]:
    """The date, platform and tool versions of a measurement run (kept in the data's header)."""
    import datetime
    import platform
    import subprocess

    def output(*command: str) -> str:
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()

    versions = {  # a value that is already a version was read by an earlier run
        python: interpreter
        if interpreter[:1].isdigit()
        else output(interpreter, "-c", "import platform; print(platform.python_version())")
        for python, interpreter in pythons.items()
    }
    pip_version = None
    if pip_dir is not None:
        text = (pip_dir / "pip" / "__init__.py").read_text(encoding="utf-8")
        pip_version = text.split('__version__ = "', 1)[1].split('"', 1)[0]
    return {
        "date": datetime.datetime.now(datetime.UTC).date().isoformat(),
        "platform": f"{platform.system()} {platform.machine()}",
        "libc": " ".join(platform.libc_ver()),
        "os": output("sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"),
        "python": versions,
        "pip": pip_version,
        "node": output("node", "--version").lstrip("v"),
        "npm": output("npm", "--version"),
    }
