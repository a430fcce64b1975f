# One image for every Netra process; the command picks the role (gateway, worker, migrate).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY apps/gateway/package.json apps/gateway/
COPY apps/worker/package.json apps/worker/
COPY apps/web/package.json apps/web/
COPY packages/contracts/package.json packages/contracts/
COPY packages/config/package.json packages/config/
COPY packages/observability/package.json packages/observability/
COPY packages/db/package.json packages/db/
COPY packages/bus/package.json packages/bus/
COPY packages/runs/package.json packages/runs/
COPY packages/usage/package.json packages/usage/
COPY packages/llm/package.json packages/llm/
COPY packages/agents/package.json packages/agents/
COPY scripts/package.json scripts/
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
EXPOSE 3000 9464
# The gateway's young generation as GATEWAY_SEMI_SPACE_MB (8) sets it: change both together (README, Configuration).
CMD ["node", "--min-semi-space-size=8", "--max-semi-space-size=8", "apps/gateway/dist/main.js"]
