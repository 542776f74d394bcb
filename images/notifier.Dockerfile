# syntax=docker/dockerfile:1
# hookrunner notifier image: hook Jobs run `hookrunner notify` (Mattermost/Slack); it also
# reads the lab notifier's environment (message, url, token, scheme, port, channel_name, team_name).
#   docker build -f images/notifier.Dockerfile -t hookrunner/notifier:0.1.0 .
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
LABEL org.opencontainers.image.title="hookrunner-notifier" \
      org.opencontainers.image.description="hookrunner notify: posts a sync message to Mattermost or Slack" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
COPY bin ./bin
USER 10001:10001
ENTRYPOINT ["node", "/app/bin/hookrunner", "notify"]
