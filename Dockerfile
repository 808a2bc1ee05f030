# TaskFlow: build the single binary (browser bundle embedded), then ship it
# alone on a small Debian base.
#
#   docker build -t taskflow .
#   docker run -p 3000:3000 -v taskflow-data:/var/lib/taskflow taskflow
#
# Stage 1: the toolchain and the build (scripts/setup.sh installs the wasm32
# target, cargo-leptos, wasm-bindgen and wasm-opt; scripts/build.sh builds the
# site, then the server that embeds it).
FROM rust:1-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ENV CARGO_TARGET_DIR=/src/target
RUN scripts/setup.sh && scripts/build.sh && cp target/release/taskflow /taskflow

# Stage 2: just the binary.
FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/taskflow --create-home taskflow
COPY --from=build /taskflow /usr/local/bin/taskflow
USER taskflow
WORKDIR /var/lib/taskflow
VOLUME ["/var/lib/taskflow"]
# Set TASKFLOW_PUBLIC_URL to the https:// address people use (docker run -e …):
# only its host is answered and browsers' Origin is checked against it. The
# default suits a first try on this machine; sign-up stays off on 0.0.0.0 until
# TASKFLOW_ALLOW_SIGNUP=true (or create accounts with `taskflow create-user`).
ENV TASKFLOW_BIND=0.0.0.0:3000 \
    TASKFLOW_PUBLIC_URL=http://localhost:3000 \
    TASKFLOW_LOG_FORMAT=json
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/taskflow"]
CMD ["serve"]
