#!/usr/bin/env python3
"""Ground-truth measurements of real image builds (buildah) for dfanalyze's layer model.

Usage (as root, after `bash oracle/make_base.sh`):
    python3 oracle/measure.py                 # every case and every cache scenario
    python3 oracle/measure.py --only NAME     # one case or scenario (repeatable); merged into
                                              # the existing measurements.json
    python3 oracle/measure.py --cases-only | --cache-only | --list
    python3 oracle/measure.py --buildpack-deps GITDIR [--suite bookworm ...]
                                              # only the buildpack-deps chain (see "upstream")

Every build runs `BUILDAH_ISOLATION=chroot buildah bud --layers --pull=never` on a scratch copy
of the case directory (oracle/work/ctx/<name>; `prepare.sh`, if present, runs there first and is
removed, together with case.json / scenario.json, before the build). The images a build made are
removed afterwards (`buildah rmi`, only the image ids this build printed; never an image that
existed before the build). A case builds on whatever base its Dockerfile names (the bases of
make_base.sh: localhost/debian:bookworm, bookworm-slim, trixie, trixie-slim, localhost/ubuntu:noble).

Upstream Dockerfiles (`--buildpack-deps GITDIR`): the official buildpack-deps Dockerfiles are read
from a snapshot of github.com/docker-library/buildpack-deps (a git directory, as the search tool's
`fetch` leaves it; nothing of it is committed), each FROM rewritten to the local image of the
same name (`debian:bookworm` -> `localhost/debian:bookworm`, `buildpack-deps:bookworm-curl` ->
the image this run built from `bookworm/curl`), built in chain order curl -> scm -> full per suite,
and recorded under "upstream" without their text (path, sha256 and per-step keyword only).

measurements.json schema
------------------------
{
  "schema_version": 1,
  "tool": "buildah version ...",           # `buildah --version`
  "storage_driver": "overlay",
  "date": "2026-...Z",                     # when this file was last written (UTC)
  "full_run_seconds": S,                   # wall time of the last run over everything
  "last_partial_run": {...},               # if --only etc. ran after it: names, seconds, date
  "base": {"ref": "localhost/debian:bookworm", "image_id": "...", "size_bytes": N,
           "description": "see base-bookworm.json"},
  "size_semantics": "...",                 # what diff_size_bytes is (see below)
  "cases": {
    NAME: {
      "dockerfile": "<text>",
      "build_args": {...}, "target": null|"stage", "pip_ca": bool, "npm_ca": bool,
      "group": null|"apps",                 # case.json "group": null = the probes that calibrate
                                            # the model; "apps" = realistic Dockerfiles that judge it
      "style": null|"careful"|"typical",    # apps: how carefully the Dockerfile is written
      "measured_at": "...", "base_image_id": "...", "build_seconds": 12.3,
      "base_ref": "localhost/debian:...",   # the image the final stage starts from
      "base_size_bytes": N,
      "ok": true, "error": null|"...",
      "steps": [                            # every instruction buildah ran, in order
        {"index": 0,                        # global 0-based index over all printed steps
         "stage": 1, "stage_name": "builder"|null, "step": 2, "steps_in_stage": 3,
         "instruction": "RUN apt-get ...",  # as buildah printed it (continuations joined)
         "in_final_image": true,            # step belongs to the stage that became the image
         "created_layer": true|false,       # false: the step's image shares its parent's top layer
         "diff_size_bytes": N,              # uncompressed tar size of the new layer, 0 if none
         "layer_id": "...",
         "layer": {                         # walk of the layer's overlay diff dir (created only)
            "entries": N, "regular_files": N, "regular_bytes": N, "dirs": N, "symlinks": N,
            "hardlinked_extra": N,          # extra names of multiply-linked files
            "whiteouts": N, "opaque_dirs": N,
            "tar_estimate_bytes": N,        # 1024 + 512 per entry + data rounded up to 512
            "bytes_by_dir": {"usr/lib/x86_64-linux-gnu": N, ...}   # depth-3 prefixes >= 64 KiB
                                            # plus var/lib/apt/lists, var/cache/apt/archives
            "whiteout_paths": [...],        # first 50
            "files_ge_1mib": {"/path": N}}  # largest 20 regular files of >= 1 MiB
        }, ...],                            # FROM steps: created_layer false, diff_size 0
      "image": {"image_id": "...", "layers": [{"layer_id", "diff_size_bytes", "step_index"|null}],
                "total_bytes": N,           # sum of diff sizes of all layers incl. base
                "added_bytes": N,           # total minus the base image's layers
                "layer_count": N},
      "waste": {                            # bytes present in some layer but not visible in the image
         "total_bytes": N,                  # regular-file bytes deleted/overwritten/hidden later
         "items": [{"path": "/tmp/blob", "bytes": N, "added_by_step": i, "removed_by_step": j,
                    "how": "deleted"|"overwritten"|"hidden-by-opaque-dir"}, ...]}  # >= 4 KiB, top 100
    }
  },
  "bases": {REF: {"image_id", "size_bytes", "record": "base-<name>.json"}},   # every base used
  "upstream": {"buildpack-deps": {"repository", "commit", "measured_at", "seconds",
       "images": {"bookworm-curl": {"path": "debian/bookworm/curl/Dockerfile", "sha256", "from",
                  "from_rewritten", <the fields of a case, "dockerfile" and instruction texts left
                  out: each step has "keyword" and "instruction_sha256" instead>}}}},
  "scenarios": {
    NAME: {
      "description": "...", "change": {...}, "build_args_before": {...}, "build_args_after": {...},
      "target": null, "dockerfile_before": "<text>", "dockerfile_after": "<text>",
      "ok": true, "error": null,
      "build_seconds": {"first": s, "control": s, "rebuild": s},
      "first":   [{"index", "stage", "step", "instruction", "cached"}],
      "control": [...],                     # unchanged rebuild: expected all cached
      "rebuild": [{"index", "stage", "stage_name", "step", "instruction", "cached": true|false,
                   "same_image_as_first": true|false}]   # step's image id equals the first build's
    }
  }
}
"cached" is true when buildah printed `--> Using cache <id>` for that step. FROM steps are
listed with "cached": null (buildah prints nothing for them).

Scenario `change` kinds (applied to the scratch copy between the control build and the rebuild;
paths are relative to the context, "Dockerfile" is the Dockerfile):
  {"kind": "edit", "path": P, "replace": [OLD, NEW]}   exact substring, must occur once
  {"kind": "edit", "path": P, "content": TEXT}          whole new content
  {"kind": "append", "path": P, "text": TEXT}
  {"kind": "touch", "path": P, "mtime_delta_s": S}      content unchanged, mtime moved by S
  {"kind": "chmod", "path": P, "mode": "0755"}
  {"kind": "add", "path": P, "content": TEXT}           new file
  {"kind": "delete", "path": P}
  {"kind": "rename", "path": P, "to": Q}
  {"kind": "build_args"}                                only build_args_before/after differ
  {"kind": "multi", "changes": [...]}                   several of the above, in order
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
CASES = HERE / "cases"
CACHE = HERE / "cache"
OUT = HERE / "measurements.json"
STORE = Path("/var/lib/containers/storage")
BASE_REF = "localhost/debian:bookworm"
HOST_CA = "/etc/ssl/certs/ca-certificates.crt"
CONTROL_FILES = ("prepare.sh", "case.json", "scenario.json")

STEP_RE = re.compile(r"^(?:\[(\d+)/(\d+)\] )?STEP (\d+)/(\d+): (.*)$")
ID_RE = re.compile(r"^--> (Using cache )?([0-9a-f]{11,64})\s*$")


def now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ---------------------------------------------------------------- storage helpers
def load_store():
    images = json.loads((STORE / "overlay-images" / "images.json").read_text())
    layers = json.loads((STORE / "overlay-layers" / "layers.json").read_text())
    return {i["id"]: i for i in images}, {layer["id"]: layer for layer in layers}


def resolve_image(prefix: str, images: dict) -> str | None:
    hits = [i for i in images if i.startswith(prefix)]
    return hits[0] if len(hits) == 1 else None


def image_id_of(ref: str) -> str | None:
    r = subprocess.run(
        ["buildah", "inspect", "--type", "image", "--format", "{{.FromImageID}}", ref],
        capture_output=True,
        text=True,
    )
    return r.stdout.strip() or None if r.returncode == 0 else None


def layer_chain(top: str | None, layers: dict) -> list[str]:
    chain = []
    while top:
        chain.append(top)
        top = layers[top].get("parent")
    return chain[::-1]


def _fits_ustar(name: str) -> bool:
    """Whether Go's archive/tar can store name in a plain USTAR header (ASCII, and name<=100 or
    split at a '/' into prefix<=155 and name<=100)."""
    if not name.isascii():
        return False  # Go's archive/tar writes a PAX record for any non-ASCII name
    b = name.encode()
    if len(b) <= 100:
        return True
    if len(b) > 256:
        return False
    for i in range(len(b) - 1, -1, -1):
        if b[i : i + 1] == b"/" and i <= 155 and len(b) - i - 1 <= 100 and len(b) - i - 1 > 0:
            return True
    return False


def walk_layer(layer_id: str) -> tuple[dict, list]:
    """Summarise one layer's overlay diff dir; also return (path, kind, size) entries."""
    root = STORE / "overlay" / layer_id / "diff"
    s = {
        "entries": 0,
        "regular_files": 0,
        "regular_bytes": 0,
        "dirs": 0,
        "symlinks": 0,
        "hardlinked_extra": 0,
        "whiteouts": 0,
        "opaque_dirs": 0,
        "other": 0,
    }
    tar = 1024
    by_dir: dict[str, int] = {}
    seen_inodes = set()
    entries = []
    whiteouts = []
    big = []
    if not root.is_dir():
        return {"error": f"no diff dir {root}"}, []
    for d, dirs, files in os.walk(root):
        rel_d = os.path.relpath(d, root)
        for name in sorted(dirs) + sorted(files):
            p = os.path.join(d, name)
            rel = os.path.normpath(os.path.join(rel_d, name))
            st = os.lstat(p)
            s["entries"] += 1
            tar += 512
            m = st.st_mode
            if not _fits_ustar(rel + ("/" if stat.S_ISDIR(m) else "")):
                tar += 1024  # PAX header block + one data block for the long name
            if stat.S_ISLNK(m):
                target = os.readlink(p)
                if (len(target.encode()) > 100 or not target.isascii()) and _fits_ustar(rel):
                    tar += 1024  # PAX record for the link target (shares the name's PAX header)
            if stat.S_ISDIR(m):
                s["dirs"] += 1
                try:
                    if os.getxattr(p, "trusted.overlay.opaque", follow_symlinks=False) == b"y":
                        s["opaque_dirs"] += 1
                        tar += 512  # .wh..wh..opq entry
                        entries.append(("/" + rel, "opaque", 0))
                except OSError:
                    pass
                entries.append(("/" + rel, "dir", 0))
            elif stat.S_ISREG(m):
                key = (st.st_dev, st.st_ino)
                if st.st_nlink > 1 and key in seen_inodes:
                    s["hardlinked_extra"] += 1
                    entries.append(("/" + rel, "hardlink", 0))
                    continue
                seen_inodes.add(key)
                s["regular_files"] += 1
                s["regular_bytes"] += st.st_size
                tar += (st.st_size + 511) // 512 * 512
                entries.append(("/" + rel, "file", st.st_size))
                if st.st_size >= 1 << 20:
                    big.append(("/" + rel, st.st_size))
                parts = rel.split("/")
                for depth in (1, 2, 3):
                    if len(parts) > depth:
                        k = "/".join(parts[:depth])
                        by_dir[k] = by_dir.get(k, 0) + st.st_size
                for special in ("var/lib/apt/lists", "var/cache/apt/archives"):  # depth > 3
                    if rel.startswith(special + "/"):
                        by_dir[special] = by_dir.get(special, 0) + st.st_size
            elif stat.S_ISLNK(m):
                s["symlinks"] += 1
                entries.append(("/" + rel, "symlink", 0))
            elif stat.S_ISCHR(m) and st.st_rdev == 0:
                s["whiteouts"] += 1
                whiteouts.append("/" + rel)
                entries.append(("/" + rel, "whiteout", 0))
            else:
                s["other"] += 1
    s["tar_estimate_bytes"] = tar
    s["bytes_by_dir"] = dict(
        sorted(
            (
                (k, v)
                for k, v in by_dir.items()
                if v >= 65536 or k in ("var/lib/apt/lists", "var/cache/apt/archives", "root/.cache/pip")
            ),
            key=lambda kv: -kv[1],
        )
    )
    s["whiteout_paths"] = whiteouts[:50]
    s["files_ge_1mib"] = dict(sorted(big, key=lambda kv: -kv[1])[:20])
    return s, entries


