FROM debian:bullseye-slim

RUN set -eux; \
    savedAptMark="$(apt-mark showmanual)"; \
    apt-get update; \
    apt-get install -y --no-install-recommends \
        ca-certificates \
        dirmngr \
        gnupg \
        wget \
        xz-utils \
        make \
        gcc \
        libc6-dev \
        libssl-dev \
        zlib1g-dev \
    ; \
    rm -rf /var/lib/apt/lists/*; \
    \
    wget -O app.tar.xz "https://downloads.example.org/app/app-2.4.1.tar.xz"; \
    wget -O app.tar.xz.asc "https://downloads.example.org/app/app-2.4.1.tar.xz.asc"; \
    GNUPGHOME="$(mktemp -d)"; export GNUPGHOME; \
    gpg --batch --keyserver hkps://keys.openpgp.org --recv-keys 0123456789ABCDEF0123456789ABCDEF01234567; \
    gpg --batch --verify app.tar.xz.asc app.tar.xz; \
    gpgconf --kill all; \
    rm -rf "$GNUPGHOME" app.tar.xz.asc; \
    mkdir -p /usr/src/app; \
    tar -xJf app.tar.xz -C /usr/src/app --strip-components=1; \
    rm app.tar.xz; \
    cd /usr/src/app; \
    ./configure --prefix=/usr/local --enable-shared; \
    make -j "$(nproc)"; \
    make install; \
    cd /; \
    rm -rf /usr/src/app; \
    apt-mark auto '.*' > /dev/null; \
    [ -z "$savedAptMark" ] || apt-mark manual $savedAptMark; \
    find /usr/local -type f -executable -exec ldd '{}' ';' \
        | awk '/=>/ { print $(NF-1) }' \
        | sort -u \
        | xargs -r dpkg-query --search \
        | cut -d: -f1 \
        | sort -u \
        | xargs -r apt-mark manual \
    ; \
    apt-get purge -y --auto-remove -o APT::AutoRemove::RecommendsImportant=false; \
    app --version

CMD ["app"]
