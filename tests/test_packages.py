"""Package managers, downloads, users and cache cleanup on top of the shell model."""

from __future__ import annotations

import pytest

from dfanalyze.analysis.packages import (
    CacheCleanup,
    Download,
    Manager,
    PackageOp,
    UserOp,
    analyze,
    cache_mounted,
    cleans_cache,
    cleanups,
    installs,
    operations,
    removals,
)
from dfanalyze.analysis.shell import ShellScript, parse_shell
from dfanalyze.span import OffsetMap, Position, Span


def parse(text: str) -> ShellScript:
    return parse_shell(text, OffsetMap((0,), (1,), (5,), Position(1, 5 + len(text))))


def op(text: str, index: int = 0) -> PackageOp:
    found = [o for o in operations(parse(text)) if isinstance(o, PackageOp)]
    return found[index]


def specs(operation: PackageOp) -> list[tuple[str, str | None, str | None, bool]]:
    return [(p.name, p.operator, p.version, p.pinned) for p in operation.packages]


# --- apt -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "yes"),
    [
        ("apt-get install -y curl", True),
        ("apt-get install --yes curl", True),
        ("apt-get install --assume-yes curl", True),
        ("apt-get -qq install curl", True),
        ("apt-get install -q=2 curl", True),
        ("apt-get install -qqy curl", True),
        ("apt-get -q install -q curl", True),
        ("apt-get install -q curl", False),
        ("apt-get install curl", False),
        ("apt install -y curl", True),
    ],
)
def test_apt_yes(text: str, yes: bool) -> None:
    assert op(text).yes is yes


@pytest.mark.parametrize(
    ("text", "no_recommends"),
    [
        ("apt-get install -y --no-install-recommends curl", True),
        ("apt-get install -y -o APT::Install-Recommends=false curl", True),
        ("apt-get -o APT::Install-Recommends=0 install -y curl", True),
        ("apt-get install -y -o Dpkg::Options::=--force-confold curl", False),
        ("apt-get install -y curl", False),
    ],
)
def test_apt_no_recommends(text: str, no_recommends: bool) -> None:
    assert op(text).no_recommends is no_recommends


def test_apt_packages_with_pins_and_spans() -> None:
    text = "apt-get install -y -t bookworm curl=7.88.1-10 git/bookworm-backports libc6:amd64"
    operation = op(text)
    assert (operation.manager, operation.tool, operation.action) == ("apt", "apt-get", "install")
    assert specs(operation) == [
        ("curl", "=", "7.88.1-10", True),
        ("git", "/", "bookworm-backports", False),
        ("libc6:amd64", None, None, False),
    ]
    assert operation.option("-t") == "bookworm"
    curl = operation.packages[0]
    assert curl.span == Span.of(1, 5 + text.index("curl"), 1, 5 + text.index(" git"))


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("apt-get update", "update"),
        ("apt-get upgrade -y", "upgrade"),
        ("apt-get dist-upgrade -y", "dist-upgrade"),
        ("apt full-upgrade -y", "dist-upgrade"),
        ("apt-get remove -y x", "remove"),
        ("apt-get purge -y --auto-remove x", "purge"),
        ("apt-get autoremove -y", "autoremove"),
        ("apt-get clean", "clean"),
    ],
)
def test_apt_actions(text: str, action: str) -> None:
    assert op(text).action == action


def test_apt_through_wrappers_and_sh_c() -> None:
    script = parse("sudo -E apt-get install -y a && sh -c 'apt-get install b'")
    found = installs(script)
    assert [specs(o)[0][0] for o in found] == ["a", "b"]
    assert [o.yes for o in found] == [True, False]
    assert analyze(parse("apt-get").commands[0]) is None


# --- apk -------------------------------------------------------------------------------------------