def waste_analysis(chain_entries: list[tuple[int | None, list]]) -> dict:
    """chain_entries: [(step_index or None for base, entries)] bottom-up."""
    live: dict[str, tuple[int | None, int]] = {}  # path -> (step, size) of regular files
    items = []
    total = 0

    def kill(prefix: str, step, how: str, exact_only=False):
        nonlocal total
        doomed = [p for p in live if p == prefix or (not exact_only and p.startswith(prefix + "/"))]
        for p in doomed:
            added, size = live.pop(p)
            total += size
            items.append(
                {"path": p, "bytes": size, "added_by_step": added, "removed_by_step": step, "how": how}
            )

    for step, entries in chain_entries:
        for path, kind, _size in entries:
            if kind == "whiteout":
                kill(path, step, "deleted")
            elif kind == "opaque":
                kill(path, step, "hidden-by-opaque-dir")
                # the opaque dir's own new children are re-added below (entries are parent-first)
        for path, kind, size in entries:
            if kind == "file":
                if path in live:
                    kill(path, step, "overwritten", exact_only=True)
                live[path] = (step, size)
            elif kind in ("symlink", "hardlink") and path in live:
                kill(path, step, "overwritten", exact_only=True)
    items.sort(key=lambda x: -x["bytes"])
    return {
        "total_bytes": total,
        "item_count": len(items),
        "from_base_bytes": sum(i["bytes"] for i in items if i["added_by_step"] is None),
        "items": [i for i in items if i["bytes"] >= 4096][:100],
    }


