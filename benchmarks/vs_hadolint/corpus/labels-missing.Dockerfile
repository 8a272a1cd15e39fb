FROM python:3.12-slim AS build
LABEL org.opencontainers.image.source="https://github.com/example/billing"
WORKDIR /src
COPY . .
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.12-slim AS base
LABEL org.opencontainers.image.licenses="MIT"

FROM base
LABEL org.opencontainers.image.version="3.1.0"
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
USER 10001
CMD ["billing-worker"]
