FROM postgres:16.2-bookworm
ENV POSTGRES_DB=orders
COPY initdb/*.sql /docker-entrypoint-initdb.d/
COPY initdb/seed.sh /docker-entrypoint-initdb.d/
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-16-pgvector \
    && rm -rf /var/lib/apt/lists/*
RUN localedef -i de_DE -c -f UTF-8 -A /usr/share/locale/locale.alias de_DE.UTF-8
ENV LANG de_DE.utf8
