# syntax=docker/dockerfile:1.7
FROM debian:bookworm-slim

RUN <<EOT bash
  set -euo pipefail
  apt-get update
  apt-get install -y --no-install-recommends python3 python3-pip
  rm -rf /var/lib/apt/lists/*
EOT

RUN <<'PY' python3
import json, pathlib
pathlib.Path("/etc/app.json").write_text(json.dumps({"mode": "prod"}))
PY

COPY --chmod=755 <<'SH' /usr/local/bin/start
#!/bin/sh
exec python3 -m http.server 8000
SH

CMD ["start"]
