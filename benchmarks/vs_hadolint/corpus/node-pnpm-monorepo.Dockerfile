# syntax=docker/dockerfile:1.6
ARG NODE_VERSION=20.11.1
FROM node:${NODE_VERSION}-slim AS base
ENV PNPM_HOME="/pnpm"
ENV PATH="$PNPM_HOME:$PATH"
RUN corepack enable

FROM base AS deps
WORKDIR /repo
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json ./
COPY packages/api/package.json packages/api/
COPY packages/shared/package.json packages/shared/
RUN --mount=type=cache,id=pnpm,target=/pnpm/store pnpm install --frozen-lockfile

FROM deps AS build
COPY . .
RUN pnpm --filter api... run build
RUN pnpm deploy --filter=api --prod /out

FROM base
WORKDIR /app
COPY --from=build /out .
EXPOSE 8080
USER node
CMD [ "node", "dist/main.js" ]