# ---------------------------------------------------------------- building
def pip_conf() -> Path:
    p = WORK / "pip.conf"
    WORK.mkdir(parents=True, exist_ok=True)
    p.write_text("[global]\ncert = /run/host-ca.crt\n")
    return p


def npmrc() -> Path:
    """npm ignores the system CA store: point it at the mounted host bundle."""
    p = WORK / "npmrc"
    WORK.mkdir(parents=True, exist_ok=True)
    p.write_text("cafile=/run/host-ca.crt\n")
    return p


def ca_mounts(pip_ca: bool, npm_ca: bool) -> list[str]:
    """`buildah bud` arguments that give pip / npm the host's CA bundle (one mount of the bundle)."""
    if not (pip_ca or npm_ca):
        return []
    args = ["--volume", f"{HOST_CA}:/run/host-ca.crt:ro"]
    if pip_ca:
        args += ["--volume", f"{pip_conf()}:/etc/pip.conf:ro"]
    if npm_ca:
        args += ["--volume", f"{npmrc()}:/root/.npmrc:ro"]
    return args


def stage_context(src: Path, name: str) -> Path:
    dst = WORK / "ctx" / name
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(src, dst, symlinks=True)
    prep = dst / "prepare.sh"
    if prep.exists():
        env = dict(os.environ, ORACLE_DIR=str(HERE))
        subprocess.run(["bash", "-e", str(prep)], cwd=dst, env=env, check=True)
    for f in CONTROL_FILES:
        (dst / f).unlink(missing_ok=True)
    return dst


