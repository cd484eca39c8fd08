# One image recipe for every service: `docker build --build-arg ENTRY=services/chat/src/main.ts .`
# The build runs the same steps as `npm start` (npm ci, then tsx runs the TypeScript sources),
# so what CI exercises is what ships.

# ---- deps: production dependencies only -------------------------------------------------
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY libs/shared/package.json libs/shared/
COPY services/gateway/package.json services/gateway/
COPY services/chat/package.json services/chat/
COPY services/sidekiq/package.json services/sidekiq/
COPY services/thread/package.json services/thread/
COPY dev/model-server/package.json dev/model-server/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ---- runtime: sources + deps, non-root ----------------------------------------------------
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps --chown=node:node /app/node_modules ./node_modules
COPY --chown=node:node package.json tsconfig.base.json ./
COPY --chown=node:node libs ./libs
COPY --chown=node:node services ./services
COPY --chown=node:node dev ./dev
USER node
ARG ENTRY=services/gateway/src/main.ts
ENV ENTRY=${ENTRY}
CMD ["sh", "-c", "exec node --import tsx \"$ENTRY\""]
