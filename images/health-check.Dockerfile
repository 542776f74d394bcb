# syntax=docker/dockerfile:1
# hookrunner health-check image: PreSync hook Jobs (and the chart's `helm test` pod) run
# `hookrunner check <http(s)://…|tcp://host:port> [--expect-status CODES] …`.
#   docker build -f images/health-check.Dockerfile -t hookrunner/health-check:0.1.0 .
# The build stage is the same text in all three Dockerfiles under images/ (one cached build).
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build

FROM ${NODE_IMAGE} AS runtime
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="hookrunner-health-check" \
      org.opencontainers.image.description="hookrunner check: HTTP or TCP readiness check for PreSync hooks" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
USER 10001:10001
ENTRYPOINT ["node", "/app/bin/hookrunner", "check"]