def run_build(ctx: Path, tag: str, logname: str, build_args=None, target=None, pip_ca=False, npm_ca=False):
    cmd = [
        "buildah",
        "bud",
        "--layers",
        "--force-rm",
        "--pull=never",
        "-t",
        tag,
        "-f",
        str(ctx / "Dockerfile"),
    ]
    for k, v in (build_args or {}).items():
        cmd += ["--build-arg", f"{k}={v}"]
    if target:
        cmd += ["--target", target]
    cmd += ca_mounts(pip_ca, npm_ca)
    cmd.append(str(ctx))
    env = dict(os.environ, BUILDAH_ISOLATION="chroot")
    logdir = WORK / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    r = subprocess.run(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
    )
    secs = round(time.monotonic() - t0, 1)
    (logdir / f"{logname}.log").write_text(" ".join(cmd) + "\n" + r.stdout)
    steps = parse_steps(r.stdout)
    final = None
    m = re.findall(r"^([0-9a-f]{64})\s*$", r.stdout, re.M)
    if m and r.returncode == 0:
        final = m[-1]
    return {
        "rc": r.returncode,
        "seconds": secs,
        "steps": steps,
        "final_id": final,
        "tail": r.stdout[-3000:],
        "cmd": cmd,
    }


def parse_steps(out: str) -> list[dict]:
    steps = []
    cur = None
    stage_names: dict[int, str | None] = {}
    for line in out.splitlines():
        m = STEP_RE.match(line)
        if m:
            stage = int(m.group(1) or 1)
            nstages = int(m.group(2) or 1)
            instr = m.group(5)
            if instr.upper().startswith("FROM "):
                mm = re.search(r"\s+AS\s+(\S+)\s*$", instr, re.I)
                stage_names[stage] = mm.group(1) if mm else None
            cur = {
                "index": len(steps),
                "stage": stage,
                "stages": nstages,
                "stage_name": stage_names.get(stage),
                "step": int(m.group(3)),
                "steps_in_stage": int(m.group(4)),
                "instruction": instr,
                "cached": None,
                "image_short": None,
            }
            steps.append(cur)
            continue
        m = ID_RE.match(line)
        if m and cur is not None and cur["image_short"] is None:
            cur["image_short"] = m.group(2)
            cur["cached"] = bool(m.group(1))
    for s in steps:
        if s["instruction"].upper().startswith("FROM ") or (s["cached"] is None and s["image_short"] is None):
            s["cached"] = None
    return steps


def remove_images(ids, keep: set[str]) -> None:
    """Remove the images of ``ids`` (full or short ids), except those in ``keep`` (the images
    that existed before the build: bases, and earlier links of an upstream chain)."""
    ids = [i for i in dict.fromkeys(ids) if i]
    if not ids:
        return
    images, _ = load_store()
    full = []
    for i in ids:
        fid = i if i in images else resolve_image(i, images)
        if fid and fid not in keep:
            full.append(fid)
    # newest first, so no image is removed while a child still needs its layers
    for fid in reversed(full):
        subprocess.run(["buildah", "rmi", "-f", fid], capture_output=True)


def step_images(steps) -> list[str]:
    return [s["image_short"] for s in steps if s.get("image_short")]


