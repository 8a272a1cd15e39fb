ARG PYTHON_VERSION=3.11

FROM python:${PYTHON_VERSION}-slim AS builder
ENV POETRY_VERSION=1.8.3 \
    POETRY_VIRTUALENVS_IN_PROJECT=true \
    POETRY_NO_INTERACTION=1
RUN pip install "poetry==$POETRY_VERSION"
WORKDIR /build
COPY pyproject.toml poetry.lock ./
RUN poetry install --only main --no-root
COPY src/ ./src/
RUN poetry build -f wheel && .venv/bin/pip install dist/*.whl

FROM python:${PYTHON_VERSION}-slim AS runtime
RUN useradd -m -u 10001 worker
COPY --from=builder /build/.venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"
USER worker
WORKDIR /home/worker
CMD ["python", "-m", "ingest.worker"]
