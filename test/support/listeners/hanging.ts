// Blocks its event loop forever on HANG: the socket stays bound, heartbeats stop.
// With options.hangOnStart its start() never resolves.

import type { ServiceFactory } from '../../../firmware/supervisor/service.ts';
import { createLineService } from './line-service.ts';

export const createService: ServiceFactory = (ctx) => {
  const service = createLineService(ctx, {
    commands: {
      HANG: () => {
        setImmediate(() => {
          for (;;) {
            // never yields
          }
        });
        return 'HANGING';
      },
    },
  });
  if (ctx.options?.['hangOnStart'] === true) return { ...service, start: () => new Promise<void>(() => setInterval(() => {}, 1000)) };
  return service;
};
