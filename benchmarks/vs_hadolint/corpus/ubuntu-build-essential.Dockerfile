FROM ubuntu:20.04 AS toolchain

ARG DEBIAN_FRONTEND=noninteractive
ARG CMAKE_VERSION=3.29.2

RUN apt-get update && apt-get install -y -q \
        build-essential \
        ninja-build \
        pkg-config \
        git \
        wget \
        libssl-dev \
        zlib1g-dev \
    && apt-get clean

RUN wget -q https://github.com/Kitware/CMake/releases/download/v${CMAKE_VERSION}/cmake-${CMAKE_VERSION}-linux-x86_64.sh \
    && sh cmake-${CMAKE_VERSION}-linux-x86_64.sh --skip-license --prefix=/usr/local \
    && rm cmake-${CMAKE_VERSION}-linux-x86_64.sh

WORKDIR /src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release && cmake --build build --parallel

FROM ubuntu:20.04
COPY --from=toolchain /src/build/bin/ /usr/local/bin/
ENTRYPOINT ["/usr/local/bin/indexer"]
