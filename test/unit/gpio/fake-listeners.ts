// A stand-in for the supervisor's status()/on('change') with settable listener states.

import type { ListenerView } from '../../../firmware/gpio/index.ts';
import type { ListenerName, ListenerState, ListenerStatus } from '../../../firmware/supervisor/index.ts';

export interface FakeListeners extends ListenerView {
  set(name: ListenerName, state: ListenerState, restarts?: number): void;
}

export function fakeListeners(names: readonly ListenerName[], state: ListenerState = 'starting'): FakeListeners {
  const statuses = new Map<ListenerName, ListenerStatus>(names.map((name) => [name, { name, state, since: 0, restarts: 0 }]));
  const subscribers = new Set<(s: ListenerStatus) => void>();
  return {
    status: () => [...statuses.values()],
    on(_event, fn) {
      subscribers.add(fn);
      return () => {
        subscribers.delete(fn);
      };
    },
    set(name, next, restarts) {
      const old = statuses.get(name);
      if (!old) throw new Error(`no listener ${name}`);
      const status = { ...old, state: next, restarts: restarts ?? old.restarts };
      statuses.set(name, status);
      for (const fn of subscribers) fn(status);
    },
  };
}
