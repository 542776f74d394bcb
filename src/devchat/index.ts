export { startMattermostServer } from './mattermost-server.js';
export type { MattermostEndpoint, MattermostPost, MattermostServer, MattermostServerOptions } from './mattermost-server.js';
export { startSlackServer } from './slack-server.js';
export type { SlackMessage, SlackMethod, SlackServer, SlackServerOptions } from './slack-server.js';
export type { Fault, RecordedRequest } from './server.js';
