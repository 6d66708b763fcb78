// A well-behaved listener: greets, answers, and uses the store through the proxy.

import type { ServiceFactory } from '../../../firmware/supervisor/service.ts';
import { createLineService } from './line-service.ts';

export const createService: ServiceFactory = (ctx) => createLineService(ctx);
