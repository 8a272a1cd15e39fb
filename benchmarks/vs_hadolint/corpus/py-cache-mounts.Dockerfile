# syntax=docker/dockerfile:1
FROM python:3.12-bookworm AS deps
RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \
    --mount=type=cache,target=/var/lib/apt,sharing=locked \
    rm -f /etc/apt/apt.conf.d/docker-clean \
    && apt-get update \
    && apt-get install -y --no-install-recommends build-essential libxml2-dev
WORKDIR /wheels
COPY requirements/ requirements/
RUN --mount=type=cache,target=/root/.cache/pip \
    pip wheel -r requirements/prod.txt -w /wheels

FROM python:3.12-slim-bookworm
COPY --from=deps /wheels /wheels
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install /wheels/*.whl
COPY --chown=nobody:nogroup service/ /opt/service/
USER nobody
CMD ["python", "/opt/service/main.py"]
