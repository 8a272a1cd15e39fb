FROM --platform=linux/amd64 python:3.12-slim AS legacy
RUN pip install --no-cache-dir pyodbc==5.1.0

FROM --platform=$BUILDPLATFORM golang:1.22 AS cross
ARG TARGETARCH
RUN GOARCH=$TARGETARCH go build -o /out/agent ./agent

FROM --platform=$TARGETPLATFORM alpine:3.19
COPY --from=cross /out/agent /usr/bin/agent
COPY --from=legacy /usr/local/lib/python3.12/site-packages /opt/py
ENTRYPOINT ["agent"]
