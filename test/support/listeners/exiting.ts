// Calls process.exit() on EXIT; on WRITE-EXIT it first sends a store write
// (deliver a body, not awaited) so the thread dies with a call in flight.

import type { ServiceFactory } from '../../../firmware/supervisor/service.ts';
import { createLineService } from './line-service.ts';

export const createService: ServiceFactory = (ctx) =>
  createLineService(ctx, {
    commands: {
      EXIT: () => process.exit(3),
      'WRITE-EXIT': (arg) => {
        const [accountId = '', text = ''] = arg.split(' ');
        const body = new TextEncoder().encode(`Subject: in flight\r\n\r\n${text}\r\n`);
        void ctx.store.deliver({ recipients: [{ accountId }], body });
        process.exit(4);
      },
    },
  });
