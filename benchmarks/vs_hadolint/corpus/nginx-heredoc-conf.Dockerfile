# syntax=docker/dockerfile:1.4
FROM nginx:1.26-bookworm

RUN <<EOF
set -e
apt-get update
apt-get install -y --no-install-recommends curl
rm -rf /var/lib/apt/lists/*
EOF

COPY <<EOF /etc/nginx/conf.d/default.conf
server {
    listen 8080;
    location / {
        proxy_pass http://backend:9000;
        proxy_set_header Host \$host;
    }
}
EOF

EXPOSE 8080
HEALTHCHECK CMD curl --fail http://localhost:8080/ || exit 1