def test_apk() -> None:
    operation = op("apk add --no-cache --virtual .build-deps gcc openssl=3.1.4-r5 bash~=5.2 'py3>3'")
    assert (operation.manager, operation.action, operation.yes) == ("apk", "install", True)
    assert operation.no_cache and operation.virtual == ".build-deps"
    assert specs(operation) == [
        ("gcc", None, None, False),
        ("openssl", "=", "3.1.4-r5", True),
        ("bash", "~=", "5.2", False),
        ("py3", ">", "3", False),
    ]
    assert op("apk add -t .deps x").virtual == ".deps"
    assert not op("apk add x").no_cache
    assert [op(t).action for t in ("apk del .deps", "apk update", "apk upgrade", "apk cache clean")] == [
        "remove",
        "update",
        "upgrade",
        "clean",
    ]


# --- yum / dnf / microdnf / zypper -----------------------------------------------------------------


def test_dnf_yum_microdnf() -> None:
    dnf = op("dnf install -y --setopt=install_weak_deps=False --nodocs python3 nginx-1.20.1-1.el9")
    assert (dnf.manager, dnf.action, dnf.yes, dnf.no_recommends, dnf.no_docs) == (
        "dnf",
        "install",
        True,
        True,
        True,
    )
    assert specs(dnf) == [("python3", None, None, False), ("nginx", "-", "1.20.1-1.el9", True)]
    assert specs(op("yum install -y java-11-openjdk")) == [("java-11-openjdk", None, None, False)]
    assert not op("yum install nginx").yes
    assert op("yum -y update").action == "upgrade"
    assert op("dnf --setopt install_weak_deps=0 install -y x").no_recommends
    clean = op("yum clean all")
    assert (clean.manager, clean.action) == ("yum", "clean")
    micro = op("microdnf install shadow-utils")
    assert (micro.manager, micro.yes) == ("microdnf", False)


def test_microdnf_prompts_without_assumeyes() -> None:
    # Regression: microdnf asks for confirmation (since 3.7), so only -y/--assumeyes is non-interactive.
    assert not op("microdnf install x").yes
    assert op("microdnf install -y x").yes
    assert op("microdnf --assumeyes install x").yes


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("dnf in -y nginx", "install"),
        ("yum in -y nginx", "install"),
        ("dnf install-n -y nginx", "install"),
        ("dnf rm -y nginx", "remove"),
        ("dnf erase-nevra -y nginx-1.20.1-1.el9.x86_64", "remove"),
        ("dnf up -y", "upgrade"),
        ("dnf rei -y tzdata", "reinstall"),
        ("microdnf update -y", "upgrade"),
    ],
)
def test_dnf_command_aliases(text: str, action: str) -> None:
    assert op(text).action == action


def test_zypper() -> None:
    operation = op("zypper --non-interactive in --no-recommends curl=8.0 'tar>=1.34'")
    assert (operation.action, operation.yes, operation.no_recommends) == ("install", True, True)
    assert specs(operation) == [("curl", "=", "8.0", True), ("tar", ">=", "1.34", False)]
    assert op("zypper -n install x").yes
    assert op("zypper install -y x").yes
    assert not op("zypper install x").yes
    assert op("zypper cc -a").action == "clean"
    assert op("zypper clean").action == "clean"


def test_zypper_n_after_the_command_is_not_non_interactive() -> None:
    # Regression: `zypper install -n` is install's --name; only a global -n goes before the command.
    assert not op("zypper install -n curl").yes
    assert op("zypper -n install --name curl").yes
    assert op("zypper --non-interactive --quiet install curl").yes


def test_quoted_specs_with_expansions_keep_their_structure() -> None:
    # Regression: a quoted spec with an unknown value was read with its quotes, as an unpinned name.
    assert specs(op('pip install "flask==$FLASK_VERSION"')) == [("flask", "==", "$FLASK_VERSION", True)]
    assert specs(op("apt-get install -y 'curl='\"$V\"")) == [("curl", "=", "$V", True)]
    assert specs(op('pip install "$PACKAGE"')) == [("$PACKAGE", None, None, False)]


