FROM debian:bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends build-essential cmake
WORKDIR /src
COPY . .
RUN cmake -B out && cmake --build out

FROM debian:bookworm-slim AS runtime-base
RUN apt-get update && apt-get install -y --no-install-recommends libstdc++6

FROM runtime-base
COPY --from=build /src/out/app /usr/local/bin/app
CMD ["app"]
