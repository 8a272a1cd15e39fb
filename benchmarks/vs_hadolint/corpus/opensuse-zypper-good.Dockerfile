FROM opensuse/tumbleweed:latest
RUN zypper --non-interactive install --no-recommends \
        curl=8.7.1 \
        ca-certificates=2+git20240416 \
    && zypper clean --all
RUN zypper -n in -y postgresql16=16.2 && zypper clean -a
USER nobody
CMD ["postgres", "--version"]
