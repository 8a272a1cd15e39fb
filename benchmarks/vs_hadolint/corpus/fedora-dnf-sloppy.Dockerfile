FROM fedora:39
RUN dnf upgrade -y
RUN dnf install gcc gcc-c++ cmake
RUN dnf -y install boost-devel
RUN microdnf install -y jq
WORKDIR /build
COPY . /build
RUN cmake . && make
CMD ["./solver"]
