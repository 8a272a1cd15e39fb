"""Built-in checks are resolved lazily, and every one of them resolves."""

from __future__ import annotations

import subprocess
import sys

from dfanalyze.engine.registry import build_registry


def test_every_builtin_check_resolves() -> None:
    registry = build_registry(plugins=False)
    assert registry.errors == []
    assert all(callable(registry.checks[code]) for code in registry.rules)
    assert len(registry.checks) == len(registry.rules)


def test_a_run_does_not_import_the_modules_of_rules_it_does_not_run() -> None:
    script = (
        "import sys\n"
        "from dfanalyze.api import lint\n"
        "lint('FROM alpine\\nRUN echo hi\\n')\n"
        "print('dfanalyze.checks.shellcheck' in sys.modules, 'subprocess' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.split()[0] == "False"  # DF599 (ShellCheck) is opt-in
