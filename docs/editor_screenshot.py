"""Make docs/editor-screenshot.svg and .png: Neovim driven by ``dfanalyze server``, for the README.

    .venv/bin/python docs/editor_screenshot.py

A real editor and the real server: Neovim from Debian's package (``apt-get install neovim tmux
librsvg2-bin``; bookworm ships Neovim 0.7.2) runs in a tmux pane, configured with the README's
Neovim snippet (read from the README, between the ``neovim-snippet`` markers) and a few lines of
looks (diagnostics listed in the location list, their codes at the end of their lines, the hover
drawn to the right of the lines instead of over them). The workspace is a temporary git
repository holding ``docs/editor-screenshot.Dockerfile``. The script waits for the server's
diagnostics and inlay hints, opens the hover of the second FROM image, then records the pane with
its colours (``tmux capture-pane -e``), which rich turns into SVG and ``rsvg-convert`` into PNG.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.text import Text

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
COLUMNS, ROWS = 150, 36
SESSION = "dfanalyze-screenshot"
LOOKS = """
-- The screenshot's looks (not part of the set-up):
vim.opt.termguicolors = false
vim.opt.number = true
vim.opt.signcolumn = "yes"
vim.diagnostic.config({ virtual_text = { format = function(d) return d.code end }, severity_sort = true })
vim.cmd("highlight NormalFloat ctermbg=236 ctermfg=252")
vim.cmd("highlight FloatBorder ctermbg=236 ctermfg=244")
vim.lsp.handlers["textDocument/hover"] =
  vim.lsp.with(vim.lsp.handlers.hover, { border = "rounded", max_width = 72, offset_x = 62, offset_y = 1 })
"""


def snippet() -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- neovim-snippet -->\s*```lua\n(.*?)```", text, re.DOTALL)
    if found is None:
        raise SystemExit("README.md has no <!-- neovim-snippet --> lua block")
    return found.group(1)


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], check=True, capture_output=True, text=True).stdout


def wait_for(pattern: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        screen = tmux("capture-pane", "-p", "-t", SESSION)
        if re.search(pattern, screen):
            return screen
        time.sleep(0.3)
    raise SystemExit(f"timed out waiting for {pattern!r} on the screen:\n{screen}")


def keys(*typed: str, pause: float = 0.6) -> None:
    for item in typed:
        tmux("send-keys", "-t", SESSION, item, "Enter" if item.startswith(":") else "")
        time.sleep(pause)


def capture(workspace: Path) -> str:
    bin_dir = str(Path(sys.executable).parent)
    init = workspace / "init.lua"
    init.write_text(snippet() + LOOKS, encoding="utf-8")
    environment = f"PATH={bin_dir}:{os.environ['PATH']} TERM=tmux-256color"
    command = f"cd {workspace} && env {environment} nvim -u {init} Dockerfile"
    tmux("new-session", "-d", "-s", SESSION, "-x", str(COLUMNS), "-y", str(ROWS), command)
    try:
        wait_for(r"DF200")  # the diagnostics arrived
        wait_for(r"image ~?\d")  # and the inlay hints (~: an estimate)
        keys(":lua vim.diagnostic.setloclist({ open = true })", ":wincmd k", ":9", "0", "7l")
        keys(":lua vim.lsp.buf.hover()", pause=2.5)
        return tmux("capture-pane", "-e", "-p", "-t", SESSION)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", SESSION], check=False)


def write_pictures(screen: str) -> None:
    console = Console(record=True, width=COLUMNS, file=io.StringIO(), force_terminal=True, color_system="256")
    console.print(Text.from_ansi(screen.rstrip("\n")), end="")
    svg = HERE / "editor-screenshot.svg"
    picture = console.export_svg(title="nvim Dockerfile (dfanalyze server)").replace("&#160;", " ")
    svg.write_text(picture.replace("<svg ", '<svg xml:space="preserve" ', 1), encoding="utf-8")
    png = HERE / "editor-screenshot.png"
    subprocess.run(["rsvg-convert", "--zoom=1.25", "-o", str(png), str(svg)], check=True)


def main() -> None:
    for program in ("nvim", "tmux", "rsvg-convert"):
        if shutil.which(program) is None:
            raise SystemExit(f"{program} is missing: apt-get install neovim tmux librsvg2-bin")
    with tempfile.TemporaryDirectory() as folder:
        workspace = Path(folder)
        (workspace / ".git").mkdir()
        shutil.copy(HERE / "editor-screenshot.Dockerfile", workspace / "Dockerfile")
        (workspace / "requirements.txt").write_text("flask==3.1.0\n", encoding="utf-8")
        (workspace / ".dfanalyze.toml").write_text('[rules.DF103]\ntoday = "2026-11-27"\n', encoding="utf-8")
        write_pictures(capture(workspace))


if __name__ == "__main__":
    main()
