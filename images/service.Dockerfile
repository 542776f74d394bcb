# syntax=docker/dockerfile:1
# hookrunner service image: `hookrunner serve` (API + orchestrator) by default; the same image
# runs `hookrunner worker` and `hookrunner dev-cluster` with another command.
#   docker build -f images/service.Dockerfile -t hookrunner/hookrunner:0.1.0 .
# Build from the repository root (see .dockerignore). The build stage is the same text in all
# three Dockerfiles under images/, so BuildKit builds it once and reuses it from its cache.
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
LABEL org.opencontainers.image.title="hookrunner" \
      org.opencontainers.image.description="hookrunner API, orchestrator, worker and dev cluster" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
ENV HOOKRUNNER_CACHE_DIR=/var/lib/hookrunner/git
WORKDIR /app
# git fetches application sources (the API's git cache); uid/gid 10001, not the base image's
# `node` (1000); /var/lib/hookrunner is writable by it (docker-compose's dev-cluster service
# shares its kubeconfig through a volume mounted there; HOOKRUNNER_CACHE_DIR points inside it).
RUN apt-get update \
 && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 hookrunner \
 && useradd --system --uid 10001 --gid 10001 --home-dir /var/lib/hookrunner --no-create-home \
      --shell /usr/sbin/nologin hookrunner \
 && install -d -o 10001 -g 10001 -m 0755 /var/lib/hookrunner
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
COPY examples ./examples
USER 10001:10001
EXPOSE 8080
# For the default `serve` role; roles without HTTP (worker, dev-cluster) override it, as
# docker-compose.yml does. Kubernetes ignores it and uses the chart's probes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["node", "/app/bin/hookrunner", "check", "http://127.0.0.1:8080/healthz", "--timeout", "3s"]
ENTRYPOINT ["node", "/app/bin/hookrunner"]
CMD ["serve"]
