# One image for every Cleave deployable: the monolith by default; an extracted module with its entry point as the
# command (`dist/apps/extracted/inventory/main.js`) or with MODULES=<module>. Build: `npm run image`.
# How to run, configure and check it: docs/operations/container-image.md.
ARG NODE_VERSION=20

# TypeScript compiled to JavaScript once, here, so the runtime needs neither tsx nor typescript (dev dependencies).
# Only typescript is installed (the lockfile's version): tsconfig.build.json emits without type-checking (`noCheck`),
# as tsx's type stripping does, so no dev dependency is needed; type-checking is `npm run typecheck`'s job in CI.
FROM docker.io/library/node:${NODE_VERSION}-slim AS build
WORKDIR /src
COPY package-lock.json ./
RUN npm install --prefix /opt/tsc --no-audit --no-fund --no-update-notifier \
      "typescript@$(node -p "require('./package-lock.json').packages['node_modules/typescript'].version")"
# package.json says "type": "module": NodeNext then emits ES modules.
COPY package.json tsconfig.json tsconfig.build.json ./
COPY apps/ apps/
COPY modules/ modules/
COPY platform/ platform/
RUN /opt/tsc/node_modules/.bin/tsc -p tsconfig.build.json

# Production dependencies only, from the lockfile. The registry may lack other platforms' optional binaries, which
# makes `npm ci` refuse the lockfile (see .ci/run): then `npm install` of the same locked versions.
FROM docker.io/library/node:${NODE_VERSION}-slim AS dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN (npm ci --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier \
      || npm install --omit=dev --ignore-scripts --no-audit --no-fund --no-update-notifier) \
 && find node_modules \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' \) -type f -delete

FROM docker.io/library/node:${NODE_VERSION}-slim
# Listen on every interface (the container's); keep PGlite's data in the /data volume; production defaults.
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/data \
    LOG_FORMAT=json
WORKDIR /app
COPY --chown=root:root package.json ./
COPY --from=dependencies --chown=root:root /app/node_modules/ node_modules/
COPY --from=build --chown=root:root /src/dist/ dist/
# Read at run time beside the compiled modules (`new URL('../../migrations/<m>', import.meta.url)`).
COPY --chown=root:root migrations/ dist/migrations/
# The operations page's script and style sheet, served from beside its compiled module.
COPY --chown=root:root platform/host/ops-page/assets/ dist/platform/host/ops-page/assets/
# The only place the process writes: everything else may be mounted read-only (--read-only).
RUN mkdir /data && chown node:node /data
VOLUME ["/data"]
USER node
EXPOSE 3000
# Node handles SIGTERM itself as PID 1 (runHost drains within SHUTDOWN_TIMEOUT_MS) and starts no child processes,
# so no init is needed.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 CMD ["node", "dist/apps/healthcheck.js"]
ENTRYPOINT ["node", "--enable-source-maps", "--wasm-tiering-budget=1000000000"]
CMD ["dist/apps/monolith/main.js"]
# Last, so that new labels (every commit) leave the layers above cached.
ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG SOURCE=""
ARG CREATED=""
LABEL org.opencontainers.image.title="cleave" \
      org.opencontainers.image.description="Cleave: a modular monolith whose modules run in one process or each in its own deployment" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.created="${CREATED}"
