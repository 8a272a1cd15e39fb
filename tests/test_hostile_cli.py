"""Hostile paths and names on the command line and in folder walks (issue 11): symbolic link loops,
FIFOs, devices and sockets, files under a folder that cannot be searched, file names that are not
UTF-8. Each is a per-file error with a clear message, never a traceback; special files are never
opened; the other files are still linted."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from dfanalyze.cli import main
from dfanalyze.report import OUTPUT_FORMATS

ROOT = Path(__file__).resolve().parent.parent
GOOD = "FROM alpine\n"  # DF100: an untagged image
POSIX = pytest.mark.skipif(os.name != "posix", reason="FIFOs, sockets and symbolic links are POSIX features")
NOBODY = 65534


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_WORKSPACE", "GITHUB_STEP_SUMMARY", "CI_PROJECT_DIR", "DFANALYZE_OUTPUT_FORMAT"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "Dockerfile").write_text(GOOD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--select", "DF100", "--output-format", "concise", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONSAFEPATH": "1"}


def run_process(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """The command line in a process of its own (for what could block: it gets a timeout)."""
    return subprocess.run(
        [sys.executable, "-m", "dfanalyze", "--select", "DF100", "--output-format", "concise", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=_environment(),
    )


@contextmanager
def waiting_writer(fifo: Path) -> Iterator[threading.Event]:
    """A writer blocked on opening ``fifo``: it gets through (and sets the event) only when
    someone opens the FIFO for reading. On leaving, the writer is released."""
    opened = threading.Event()

    def write() -> None:
        fd = os.open(fifo, os.O_WRONLY)
        opened.set()
        os.close(fd)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    try:
        yield opened
    finally:
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # lets the writer through
        thread.join(10)
        os.close(reader)


@POSIX
def test_a_symlink_loop_on_the_command_line(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "loop").symlink_to("loop")
    (here / "a").symlink_to("b")
    (here / "b").symlink_to("a")
    code, out, err = run(capsys, "loop", "a", "Dockerfile")
    assert code == 2
    assert err.splitlines() == [
        "dfanalyze: error: loop: symbolic link loop (too many levels of symbolic links)",
        "dfanalyze: error: a: symbolic link loop (too many levels of symbolic links)",
    ]
    assert out.startswith("Dockerfile:1:6: DF100 ")
    assert "Traceback" not in err


@POSIX
def test_a_symlink_loop_as_the_name_of_standard_input(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (here / "loop").symlink_to("loop")
    sys_stdin = sys.stdin
    try:
        sys.stdin = _BytesStdin(GOOD.encode())
        code, out, err = run(capsys, "-", "--stdin-filename", "loop")
    finally:
        sys.stdin = sys_stdin
    assert (code, err) == (1, "")
    assert out.startswith("loop:1:6: DF100 ")


class _BytesStdin:
    """Standard input whose bytes are given."""

    def __init__(self, data: bytes) -> None:
        import io

        self.buffer = io.BytesIO(data)


@POSIX
def test_a_fifo_on_the_command_line_is_never_opened(here: Path) -> None:
    fifo = here / "pipe"
    os.mkfifo(fifo)
    with waiting_writer(fifo) as opened:
        result = run_process("pipe", "Dockerfile", cwd=here)
        assert not opened.is_set(), "dfanalyze opened the FIFO"
    assert result.returncode == 2
    assert result.stderr == (
        "dfanalyze: error: pipe: is a FIFO (named pipe), not a regular file: not read"
        " (to lint what a pipe carries, give it on standard input as -)\n"
    )
    assert result.stdout.startswith("Dockerfile:1:6: DF100 ")


@POSIX
@pytest.mark.parametrize("command", ["parse", "layers"])
def test_parse_and_layers_refuse_a_fifo(here: Path, command: str) -> None:
    fifo = here / "pipe"
    os.mkfifo(fifo)
    with waiting_writer(fifo) as opened:
        result = subprocess.run(
            [sys.executable, "-m", "dfanalyze", command, "pipe"],
            cwd=here,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=_environment(),
        )
        assert not opened.is_set()
    assert result.returncode == 2
    assert result.stderr == "dfanalyze: error: pipe: is a FIFO (named pipe), not a regular file: not read\n"


@POSIX
def test_devices_and_sockets_on_the_command_line(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind("sock")
        code, out, err = run(capsys, "/dev/null", "sock", "Dockerfile")
    finally:
        server.close()
    assert code == 2
    assert err.splitlines() == [
        "dfanalyze: error: /dev/null: is a character device, not a regular file: not read",
        "dfanalyze: error: sock: is a socket, not a regular file: not read",
    ]
    assert out.startswith("Dockerfile:1:6: DF100 ")


@POSIX
def test_special_files_met_in_a_folder_walk(here: Path) -> None:
    services = here / "services"
    (services / "web").mkdir(parents=True)
    (services / "web" / "Dockerfile").write_text(GOOD, encoding="utf-8")
    os.mkfifo(services / "Dockerfile")
    (services / "Dockerfile.loop").symlink_to("Dockerfile.loop")
    (services / "Dockerfile.gone").symlink_to("nowhere")
    (services / "Dockerfile.dir").symlink_to("web")  # a link to a folder is not followed, not reported
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(services / "Containerfile"))
        with waiting_writer(services / "Dockerfile") as opened:
            result = run_process(".", cwd=here)
            assert not opened.is_set()
    finally:
        server.close()
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"dfanalyze: error: {services}/Containerfile: is a socket, not a regular file: not read",
        f"dfanalyze: error: {services}/Dockerfile: is a FIFO (named pipe), not a regular file: not read",
        f"dfanalyze: error: {services}/Dockerfile.gone: no such file",
        f"dfanalyze: error: {services}/Dockerfile.loop: symbolic link loop"
        " (too many levels of symbolic links)",
    ]
    assert [line.split(":")[0] for line in result.stdout.splitlines()[:2]] == [
        "Dockerfile",
        "services/web/Dockerfile",
    ]


@POSIX
def test_a_fifo_named_gitignore_does_not_block_the_walk(here: Path) -> None:
    os.mkfifo(here / ".gitignore")
    (here / ".git").mkdir()
    with waiting_writer(here / ".gitignore") as opened:
        result = run_process(cwd=here)
        assert not opened.is_set()
    assert result.returncode == 1
    assert result.stdout.startswith("Dockerfile:1:6: DF100 ")


def _import_path() -> dict[str, str]:
    """An environment in which this checkout and the installed dependencies can be imported."""
    paths = [str(ROOT), *dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))]
    return {"PYTHONPATH": os.pathsep.join(paths)}


def _python_for_nobody(folder: Path) -> list[str] | None:
    """A command that runs this Python with dfanalyze importable as the user ``nobody`` (None when
    there is none: this interpreter may live under a folder that ``nobody`` cannot search)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    candidates = [sys.executable, os.path.realpath(sys.executable), shutil.which(version)]
    for python in dict.fromkeys(c for c in [*candidates, f"/usr/bin/{version}"] if c):
        command = [python, "-c", "import dfanalyze, msgspec, lark"]
        try:
            subprocess.run(command, env=_import_path(), cwd=folder,
                           user=NOBODY, group=NOBODY, extra_groups=[], check=True,
                           capture_output=True, timeout=60)  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            continue
        return [python, "-c", "import sys; from dfanalyze.cli import main; sys.exit(main(sys.argv[1:]))"]
    return None


