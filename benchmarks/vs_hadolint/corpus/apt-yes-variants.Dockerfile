FROM ubuntu:22.04
ARG APT_FLAGS="-y --no-install-recommends"
ENV BUILD_PACKAGES="gcc make"
RUN apt-get update -qq && apt-get install -qq curl && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install --yes --no-install-recommends git && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -qy --no-install-recommends jq && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get --assume-yes install --no-install-recommends zip && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install $APT_FLAGS unzip && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get install -y --no-install-recommends $BUILD_PACKAGES && rm -rf /var/lib/apt/lists/*
RUN apt-get update && apt-get -q install -y --no-install-recommends xz-utils && rm -rf /var/lib/apt/lists/*
RUN apt-get remove -y unzip && apt-get autoremove -y
