# syntax=docker/dockerfile:1
# Witness server image. Build from the repository root:
#   docker build -t witness .
#   docker run -p 127.0.0.1:4318:4318 -v witness-data:/data witness
# docs/install.md explains the options; deploy/compose.yaml adds Prometheus and Grafana.

# ---- build: the whole workspace with dev dependencies, compiled to dist/ (server, CLI) and the UI bundle.
FROM node:20.19-bookworm AS build
WORKDIR /src
# Manifests first, so the dependency layer is reused until a package.json or the lockfile changes.
COPY package.json package-lock.json ./
COPY packages/protocol/package.json packages/protocol/
COPY packages/sdk/package.json packages/sdk/
COPY packages/server/package.json packages/server/
COPY packages/ui/package.json packages/ui/
COPY packages/cli/package.json packages/cli/
COPY packages/cli/bin packages/cli/bin/
# --ignore-scripts: the root `prepare` script builds, and the sources are not here yet (no dependency
# needs an install script: DuckDB's and esbuild's binaries come as platform packages).
RUN npm ci --ignore-scripts
COPY . .
# The same tarballs as the npm install of docs/install.md: the image is that install, not a copy of
# the workspace (test/tarball-install.e2e.test.ts installs these tarballs with this exact line).
RUN npm run build \
  && mkdir -p /tmp/witness-tarballs \
  && npm pack --workspaces --pack-destination /tmp/witness-tarballs

# ---- runtime: the packed packages installed as a user would (`npm install` of the tarballs, which
# fetches their production dependencies), run as the unprivileged `node` user.
FROM node:20.19-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /tmp/witness-tarballs /tmp/witness-tarballs/
RUN npm install /tmp/witness-tarballs/witness-protocol-0.1.0.tgz /tmp/witness-tarballs/witness-server-0.1.0.tgz /tmp/witness-tarballs/witness-ui-0.1.0.tgz /tmp/witness-tarballs/witness-cli-0.1.0.tgz \
  && rm -rf /tmp/witness-tarballs \
  && npm cache clean --force \
  && mkdir /data \
  && chown node:node /data
ENV PATH=/app/node_modules/.bin:$PATH

USER node
# The DuckDB database and the audit log. Mount a named volume or a host directory here to keep them.
VOLUME ["/data"]
# OTLP/HTTP, the query API, the UI and /metrics share this one port. Witness has no OTLP/gRPC
# receiver (4317): point exporters at http/protobuf or http/json on 4318.
EXPOSE 4318
# Slim images have no curl: ask Node itself. WITNESS_PORT moves the server, so the probe follows it.
# Plain HTTP first, then HTTPS (server.tls set): a liveness probe on loopback, so the certificate is not
# checked here (clients check it).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const o={host:'127.0.0.1',port:process.env.WITNESS_PORT||process.env.WITNESS_SERVER_PORT||4318,path:'/readyz',rejectUnauthorized:false},get=m=>new Promise((ok,no)=>require(m).get(o,r=>ok(r.statusCode)).on('error',no));get('http').catch(()=>get('https')).then(s=>process.exit(s===200?0:1),()=>process.exit(1))"]
# The bin that `npx witness serve` runs after the npm install of docs/install.md, called directly:
# npx does not forward SIGTERM (docker stop) to it and would leave it running, orphaned.
# test/tarball-install.e2e.test.ts runs exactly this ENTRYPOINT + CMD in its install. Inside a
# container 0.0.0.0 is needed for the published port to reach it; publish it on 127.0.0.1 on the host
# unless it must be remote.
ENTRYPOINT ["witness"]
CMD ["serve", "--host", "0.0.0.0", "--data-dir", "/data"]
