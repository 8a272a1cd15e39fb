FROM python:3.11-slim-bookworm
ENV PIP_NO_CACHE_DIR=off
RUN pip install -U pip setuptools wheel
RUN pip install --user httpie
RUN python -m pip install black==24.4.0 "ruff>=0.4" isort
RUN pip install -r requirements.txt -c constraints.txt
RUN pip install .
RUN pip install --no-cache-dir ./dist/tool-1.0-py3-none-any.whl
RUN pip3 install --requirement /tmp/dev.txt
RUN pip install --no-cache-dir "uvicorn[standard]"
RUN pip install poetry --break-system-packages
RUN pip download -d /wheels numpy
