// The web listener's way to the daemon's admin actions: the admin socket, one
// connection per call (calls run one at a time per connection on the daemon's
// side, and a presence request may wait minutes; unix sockets are cheap).

import { connectAdmin } from '../../firmware/admin/socket-client.ts';
import type { AdminCaller } from './deps.ts';

export function socketAdminCaller(path: string, defaultTimeoutMs = 60_000): AdminCaller {
  return {
    async call(action, params, options) {
      const client = await connectAdmin(path, { timeoutMs: options?.timeoutMs ?? defaultTimeoutMs });
      try {
        return await client.call(action, params ?? {});
      } finally {
        client.close();
      }
    },
  };
}
