/** `listenApi`: the HTTP server's limits on receiving requests. */
import { connect } from 'node:net';
import express from 'express';
import type { Express } from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { listenApi } from '../../src/api/index.js';
import type { ApiServer } from '../../src/api/index.js';

/** An app like the webhook route (buffers a raw body before looking at it) plus a long streamed answer like SSE. */
function testApp(): Express {
  const app = express();
  app.post('/hook', express.raw({ type: () => true, limit: 5 * 1024 * 1024 }), (req, res) => void res.json({ bytes: Buffer.isBuffer(req.body) ? req.body.length : 0 }));
  app.get('/stream', (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    let sent = 0;
    const timer = setInterval(() => {
      res.write(`data: ${sent}\n\n`);
      if (++sent === 6) {
        clearInterval(timer);
        res.end();
      }
    }, 100);
    res.on('close', () => clearInterval(timer));
  });
  return app;
}

/** Send raw bytes and resolve with everything the server answered once it closes the connection (or after `giveUpMs`). */
function rawExchange(url: string, text: string, giveUpMs: number): Promise<{ answer: string; closedByServer: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closedByServer: false });
    }, giveUpMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, closedByServer: true });
    });
    socket.write(text);
  });
}

describe('when the API server receives requests', () => {
  let server: ApiServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('should cut off a client that never finishes sending a webhook body (S1: requestTimeout was 0, so an unauthenticated client could hold a connection forever)', async () => {
    server = await listenApi({ api: { app: testApp(), close: async () => undefined }, port: 0, host: '127.0.0.1', requestTimeoutMs: 300, headersTimeoutMs: 200 });
    const partial = 'POST /hook HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"ref":';
    const { answer, closedByServer } = await rawExchange(server.url, partial, 10_000);
    expect(closedByServer, 'the server kept the connection open').toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('should not cut a long answer such as an event stream: the limit covers receiving the request only', async () => {
    server = await listenApi({ api: { app: testApp(), close: async () => undefined }, port: 0, host: '127.0.0.1', requestTimeoutMs: 200, headersTimeoutMs: 100 });
    const response = await fetch(`${server.url}/stream`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe([0, 1, 2, 3, 4, 5].map((i) => `data: ${i}\n\n`).join(''));
  });

  it('should refuse a request timeout that is not a positive integer', async () => {
    await expect(listenApi({ api: { app: testApp(), close: async () => undefined }, port: 0, requestTimeoutMs: 0 })).rejects.toThrow('requestTimeoutMs must be a positive integer, got 0');
  });
});
