FROM rust:latest
RUN apt-get update && apt-get install -y protobuf-compiler
RUN cargo install sqlx-cli cargo-watch
COPY . /usr/src/myapp
WORKDIR /usr/src/myapp
RUN cargo build --release
CMD ["./target/release/myapp"]