@POSIX
def test_a_file_in_a_folder_that_cannot_be_searched() -> None:
    """As a user that is not root (root reads everything): the file is a per-file error, the
    other files are still linted. Run as ``nobody`` when the tests run as root."""
    folder = Path(tempfile.mkdtemp(prefix="dfanalyze-locked-"))
    try:
        folder.chmod(0o755)
        (folder / "Dockerfile").write_text(GOOD, encoding="utf-8")
        locked = folder / "locked"
        locked.mkdir()
        (locked / "Dockerfile").write_text(GOOD, encoding="utf-8")
        args = ["--select", "DF100", "--output-format", "concise", "locked/Dockerfile", "Dockerfile"]
        args.append("locked")
        if os.geteuid() == 0:
            python = _python_for_nobody(folder)
            if python is None:
                pytest.skip("running as root and no Python that the user nobody can run was found")
            os.chown(folder / "Dockerfile", NOBODY, NOBODY)
            locked.chmod(0o700)  # root's: nobody cannot search it
            result = subprocess.run([*python, *args], cwd=folder, capture_output=True, text=True,
                                    env=_import_path(), user=NOBODY, group=NOBODY,
                                    extra_groups=[], timeout=120, check=False)  # fmt: skip
        else:
            locked.chmod(0o000)
            result = subprocess.run([sys.executable, "-m", "dfanalyze", *args], cwd=folder,
                                    capture_output=True, text=True, env=_environment(), timeout=120,
                                    check=False)  # fmt: skip
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        assert result.stderr.splitlines() == [
            "dfanalyze: error: locked/Dockerfile: permission denied (a folder on the way cannot be searched)",
            f"dfanalyze: error: {locked}: cannot search: Permission denied",
        ]
        assert result.stdout.startswith("Dockerfile:1:6: DF100 ")
    finally:
        (folder / "locked").chmod(0o755)
        shutil.rmtree(folder)


# -- file names that are not UTF-8 -------------------------------------------------------------

