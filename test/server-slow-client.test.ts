import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { SseParser, type StreamEvent } from '../src/protocol/index.js';
import { startServer } from '../src/server/index.js';

describe('a stream client too slow to keep up', () => {
  it('is told to resync instead of the server buffering without bound', async () => {
    const server = await startServer({ port: 0, db: ':memory:', stream: { maxQueuedBytes: 256 * 1024, ringBytes: 4 * 1024 * 1024 } });
    try {
      const events: StreamEvent[] = [];
      const parser = new SseParser();
      const res = await new Promise<import('node:http').IncomingMessage>((resolve) => {
        request(`${server.url}/api/stream?follow=slow`, resolve).end();
      });
      res.setEncoding('utf8');
      res.pause();
      const y = Array.from({ length: 20_000 }, (_, i) => i);
      // ~200 KB per event; the paused reader lets the socket back up.
      let x = 0;
      for (let i = 0; i < 200; i++) {
        server.hub.publish({ type: 'points', executionId: 'slow', series: [{ key: 'k', x: Float64Array.from(y, () => x++), y: Float64Array.from(y) }] });
      }
      res.on('data', (chunk: string) => {
        for (const m of parser.push(chunk)) events.push(JSON.parse(m.data) as StreamEvent);
      });
      res.resume();
      const deadline = Date.now() + 10_000;
      while (!events.some((e) => e.type === 'resync') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(events.some((e) => e.type === 'resync')).toBe(true);
      const delivered = events.filter((e) => e.type === 'points').length;
      expect(delivered).toBeLessThan(200);
      res.destroy();
    } finally {
      await server.close();
    }
  });
});
