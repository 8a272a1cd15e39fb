FROM debian:12
RUN useradd app
RUN useradd -l -u 70000 bigid
RUN useradd --uid 123456789 -m huge
RUN useradd --no-log-init -u 99999999 fine
RUN groupadd -g 3000 grp && useradd -u 3000 -g grp small
RUN adduser --disabled-password --gecos '' --uid 5000000 deb
USER app
