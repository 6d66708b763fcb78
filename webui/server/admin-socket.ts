// The web listener's way to the daemon's admin actions: the admin socket, one
// connection per call (calls run one at a time per connection on the daemon's
// side, and a presence request may wait minutes; unix sockets are cheap).
// Only the connect is retried: until it succeeds nothing was sent, so a retry
// cannot run an action twice. A call that fails is never repeated.

import { connectAdmin } from '../../firmware/admin/socket-client.ts';
import type { AdminCaller } from './deps.ts';

const CONNECT_TRIES = 4;

export function socketAdminCaller(path: string, defaultTimeoutMs = 60_000): AdminCaller {
  const connect = async (timeoutMs: number) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await connectAdmin(path, { timeoutMs });
      } catch (err) {
        // A busy accept queue (EAGAIN) or a daemon restarting its socket: wait a moment and try again.
        if (attempt >= CONNECT_TRIES) throw err;
        await new Promise((resolve) => setTimeout(resolve, 25 * attempt));
      }
    }
  };
  return {
    async call(action, params, options) {
      const client = await connect(options?.timeoutMs ?? defaultTimeoutMs);
      try {
        return await client.call(action, params ?? {});
      } finally {
        client.close();
      }
    },
  };
}
