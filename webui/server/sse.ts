// Server-sent events: the stream is written by hand (reply.hijack), so the
// security headers are set here too. Each stream polls its sources and sends
// an event only when the JSON changed; a comment line every 15 s keeps proxies
// and the browser from timing it out.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { securityHeaders } from './gate.ts';

export interface SseSource {
  readonly event: string;
  readonly everyMs: number;
  /** The current value, or a list of values to send one by one (log lines). */
  read(): Promise<unknown>;
  /** Send every value read (log lines) rather than only changes. */
  readonly stream?: boolean;
}

export interface SseLimits {
  open: number;
  readonly max: number;
  /** Ends every open stream of the app; the server calls them when it stops (a stream never ends by itself). */
  readonly closers?: Set<() => void>;
}

export function openEventStream(
  request: FastifyRequest,
  reply: FastifyReply,
  sources: readonly SseSource[],
  limits: SseLimits,
  secure: boolean,
): void {
  if (limits.open >= limits.max) {
    reply.code(503).send({ error: { code: 'RATE_LIMITED', message: 'Too many live pages are open. Close one and reload.' } });
    return;
  }
  limits.open++;
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    ...securityHeaders(secure),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.write(': connected\n\n');
  const timers: NodeJS.Timeout[] = [];
  let closed = false;
  const last = new Map<string, string>();
  const send = (event: string, data: unknown) => {
    if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  for (const source of sources) {
    let busy = false;
    const tick = async () => {
      if (busy || closed) return;
      busy = true;
      try {
        const value = await source.read();
        if (source.stream) {
          for (const item of value as unknown[]) send(source.event, item);
        } else {
          const text = JSON.stringify(value);
          if (last.get(source.event) !== text) {
            last.set(source.event, text);
            send(source.event, value);
          }
        }
      } catch {
        // The daemon was briefly unreachable (a restart): try again on the next tick.
      } finally {
        busy = false;
      }
    };
    void tick();
    timers.push(setInterval(() => void tick(), source.everyMs));
  }
  timers.push(setInterval(() => !closed && res.write(': ping\n\n'), 15_000));
  const close = () => {
    if (closed) return;
    closed = true;
    limits.open--;
    limits.closers?.delete(end);
    for (const t of timers) clearInterval(t);
  };
  const end = () => {
    close();
    res.end();
  };
  limits.closers?.add(end);
  request.raw.on('close', close);
  res.on('close', close);
}