# ---------------------------------------------------------------- cases
def case_config(name: str) -> dict:
    p = CASES / name / "case.json"
    return json.loads(p.read_text()) if p.exists() else {}


def measure_case(name: str) -> dict:
    src = CASES / name
    cfg = case_config(name)
    ctx = stage_context(src, "case-" + name)
    res = {
        "dockerfile": (src / "Dockerfile").read_text(),
        "build_args": cfg.get("build_args", {}),
        "target": cfg.get("target"),
        "pip_ca": cfg.get("pip_ca", False),
        "npm_ca": cfg.get("npm_ca", False),
        "group": cfg.get("group"),
        "style": cfg.get("style"),
        "notes": cfg.get("notes"),
    }
    keep = set(load_store()[0])
    made: list[str] = []
    try:
        res.update(build_and_record(ctx, f"localhost/oracle-case-{name}", "case-" + name, cfg, made))
    finally:
        remove_images(made, keep)
        subprocess.run(["buildah", "rmi", "-f", f"localhost/oracle-case-{name}"], capture_output=True)
    return res


def build_and_record(ctx: Path, tag: str, logname: str, cfg: dict, made: list[str]) -> dict:
    """Build ctx and record every step and the final image (the ids of the images the build made
    are appended to ``made``, for the caller to remove)."""
    b = run_build(
        ctx,
        tag,
        logname,
        cfg.get("build_args"),
        cfg.get("target"),
        cfg.get("pip_ca", False),
        cfg.get("npm_ca", False),
    )
    made += step_images(b["steps"]) + [b["final_id"]]
    res: dict = {
        "measured_at": now(),
        "build_seconds": b["seconds"],
        "ok": b["rc"] == 0,
        "error": None if b["rc"] == 0 else b["tail"],
    }
    images, layers = load_store()
    stage_result: dict = {}
    stage_base: dict = {}  # stage number or name -> (ref, image id) of the external image it starts from
    steps_out = []
    prev_top = None
    final_stage = max((s["stage"] for s in b["steps"]), default=1)
    for s in b["steps"]:
        instr = s["instruction"]
        rec = {k: s[k] for k in ("index", "stage", "stage_name", "step", "steps_in_stage", "instruction")}
        rec["in_final_image"] = s["stage"] == final_stage
        if instr.upper().startswith("FROM "):
            ref = instr.split()[1]
            if ref in stage_result:
                prev_top, base = stage_result[ref], stage_base[ref]
            elif ref.isdigit() and int(ref) + 1 in stage_result:
                prev_top, base = stage_result[int(ref) + 1], stage_base[int(ref) + 1]
            else:
                iid = image_id_of(ref)
                prev_top = images[iid]["layer"] if iid in images else None
                base = (ref, iid)
            stage_base[s["stage"]] = base
            if s["stage_name"]:
                stage_base[s["stage_name"]] = base
            rec.update(created_layer=False, diff_size_bytes=0, layer_id=None, image_id=None)
        else:
            iid = resolve_image(s["image_short"], images) if s["image_short"] else None
            top = images[iid]["layer"] if iid else None
            created = top is not None and top != prev_top
            rec.update(
                image_id=iid,
                created_layer=created,
                layer_id=top if created else None,
                diff_size_bytes=layers[top].get("diff-size", 0) if created else 0,
            )
            if created:
                rec["layer"], _ = walk_layer(top)
            prev_top = top
        if s["stage_name"]:
            stage_result[s["stage_name"]] = prev_top
        stage_result[s["stage"]] = prev_top
        steps_out.append(rec)
    res["steps"] = steps_out
    base_ref, base_id = stage_base.get(final_stage, (None, None))
    base_chain = set(layer_chain(images[base_id]["layer"], layers)) if base_id in images else set()
    res.update(
        base_ref=base_ref,
        base_image_id=base_id,
        base_size_bytes=sum(layers[lid].get("diff-size", 0) for lid in base_chain),
    )
    fid = b["final_id"] or (
        resolve_image(b["steps"][-1]["image_short"], images)
        if b["steps"] and b["steps"][-1]["image_short"]
        else None
    )
    if fid and fid in images:
        chain = layer_chain(images[fid]["layer"], layers)
        by_layer = {r["layer_id"]: r["index"] for r in steps_out if r.get("layer_id") and r["in_final_image"]}
        # layers made by a builder stage can also be in the chain (never here, but be safe)
        by_layer.update(
            {
                r["layer_id"]: r["index"]
                for r in steps_out
                if r.get("layer_id") and r["layer_id"] not in by_layer
            }
        )
        img_layers = [
            {
                "layer_id": layer_id,
                "diff_size_bytes": layers[layer_id].get("diff-size", 0),
                "step_index": by_layer.get(layer_id),
                "from_base": layer_id in base_chain,
            }
            for layer_id in chain
        ]
        total = sum(x["diff_size_bytes"] for x in img_layers)
        res["image"] = {
            "image_id": fid,
            "layers": img_layers,
            "layer_count": len(img_layers),
            "total_bytes": total,
            "added_bytes": total - sum(x["diff_size_bytes"] for x in img_layers if x["from_base"]),
        }
        chain_entries = [(by_layer.get(layer_id), walk_layer(layer_id)[1]) for layer_id in chain]
        # files of the base shadowed by the case count too: from_base_bytes says how much
        res["waste"] = waste_analysis(chain_entries)
    return res


