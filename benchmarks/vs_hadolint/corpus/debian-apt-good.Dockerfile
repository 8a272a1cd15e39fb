FROM debian:bookworm-20240408-slim

SHELL ["/bin/bash", "-o", "pipefail", "-c"]

RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates=20230311 \
      curl=7.88.1-10+deb12u5 \
      gnupg=2.2.40-1.1 \
 && curl -fsSL https://packages.example.com/gpg | gpg --dearmor -o /usr/share/keyrings/example.gpg \
 && apt-get purge -y --auto-remove gnupg \
 && rm -rf /var/lib/apt/lists/*

RUN useradd --no-log-init --create-home --uid 1000 app
USER app
WORKDIR /home/app
CMD ["bash"]