# --- pip -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("pip install flask==2.0", "pip"),
        ("pip3 install flask==2.0", "pip3"),
        ("pip3.11 install flask==2.0", "pip3.11"),
        ("python -m pip install flask==2.0", "python -m pip"),
        ("/usr/bin/python3 -m pip install flask==2.0", "python3 -m pip"),
        ("uv pip install flask==2.0", "uv pip"),
    ],
)
def test_pip_invocations(text: str, tool: str) -> None:
    operation = op(text)
    assert (operation.manager, operation.tool, operation.action) == ("pip", tool, "install")
    assert specs(operation) == [("flask", "==", "2.0", True)]


def test_pip_specs_and_options() -> None:
    operation = op(
        "pip install --no-cache-dir --user -r requirements.txt --requirement=dev.txt"
        " \"pandas>=2,<3\" requests[socks]~=2.31 'numpy==1.*' Django===4.2 -e ./lib"
        " 'six; python_version<\"3\"' --index-url https://pypi.example/simple"
    )
    assert operation.no_cache and operation.user
    assert [w.text for w in operation.requirements] == ["requirements.txt", "--requirement=dev.txt"]
    assert specs(operation) == [
        ("pandas", ">=", "2,<3", False),
        ("requests[socks]", "~=", "2.31", False),
        ("numpy", "==", "1.*", False),
        ("Django", "===", "4.2", True),
        ("six", None, None, False),
        ("./lib", None, None, False),
    ]
    assert operation.option("--index-url") == "https://pypi.example/simple"


def test_pip_cache_settings() -> None:
    assert not op("pip install x").no_cache
    assert op("PIP_NO_CACHE_DIR=1 pip install x").no_cache
    assert op("env PIP_NO_CACHE_DIR=off pip install x").no_cache
    assert op("uv pip install --no-cache x").no_cache
    assert op("pip cache purge").action == "clean"
    assert op("pip uninstall -y x").action == "remove"


# --- npm / yarn / pnpm -----------------------------------------------------------------------------


def test_npm() -> None:
    operation = op("npm install -g express@4 @types/node@^20.1 lodash@4.17.21 left-pad")
    assert (operation.manager, operation.action, operation.global_install) == ("npm", "install", True)
    assert specs(operation) == [
        ("express", "@", "4", True),
        ("@types/node", "@", "^20.1", False),
        ("lodash", "@", "4.17.21", True),
        ("left-pad", None, None, False),
    ]
    assert op("npm ci --omit=dev").production
    assert op("npm ci --only=production").production
    assert op("npm i --production").production
    assert not op("npm ci").production
    assert op("npm cache clean --force").action == "clean"
    assert analyze(parse("npm").commands[0]) is None


def test_yarn_and_pnpm() -> None:
    yarn = op("yarn global add pm2@5.3.0")
    assert (yarn.manager, yarn.action, yarn.global_install) == ("yarn", "install", True)
    assert specs(yarn) == [("pm2", "@", "5.3.0", True)]
    assert op("yarn").action == "install"
    assert op("yarn install --frozen-lockfile --production").production
    assert op("yarn cache clean").action == "clean"
    pnpm = op("pnpm add --prod x@latest")
    assert (pnpm.manager, pnpm.production, specs(pnpm)) == (
        "pnpm",
        True,
        [("x", "@", "latest", False)],
    )
    assert op("pnpm store prune").action == "clean"


# --- gem / go --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["gem i rails -v 7.1.3", "gem ins rails -v 7.1.3", "gem install rails -v 7.1.3"]
)
def test_gem_install_abbreviations(text: str) -> None:
    operation = op(text)
    assert operation.action == "install" and specs(operation) == [("rails", "-v", "7.1.3", True)]


def test_gem() -> None:
    operation = op("gem install bundler -v 2.4.22 --no-document")
    assert operation.no_docs and specs(operation) == [("bundler", "-v", "2.4.22", True)]
    assert specs(op("gem install rake:13.0.6 rails -N")) == [
        ("rake", ":", "13.0.6", True),
        ("rails", None, None, False),
    ]
    assert op("gem install rails -N").no_docs
    assert specs(op("gem install rails --version '~> 7.0'")) == [("rails", "-v", "~> 7.0", False)]


