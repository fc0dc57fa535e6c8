# syntax=docker/dockerfile:1
# Node 24 LTS ('Krypton', supported until April 2028), pinned to an exact release for both stages.
# Pin the digest too where the registry can be reached: `docker buildx imagetools inspect
# node:24.21.0-bookworm-slim` prints it; then NODE_IMAGE=node:24.21.0-bookworm-slim@sha256:<digest>.
ARG NODE_IMAGE=node:24.21.0-bookworm-slim

# Build stage: compile TypeScript with the full dependency set, then drop dev dependencies.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps apps
COPY libs libs
RUN npm run build && npm prune --omit=dev --ignore-scripts

# Runtime stage: production dependencies and compiled code only.
FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
# State (the credential sealing key when none is configured, uploaded archives): a volume shared
# by api and workers, and the only place they write (compose runs them on a read-only root).
RUN mkdir -p /var/lib/stevedore && chown node:node /var/lib/stevedore
# Non-root: give the container the Docker socket's group (compose: group_add) instead of root.
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/apps/api/src/main.js"]
