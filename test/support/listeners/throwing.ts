// Throws an uncaught exception after start on CRASH, leaves a promise rejection
// unhandled on REJECT, runs out of heap on HOG;
// with options.failStart its start() rejects instead, every time.

import type { ServiceFactory } from '../../../firmware/supervisor/service.ts';
import { createLineService } from './line-service.ts';

export const createService: ServiceFactory = (ctx) => {
  const service = createLineService(ctx, {
    commands: {
      CRASH: () => {
        setImmediate(() => {
          throw new Error('listener bug on command');
        });
        return 'CRASHING';
      },
      REJECT: () => {
        void Promise.reject(new Error('forgotten rejection'));
        return 'REJECTING';
      },
      HOG: () => {
        setImmediate(() => {
          const hoard: string[][] = [];
          for (;;) hoard.push(Array.from({ length: 1e5 }, (_, i) => `leak ${i}`));
        });
        return 'HOGGING';
      },
    },
  });
  if (ctx.options?.['failStart'] === true) {
    return { ...service, start: () => Promise.reject(new Error('cannot start on purpose')) };
  }
  return service;
};