def test_go() -> None:
    operation = op("go install -ldflags=-s github.com/go-delve/delve/cmd/dlv@v1.21.0")
    assert (operation.manager, operation.action) == ("go", "install")
    assert specs(operation) == [("github.com/go-delve/delve/cmd/dlv", "@", "v1.21.0", True)]
    assert specs(op("go install example.com/x@latest")) == [("example.com/x", "@", "latest", False)]
    assert op("go clean -modcache").action == "clean"
    assert analyze(parse("go build -o /app .").commands[0]) is None


# --- downloads -------------------------------------------------------------------------------------


def downloads(text: str) -> list[Download]:
    return [o for o in operations(parse(text)) if isinstance(o, Download)]


def test_curl_piped_to_shell() -> None:
    (curl,) = downloads("curl -fsSL https://get.example.com/install.sh | sudo bash -s -- -y")
    assert [u.value for u in curl.urls] == ["https://get.example.com/install.sh"]
    assert curl.to_stdout and curl.piped_to_shell and not curl.piped_to_tar
    assert curl.fails_on_http_error and not curl.insecure
    assert [c.name for c in curl.piped_to] == ["bash"]


def test_download_outputs() -> None:
    wget, curl, remote, quiet = downloads(
        "wget -qO- https://x/a.tgz | tar -xz -C /opt && curl -k -Lo /tmp/x https://x/y"
        " && curl -O https://x/z && wget -q https://x/w"
    )
    assert wget.to_stdout and wget.piped_to_tar and wget.fails_on_http_error
    assert curl.output is not None and curl.output.value == "/tmp/x"
    assert not curl.to_stdout and curl.insecure and not curl.fails_on_http_error
    assert not remote.to_stdout and remote.output is None
    assert not quiet.to_stdout
    (wget_file,) = downloads("wget -O /tmp/k --no-check-certificate https://x")
    assert wget_file.output is not None and wget_file.output.value == "/tmp/k"
    assert wget_file.insecure


# --- users -----------------------------------------------------------------------------------------


def users(text: str) -> list[UserOp]:
    return [o for o in operations(parse(text)) if isinstance(o, UserOp)]


def test_users_and_groups() -> None:
    groupadd, useradd, adduser, addgroup, debian = users(
        "groupadd -r -g 1001 app && useradd -l -r -u 1001 -g app -m app"
        " && adduser -S -D -H -u 1000 bob && addgroup -S grp && adduser --system --uid 999 svc"
    )
    assert (groupadd.id, groupadd.system, groupadd.name and groupadd.name.value) == (
        "1001",
        True,
        "app",
    )
    assert (useradd.id, useradd.system, useradd.no_log_init) == ("1001", True, True)
    assert (adduser.id, adduser.system, adduser.no_log_init) == ("1000", True, False)
    assert addgroup.system and addgroup.id is None
    assert (debian.id, debian.system) == ("999", True)
    (plain,) = users("useradd --uid 123456 big")
    assert (plain.id, plain.no_log_init, plain.system) == ("123456", False, False)


# --- cache cleanup ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "manager", "cleans"),
    [
        ("apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*", "apt", True),
        ("apt-get update && apt-get install -y x && apt-get clean", "apt", True),
        ("apt-get update && apt-get install -y x", "apt", False),
        ("rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y x", "apt", False),
        ("apk add --no-cache x && apk add --no-cache y", "apk", True),
        ("apk add --no-cache x && apk add y", "apk", False),
        ("apk update && apk add y && rm -rf /var/cache/apk/*", "apk", True),
        ("yum -y install x && yum clean all", "yum", True),
        ("dnf install -y x && rm -rf /var/cache/dnf", "dnf", True),
        ("dnf install -y x && rm -rf /var/cache/libdnf5", "dnf", True),  # dnf5's cache
        ("pip install --no-cache-dir x", "pip", True),
        ("pip install x && rm -rf ~/.cache/pip", "pip", True),
        ("pip install x && rm -rf /root/.cache", "pip", True),
        ('pip install x && rm -rf "$HOME/.cache/pip"', "pip", True),
        ("pip install x && pip cache purge", "pip", True),
        ("pip install x", "pip", False),
        ("npm ci && npm cache clean --force", "npm", True),
        ("npm ci && rm -rf /root/.npm", "npm", True),
        ("yarn install && yarn cache clean", "yarn", True),
        ("zypper -n in x && zypper clean -a", "zypper", True),
        ("sh -c 'apt-get update && apt-get install -y x' && rm -rf /var/lib/apt/lists", "apt", True),
    ],
)
def test_cleans_cache(text: str, manager: Manager, cleans: bool) -> None:
    assert cleans_cache(parse(text), manager) is cleans


