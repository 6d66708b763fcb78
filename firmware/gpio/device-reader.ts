// Reads a device node (or FIFO, or growing file) without blocking a libuv
// thread: opened O_NONBLOCK and drained every few ms. A blocking read on
// /dev/input/eventN would hold a threadpool thread until the next key press
// and keep the process alive after close.

import { closeSync, constants, openSync, readSync } from 'node:fs';
import type { Timers } from '../supervisor/index.ts';

export interface DeviceReader {
  close(): void;
}

export function openDeviceReader(
  path: string,
  options: {
    readonly timers: Timers;
    readonly intervalMs: number;
    readonly onData: (chunk: Buffer) => void;
    readonly onError: (err: unknown) => void;
  },
): DeviceReader {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  const buf = Buffer.alloc(24 * 64);
  let closed = false;
  const drain = (): void => {
    if (closed) return;
    try {
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, null);
        // 0: end of a file or a FIFO without a writer right now; more may come later.
        if (n === 0) break;
        options.onData(Buffer.from(buf.subarray(0, n)));
        if (n < buf.length) break;
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') {
        closed = true;
        options.timers.clearInterval(timer);
        options.onError(err);
      }
    }
  };
  const timer = options.timers.setInterval(drain, options.intervalMs);
  return {
    close() {
      if (closed) {
        try {
          closeSync(fd);
        } catch {}
        return;
      }
      closed = true;
      options.timers.clearInterval(timer);
      closeSync(fd);
    },
  };
}
