// Fault injection for tests and demos (`pochta debug crash|exit|hang LISTENER`):
// make one listener throw, exit, or stop its event loop, to watch the
// supervisor and the LEDs recover. These actions are added to the daemon's
// action table only in dev mode; an appliance does not have them at all.

import { PochtaError } from '../errors.ts';
import type { FaultKind } from '../supervisor/index.ts';
import { LISTENER_NAMES, type ListenerName } from '../supervisor/service.ts';
import type { AdminAction, AdminDeps } from './actions.ts';

/** The CLI's words for the fault kinds. */
export const DEBUG_FAULTS: Readonly<Record<string, FaultKind>> = { crash: 'throw', exit: 'exit', hang: 'hang' };

const debugFault: AdminAction = async (deps: AdminDeps, params) => {
  const name = params['name'];
  const kind = params['kind'];
  if (typeof name !== 'string' || !(LISTENER_NAMES as readonly string[]).includes(name)) {
    throw new PochtaError('INVALID_ARGUMENT', `name: expected one of ${LISTENER_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
  if (kind !== 'throw' && kind !== 'exit' && kind !== 'hang') {
    throw new PochtaError('INVALID_ARGUMENT', `kind: expected throw, exit or hang, got ${JSON.stringify(kind)}`);
  }
  if (!deps.fault) throw new PochtaError('DAEMON_NOT_RUNNING', 'faults can only be injected into a running daemon');
  deps.fault(name as ListenerName, kind);
  return { name, kind };
};

/** Dev-mode-only actions, merged into the table by withDebugActions(). */
export const DEBUG_ACTIONS: ReadonlyMap<string, AdminAction> = new Map([['debug.fault', debugFault]]);

/** The action table of a daemon: the debug actions exist only in dev mode. */
export function actionTable(base: ReadonlyMap<string, AdminAction>, dev: boolean): ReadonlyMap<string, AdminAction> {
  return dev ? new Map([...base, ...DEBUG_ACTIONS]) : base;
}