def test_cleanups_name_their_managers_and_paths() -> None:
    found = cleanups(parse("rm -rf /var/lib/apt/lists/* /tmp/x ~/.cache && apt-get clean && rm -f /a"))
    rm, clean = found
    assert isinstance(rm, CacheCleanup) and rm.how == "rm"
    assert [w.value for w in rm.paths] == ["/var/lib/apt/lists/*", "~/.cache"]
    assert rm.managers == {"apt", "pip", "yarn", "go"}
    assert (clean.how, clean.managers) == ("command", {"apt"})


@pytest.mark.parametrize(
    ("mounts", "manager", "mounted"),
    [
        ([("cache", "/var/cache/apt"), ("cache", "/var/lib/apt")], "apt", True),
        ([("cache", "/var/lib/apt/lists")], "apt", True),
        ([("cache", "/var/cache/apt/")], "apt", True),
        ([("bind", "/var/cache/apt")], "apt", False),
        ([("tmpfs", "/var/lib/apt/lists")], "apt", True),
        ([("cache", "/root/.cache/pip")], "pip", True),
        ([("cache", "/root/.cache")], "pip", True),
        ([("cache", "/home/app/.cache/pip")], "pip", True),
        ([("cache", "/home/app/.cache/go-build")], "pip", False),
        ([("cache", "/root/.npm")], "npm", True),
        ([("cache", "/var/cache/apk")], "apk", True),
        ([("cache", "/var/cache/apk")], "apt", False),
        ([("cache", "/go/pkg/mod")], "go", True),
        ([], "apt", False),
    ],
)
def test_cache_mounted(mounts: list[tuple[str, str]], manager: Manager, mounted: bool) -> None:
    assert cache_mounted(mounts, manager) is mounted


def test_installs_filters_by_manager() -> None:
    script = parse("apt-get update && apt-get install -y a && pip install b && npm ci")
    assert [o.manager for o in installs(script)] == ["apt", "pip", "npm"]
    assert [o.manager for o in installs(script, "pip")] == ["pip"]


# --- installed and removed again ---------------------------------------------------------------


OFFICIAL_APT = (
    'saved="$(apt-mark showmanual)"; apt-get update; apt-get install -y gcc make libssl-dev; '
    "make install; apt-mark auto '.*' > /dev/null; [ -z \"$saved\" ] || apt-mark manual $saved; "
    "ldd /usr/local/bin/x | awk '{ print $3 }' | xargs -r dpkg-query -S | cut -d: -f1 "
    "| xargs -r apt-mark manual; "
    "apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false"
)


@pytest.mark.parametrize(
    ("text", "gone", "everything"),
    [
        (OFFICIAL_APT, {"gcc", "make", "libssl-dev"}, True),
        (
            OFFICIAL_APT.replace("apt-mark auto '.*'", "apt-mark showmanual | xargs apt-mark auto"),
            {"gcc", "make", "libssl-dev"},
            True,
        ),
        (
            OFFICIAL_APT.replace("apt-mark manual $saved", "apt-mark manual $saved make"),
            {"gcc", "libssl-dev"},
            False,
        ),
        (OFFICIAL_APT.replace("apt-mark manual $saved", "apt-mark manual $OTHER"), set(), False),
        (OFFICIAL_APT.replace("--auto-remove", ""), set(), False),
        ("apt-get install -y gcc make && make && apt-get purge -y gcc", {"gcc"}, False),
        ("apt-get install -y gcc && apt-get autoremove -y", set(), False),
        ("apt-get install -y gcc && apt-mark auto gcc && apt-get autoremove -y", {"gcc"}, False),
        (
            "apk add --no-cache --virtual .build-deps gcc musl-dev && make "
            "&& apk del --no-network .build-deps",
            {"gcc", "musl-dev"},
            True,
        ),
        ("apk add -t .b gcc && apk del .b", {"gcc"}, True),
        ("apk add gcc make && apk del make", {"make"}, False),
        ("apk del .b && apk add -t .b gcc", set(), False),
    ],
)
def test_removals(text: str, gone: set[str], everything: bool) -> None:
    found = removals(parse(text))
    assert {name for r in found for name in r.names} == gone
    assert any(r.everything for r in found) is everything


