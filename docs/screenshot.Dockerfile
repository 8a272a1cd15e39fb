FROM python:3.13-slim AS build
WORKDIR /src
COPY requirements.txt .
run pip install --prefix=/install -r requirements.txt

FROM python:3.13-slim
COPY --from=build /install /usr/local
RUN apt-get update && apt-get install -y curl
CMD python -m app
