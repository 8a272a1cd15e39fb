"""`dfanalyze server` on the command line: the CLI never loads the server's dependencies for its other
commands, says what to install when the lsp extra is missing, and the README's editor snippets are
well-formed and start `dfanalyze server`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )


def test_other_commands_do_not_load_the_server(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM alpine:3.20\n", encoding="utf-8")
    result = _python(
        "import sys\n"
        "from dfanalyze.cli import main\n"
        f"main(['check', '--exit-zero', {str(dockerfile)!r}])\n"
        "main(['--version'])\n"
        "heavy = ('pygls', 'lsprotocol', 'tomlkit', 'cattrs')\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "loaded += sorted(m for m in sys.modules if m.startswith('dfanalyze.server'))\n"
        "print('LOADED', loaded)\n"
    )
    assert "LOADED []" in result.stdout, result.stdout + result.stderr


def test_server_without_the_lsp_extra_says_what_to_install() -> None:
    result = _python(
        "import sys\n"
        "sys.modules['pygls'] = None  # as if pygls were not installed\n"
        "from dfanalyze.cli import main\n"
        "sys.exit(main(['server']))\n"
    )
    assert result.returncode == 2
    assert "pip install 'dfanalyze[lsp]'" in result.stderr
    assert "Traceback" not in result.stderr


def _blocks(language: str) -> list[str]:
    start = README.read_text(encoding="utf-8").index("## Editors")
    section = README.read_text(encoding="utf-8")[start:]
    section = section[: section.index("\n## ", 1)]
    return re.findall(rf"```{language}\n(.*?)```", section, re.DOTALL)


def test_the_readme_snippets_start_dfanalyze_server() -> None:
    [helix] = [tomllib.loads(block) for block in _blocks("toml")]
    assert helix["language-server"]["dfanalyze"] == {"command": "dfanalyze", "args": ["server"]}
    assert "dfanalyze" in helix["language"][0]["language-servers"]
    settings = [
        json.loads(block if block.lstrip().startswith("{") else "{" + block + "}")
        for block in _blocks("json")
    ]
    [zed] = [s for s in settings if "lsp" in s]
    assert zed["lsp"]["docker-language-server"]["binary"] == {"path": "dfanalyze", "arguments": ["server"]}
    lua = _blocks("lua")
    assert len(lua) == 3
    assert all('{ "dfanalyze", "server" }' in block for block in lua)