def test_a_saved_list_taken_after_the_install_keeps_it() -> None:
    text = (
        "apt-get install -y gcc; saved=\"$(apt-mark showmanual)\"; apt-mark auto '.*'; "
        "apt-mark manual $saved; apt-get purge -y --auto-remove"
    )
    assert removals(parse(text)) == ()


def test_apt_mark_fed_by_a_pipe_keeps_unknown_libraries() -> None:
    (removal,) = removals(parse(OFFICIAL_APT))
    assert removal.kept_unknown
    assert removal.install.action == "install" and removal.remover.action == "purge"


# --- option values are not packages (each manager's options that take a value) ---------------------


@pytest.mark.parametrize(
    ("text", "packages"),
    [
        ("apt-get install -y -P nocheck --solver internal curl", ["curl"]),
        ("apk add --cache-max-age 60 --timeout 30 --from none curl", ["curl"]),
        (
            "dnf install -y --setopt tsflags=nodocs --disableplugin subscription-manager --color never nginx",
            ["nginx"],
        ),
        ("yum install -y --disableexcludes all --rpmverbosity error --advisory FEDORA-1 httpd", ["httpd"]),
        ("microdnf install -y --config /etc/dnf.conf --setopt install_weak_deps=0 nginx", ["nginx"]),
        ("zypper install -y --download in-advance --cache-dir /c -p http://r curl", ["curl"]),
        ("pip install --root-user-action ignore --use-feature truststore --cert ca.pem x", ["x"]),
        ("pip install --keyring-provider subprocess --group dev --resume-retries 3 x", ["x"]),
        ("npm install --loglevel warn --install-strategy nested --before 2024-01-01 lodash", ["lodash"]),
        ("yarn add --network-concurrency 1 --proxy http://p lodash", ["lodash"]),
        ("pnpm add --reporter silent --node-linker hoisted lodash", ["lodash"]),
        ("gem install --config-file /c --build-root /b rails", ["rails"]),
        ("go install -buildmode pie -compiler gc example.com/cmd@v1.0.0", ["example.com/cmd"]),
        ("pipx install --python python3.12 --suffix 3 --pip-args '--no-deps' black", ["black"]),
        ("pipx inject --index-url https://i black click isort==5.13.2", ["click", "isort"]),
    ],
)
def test_option_values_are_not_packages(text: str, packages: list[str]) -> None:
    assert [p.name for p in op(text).packages] == packages


def test_pipx_is_a_pip_install_and_other_pipx_commands_are_not() -> None:
    install = op("pipx install black==24.4.2")
    assert (install.manager, install.tool, install.action) == ("pip", "pipx", "install")
    assert specs(install) == [("black", "==", "24.4.2", True)]
    assert [o for o in operations(parse("pipx run black --check .")) if isinstance(o, PackageOp)] == []
    assert [o for o in operations(parse("pipx upgrade black")) if isinstance(o, PackageOp)] == []


def test_curl_tls_version_options_take_no_value() -> None:
    download = [
        o
        for o in operations(parse("curl --tlsv1.2 -fsSL https://example.com/x.tgz"))
        if isinstance(o, Download)
    ]
    assert [[u.value for u in d.urls] for d in download] == [["https://example.com/x.tgz"]]
