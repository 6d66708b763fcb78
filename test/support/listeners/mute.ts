// Keeps accepting connections and heartbeating, but after MUTE never greets a
// new client again: only a probe can tell it is broken.

import type { ServiceFactory } from '../../../firmware/supervisor/service.ts';
import { createLineService } from './line-service.ts';

export const createService: ServiceFactory = (ctx) => {
  let greeting = true;
  return createLineService(ctx, {
    greets: () => greeting,
    commands: {
      MUTE: () => {
        greeting = false;
        return 'MUTED';
      },
    },
  });
};
