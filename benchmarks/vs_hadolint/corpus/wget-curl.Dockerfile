FROM debian:12-slim
RUN apt-get update && apt-get install -y --no-install-recommends wget curl ca-certificates && rm -rf /var/lib/apt/lists/*
RUN wget https://example.com/a.tgz
RUN wget -q https://example.com/b.tgz
RUN wget --progress=dot:giga https://example.com/c.tgz
RUN wget -nv https://example.com/d.tgz && curl -fsSLO https://example.com/e.tgz
RUN wget --quiet -O - https://example.com/f.sh | sh
RUN curl -o /tmp/g.tgz https://example.com/g.tgz
