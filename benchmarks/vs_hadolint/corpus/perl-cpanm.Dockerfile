FROM perl:5.38-slim
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev libexpat1-dev \
    && rm -rf /var/lib/apt/lists/*
RUN cpanm --notest Mojolicious@9.36 DBD::SQLite
WORKDIR /opt/app
COPY . .
EXPOSE 3000
CMD ["perl", "script/app", "daemon", "-l", "http://*:3000"]