RAW_NAME = b"Dockerfile.caf\xe9\xff"
SHOWN = "Dockerfile.caf\\xe9\\xff"  # every byte that is not UTF-8 as \xNN, in every format


def _strings(value: object) -> Iterator[str]:
    """Every string in a parsed JSON document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _names_in(output_format: str, text: str) -> list[str]:
    """The strings of a report where a file name can appear, parsed as its consumers parse it (so
    that JSON and XML are proven valid), with SARIF's URIs decoded."""
    import json
    import xml.etree.ElementTree as ET
    from urllib.parse import unquote

    if output_format in ("json", "sarif", "gitlab", "sonarqube"):
        document = json.loads(text)
        assert json.loads(json.dumps(document, ensure_ascii=False)) == document  # round-trips
        return [unquote(s) if output_format == "sarif" else s for s in _strings(document)]
    if output_format in ("json-lines", "codacy"):
        return [s for line in text.splitlines() for s in _strings(json.loads(line))]
    if output_format in ("checkstyle", "junit"):
        return [value for element in ET.fromstring(text).iter() for value in element.attrib.values()]
    return text.splitlines()


@POSIX
@pytest.mark.parametrize("output_format", OUTPUT_FORMATS)
@pytest.mark.parametrize("how", ["named", "walked"])
def test_a_name_that_is_not_utf8_in_every_format(
    here: Path, capsys: pytest.CaptureFixture[str], output_format: str, how: str
) -> None:
    name = os.fsdecode(RAW_NAME)
    try:
        (here / name).write_text(GOOD, encoding="utf-8")
    except (UnicodeEncodeError, OSError):
        pytest.skip("this filesystem refuses file names that are not UTF-8")
    (here / "Dockerfile").unlink()
    report = here / "report.out"
    args = ["--select", "DF100", "--output-format", output_format, "--output-file", str(report)]
    assert main([*args, name if how == "named" else "."]) == 1
    assert capsys.readouterr().err == ""
    text = report.read_bytes().decode("utf-8")  # strict: no lone surrogate, no raw 0xFF
    names = _names_in(output_format, text)
    if output_format == "sarif":
        import json

        import jsonschema

        schema = json.loads(
            (ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
        )
        jsonschema.Draft4Validator(schema).validate(json.loads(text))
    assert any(SHOWN in s for s in names), text


@POSIX
def test_a_name_that_is_not_utf8_in_error_messages(here: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = os.fsdecode(RAW_NAME)
    code, out, err = run(capsys, name, "Dockerfile")
    assert code == 2
    assert err == f"dfanalyze: error: {SHOWN}: no such file\n"
    assert out.startswith("Dockerfile:1:6: DF100 ")


# -- bytes in, bytes out ---------------------------------------------------------------------


def _filter(capfdbinary: pytest.CaptureFixture[bytes], data: bytes, *args: str) -> tuple[int, bytes]:
    """``dfanalyze --fix -`` as a filter: standard input in, the file out."""
    import io

    sys_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))
    try:
        code = main(["--fix", *args, "-"])
    finally:
        sys.stdin = sys_stdin
    return code, capfdbinary.readouterr().out


@pytest.mark.parametrize(
    "data",
    [
        b"FROM debian:13\nRUN echo caf\xe9\n",  # Latin-1: not UTF-8, nothing is fixed
        b"FROM debian:13\nrun echo \xff\xfe\x00\n",  # bytes that are no text at all
        b"\xff\xfeF\x00R\x00O\x00M\x00",  # UTF-16
    ],
)
def test_fix_on_standard_input_gives_back_the_bytes_it_did_not_change(
    capfdbinary: pytest.CaptureFixture[bytes], data: bytes
) -> None:
    code, out = _filter(capfdbinary, data, "--select", "DF704")
    assert out == data
    assert code == 2  # not UTF-8: a parse error


def test_fix_on_standard_input_changes_only_what_it_fixes(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    data = "\ufeffFROM debian:13\r\nrun echo café  \r\n# trailing\t\r\n".encode()
    code, out = _filter(capfdbinary, data, "--select", "DF704")
    assert code == 0
    assert out == data.replace(b"\r\nrun ", b"\r\nRUN ")


def test_binary_standard_input_shows_no_code_frame(capsys: pytest.CaptureFixture[str]) -> None:
    import io

    data = bytes(range(256)) * 40
    sys_stdin = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))
    try:
        code = main(["--output-format", "full", "-"])
    finally:
        sys.stdin = sys_stdin
    out = capsys.readouterr().out
    assert code == 2  # a file that does not parse
    assert out.splitlines()[:2] == [
        "DF700 file contains NUL bytes: this is a binary file, not a Dockerfile",
        " --> -:1:1",
    ]
    assert len(out) < 500, out