# ---------------------------------------------------------------- upstream: buildpack-deps
BUILDPACK_DEPS = "github.com/docker-library/buildpack-deps"
BUILDPACK_VARIANTS = ("curl", "scm", "full")  # each FROM the one before; curl FROM the distro image
# paths in the repository: <distro>/<suite>/curl/Dockerfile, .../scm/Dockerfile, <distro>/<suite>/Dockerfile
BUILDPACK_SUITES = {"bookworm": "debian", "trixie": "debian", "noble": "ubuntu"}


def git_show(gitdir: Path, rev_path: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(gitdir), "show", rev_path], capture_output=True, text=True, check=True
    ).stdout


def rewrite_from(text: str, local: dict[str, str]) -> tuple[str, str, str]:
    """Point the FROM line at a local image: (new text, original ref, local ref)."""
    lines = text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.upper().startswith("FROM "):
            ref = line.split()[1]
            if ref not in local:
                raise ValueError(f"no local image for FROM {ref}")
            lines[i] = line.replace(ref, local[ref], 1)
            return "".join(lines), ref, local[ref]
    raise ValueError("no FROM line")


def strip_text(rec: dict) -> dict:
    """A case record without the upstream Dockerfile's text (it is not ours to commit)."""
    import hashlib

    for s in rec.get("steps", []):
        instr = s.pop("instruction")
        s["keyword"] = instr.split(None, 1)[0].upper()
        s["instruction_sha256"] = hashlib.sha256(instr.encode()).hexdigest()
    if rec.get("error"):
        rec["error"] = "build failed (see oracle/work/logs)"
    return rec


def measure_buildpack_deps(gitdir: Path, suites: list[str]) -> dict:
    import hashlib

    commit = subprocess.run(
        ["git", "--git-dir", str(gitdir), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    out: dict = {"repository": BUILDPACK_DEPS, "commit": commit, "measured_at": now(), "images": {}}
    t0 = time.monotonic()
    for suite in suites:
        distro = BUILDPACK_SUITES[suite]
        local = {f"{distro}:{suite}": f"localhost/{distro}:{suite}"}
        keep = set(load_store()[0])
        made: list[str] = []
        tags: list[str] = []
        try:
            for variant in BUILDPACK_VARIANTS:
                name = f"{suite}-{variant}"
                path = f"{distro}/{suite}/" + ("" if variant == "full" else f"{variant}/") + "Dockerfile"
                text = git_show(gitdir, f"{commit}:{path}")
                rewritten, ref, local_ref = rewrite_from(text, local)
                ctx = WORK / "ctx" / f"upstream-buildpack-deps-{name}"
                if ctx.exists():
                    shutil.rmtree(ctx)
                ctx.mkdir(parents=True)
                (ctx / "Dockerfile").write_text(rewritten)
                tag = f"localhost/buildpack-deps:{name}"
                log(f"buildpack-deps {name}")
                rec = build_and_record(ctx, tag, f"upstream-buildpack-deps-{name}", {}, made)
                tags.append(tag)
                rec = {
                    "path": path,
                    "sha256": hashlib.sha256(text.encode()).hexdigest(),
                    "from": ref,
                    "from_rewritten": local_ref,
                    **strip_text(rec),
                }
                out["images"][name] = rec
                total = rec.get("image", {}).get("total_bytes")
                log(f"  ok={rec['ok']} {rec['build_seconds']}s total={total}")
                if not rec["ok"]:
                    break
                local[f"buildpack-deps:{name}"] = tag
        finally:
            remove_images(made, keep)
            for tag in tags:
                subprocess.run(["buildah", "rmi", "-f", tag], capture_output=True)
    out["seconds"] = round(time.monotonic() - t0, 1)
    return out


# ---------------------------------------------------------------- scenarios
def apply_change(ctx: Path, ch: dict) -> None:
    k = ch["kind"]
    p = ctx / ch["path"] if "path" in ch else None
    if k == "multi":
        for c in ch["changes"]:
            apply_change(ctx, c)
    elif k == "edit":
        if "content" in ch:
            p.write_text(ch["content"])
        else:
            old, new = ch["replace"]
            text = p.read_text()
            if text.count(old) != 1:
                raise ValueError(f"replace: {old!r} occurs {text.count(old)} times in {p}")
            p.write_text(text.replace(old, new))
    elif k == "append":
        with open(p, "a") as f:
            f.write(ch["text"])
    elif k == "touch":
        st = p.stat()
        d = ch.get("mtime_delta_s", 3600)
        os.utime(p, (st.st_atime + d, st.st_mtime + d))
    elif k == "chmod":
        os.chmod(p, int(ch["mode"], 8))
    elif k == "add":
        p.parent.mkdir(parents=True, exist_ok=True)
        if p.exists():
            raise ValueError(f"add: {p} exists")
        p.write_text(ch["content"])
    elif k == "delete":
        p.unlink()
    elif k == "rename":
        q = ctx / ch["to"]
        q.parent.mkdir(parents=True, exist_ok=True)
        os.rename(p, q)
    elif k == "build_args":
        pass
    else:
        raise ValueError(f"unknown change kind {k}")


def short_steps(b: dict, first_ids=None) -> list[dict]:
    out = []
    for s in b["steps"]:
        r = {k: s[k] for k in ("index", "stage", "stage_name", "step", "instruction", "cached")}
        if first_ids is not None:
            f = first_ids.get(s["index"])
            r["same_image_as_first"] = bool(s["image_short"] and f and f[:11] == s["image_short"][:11])
        out.append(r)
    return out


def measure_scenario(name: str, base_id: str) -> dict:
    src = CACHE / name
    sc = json.loads((src / "scenario.json").read_text())
    ctx = stage_context(src, "cache-" + name)
    tag = f"localhost/oracle-cache-{name}"
    before, after = (
        sc.get("build_args_before", {}),
        sc.get("build_args_after", sc.get("build_args_before", {})),
    )
    res = {
        "description": sc.get("description"),
        "change": sc["change"],
        "build_args_before": before,
        "build_args_after": after,
        "target": sc.get("target"),
        "pip_ca": sc.get("pip_ca", False),
        "dockerfile_before": (ctx / "Dockerfile").read_text(),
        "measured_at": now(),
        "base_image_id": base_id,
    }
    made = []
    keep = set(load_store()[0])
    try:
        b1 = run_build(ctx, tag, f"cache-{name}-1-first", before, sc.get("target"), sc.get("pip_ca", False))
        made += step_images(b1["steps"]) + [b1["final_id"]]
        if b1["rc"] != 0:
            raise RuntimeError("first build failed:\n" + b1["tail"])
        b2 = run_build(ctx, tag, f"cache-{name}-2-control", before, sc.get("target"), sc.get("pip_ca", False))
        made += step_images(b2["steps"]) + [b2["final_id"]]
        apply_change(ctx, sc["change"])
        res["dockerfile_after"] = (ctx / "Dockerfile").read_text()
        b3 = run_build(ctx, tag, f"cache-{name}-3-rebuild", after, sc.get("target"), sc.get("pip_ca", False))
        made += step_images(b3["steps"]) + [b3["final_id"]]
        first_ids = {s["index"]: s["image_short"] for s in b1["steps"]}
        res.update(
            ok=b3["rc"] == 0 and b2["rc"] == 0,
            error=None if b3["rc"] == 0 else b3["tail"],
            build_seconds={"first": b1["seconds"], "control": b2["seconds"], "rebuild": b3["seconds"]},
            first=short_steps(b1),
            control=short_steps(b2),
            rebuild=short_steps(b3, first_ids),
            control_all_cached=all(s["cached"] in (True, None) for s in b2["steps"]),
            rebuilt_steps=[s["index"] for s in b3["steps"] if s["cached"] is False],
            cached_steps=[s["index"] for s in b3["steps"] if s["cached"] is True],
        )
    except Exception as e:  # record and go on with the next scenario
        res.update(ok=False, error=f"{type(e).__name__}: {e}")
    finally:
        remove_images(made, keep)
        subprocess.run(["buildah", "rmi", "-f", tag], capture_output=True)
    return res


# ---------------------------------------------------------------- main
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--only", action="append", default=[], help="case or scenario name (repeatable)")
    ap.add_argument("--cases-only", action="store_true")
    ap.add_argument("--cache-only", action="store_true")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument(
        "--buildpack-deps",
        metavar="GITDIR",
        help="build only the buildpack-deps chain from this snapshot of " + BUILDPACK_DEPS,
    )
    ap.add_argument(
        "--suite",
        action="append",
        choices=sorted(BUILDPACK_SUITES),
        help="with --buildpack-deps: these suites (default: every suite whose base image exists)",
    )
    a = ap.parse_args()
    if os.geteuid() != 0:
        print("run as root", file=sys.stderr)
        return 1
    cases = sorted(p.name for p in CASES.iterdir() if (p / "Dockerfile").exists())
    scen = sorted(p.name for p in CACHE.iterdir() if (p / "scenario.json").exists()) if CACHE.exists() else []
    if a.list:
        print("cases:", *cases, sep="\n  ")
        print("scenarios:", *scen, sep="\n  ")
        return 0
    if a.only:
        unknown = [n for n in a.only if n not in cases and n not in scen]
        if unknown:
            print("unknown:", unknown, file=sys.stderr)
            return 2
        cases = [c for c in cases if c in a.only]
        scen = [s for s in scen if s in a.only]
    if a.cases_only:
        scen = []
    if a.cache_only:
        cases = []
    if a.buildpack_deps:
        cases, scen = [], []
    base_id = image_id_of(BASE_REF)
    if not base_id:
        print(f"{BASE_REF} missing: run oracle/make_base.sh first", file=sys.stderr)
        return 1
    out = Path(a.out)
    doc = json.loads(out.read_text()) if out.exists() else {}
    images, layers = load_store()
    base_size = sum(layers[lid].get("diff-size", 0) for lid in layer_chain(images[base_id]["layer"], layers))
    probes = [n for n in cases if not case_config(n).get("group")]
    if probes or scen or "base" not in doc:  # "base": the base of the probe cases and scenarios
        doc["base"] = {
            "ref": BASE_REF,
            "image_id": base_id,
            "size_bytes": base_size,
            "description": "debootstrap bookworm minbase + the official debian image's apt/dpkg "
            "settings; see base-bookworm.json and make_base.sh",
        }
    doc.update(
        {
            "schema_version": 1,
            "tool": subprocess.run(["buildah", "--version"], capture_output=True, text=True).stdout.strip(),
            "storage_driver": "overlay",
            "isolation": "chroot",
            "date": now(),
            "size_semantics": "diff_size_bytes is containers/storage's diff-size: the length of the "
            "uncompressed tar stream of the layer (512-byte header per entry, file data "
            "padded to 512, 1024-byte end marker), i.e. what `docker history` / the "
            "uncompressed layer blob size would show.",
        }
    )
    doc.setdefault("cases", {})
    doc.setdefault("scenarios", {})
    doc.setdefault("bases", {})
    t_all = time.monotonic()

    def note_base(rec: dict) -> None:
        ref = rec.get("base_ref")
        if ref and ref.split(":")[0] in ("localhost/debian", "localhost/ubuntu") and rec.get("base_image_id"):
            name = ref.split(":", 1)[1]
            doc["bases"][ref] = {
                "image_id": rec["base_image_id"],
                "size_bytes": rec["base_size_bytes"],
                "record": f"base-{name}.json",
            }

    def save():
        doc["date"] = now()
        tmp = out.with_suffix(".tmp")
        tmp.write_text(json.dumps(doc, indent=1) + "\n")
        tmp.replace(out)

    for n in cases:
        log(f"case {n}")
        try:
            doc["cases"][n] = measure_case(n)
        except Exception as e:
            doc["cases"][n] = {"ok": False, "error": f"{type(e).__name__}: {e}", "measured_at": now()}
        r = doc["cases"][n]
        note_base(r)
        log(f"  ok={r.get('ok')} {r.get('build_seconds')}s total={r.get('image', {}).get('total_bytes')}")
        save()
    if a.buildpack_deps:
        suites = a.suite or [s for s, d in BUILDPACK_SUITES.items() if image_id_of(f"localhost/{d}:{s}")]
        up = measure_buildpack_deps(Path(a.buildpack_deps), suites)
        doc.setdefault("upstream", {}).setdefault("buildpack-deps", {"images": {}})
        doc["upstream"]["buildpack-deps"]["images"].update(up.pop("images"))
        doc["upstream"]["buildpack-deps"].update(up)
        for rec in doc["upstream"]["buildpack-deps"]["images"].values():
            note_base(rec)
        save()
    for n in scen:
        log(f"scenario {n}")
        doc["scenarios"][n] = measure_scenario(n, base_id)
        r = doc["scenarios"][n]
        log(f"  ok={r.get('ok')} rebuilt={r.get('rebuilt_steps')} cached={r.get('cached_steps')}")
        save()
    secs = round(time.monotonic() - t_all, 1)
    if a.only or a.cases_only or a.cache_only or a.buildpack_deps:
        names = cases + scen + (["upstream: buildpack-deps"] if a.buildpack_deps else [])
        doc["last_partial_run"] = {"names": names, "seconds": secs, "date": now()}
    else:
        doc["full_run_seconds"] = secs
        doc.pop("last_partial_run", None)
    save()
    bad = [n for n in cases if not doc["cases"][n].get("ok")] + [
        n for n in scen if not doc["scenarios"][n].get("ok")
    ]
    if a.buildpack_deps:
        bad += [n for n, r in doc["upstream"]["buildpack-deps"]["images"].items() if not r.get("ok")]
    if bad:
        print("FAILED:", *bad, file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
