// Talking to the service manager (systemd's sd_notify protocol): READY=1,
// STATUS=..., WATCHDOG=1, STOPPING=1, sent as KEY=VALUE lines to the datagram
// socket named by $NOTIFY_SOCKET.
//
// Why a spawned `systemd-notify` and not our own socket: Node has no unix
// datagram sockets (node:dgram is UDP only, node:net is streams only), and the
// npm sd-notify packages are native addons that would have to be compiled for
// arm64 on the image. `systemd-notify` ships with systemd on every image.
// Its known weakness is a race: a short-lived sender that exits before PID 1
// reads the datagram cannot be matched to its unit, and the message is dropped
// (systemd issue #2737). Since systemd 246 systemd-notify closes that race
// itself: unless given --no-block it sends a BARRIER=1 after the message and
// waits until PID 1 has processed everything (sd_notify_barrier), so it is
// still alive, in our cgroup, while its message is read. Debian bookworm has
// systemd 252. The sender is our child, not the main PID, so the unit needs
// NotifyAccess=all ("any process in the service's cgroup"); --pid=$MAINPID is
// NOT what we want: it sends MAINPID=, which only re-states the main PID that
// systemd already knows (ExecStart runs node itself, Type=notify).

import { execFile } from 'node:child_process';
import type { Logger } from '../supervisor/index.ts';

/** One sd_notify message: field name to value, e.g. { READY: '1', STATUS: 'all listeners running' }. */
export type NotifyFields = Readonly<Record<string, string>>;

export interface Notifier {
  /** False off systemd (no NOTIFY_SOCKET): messages are dropped (or only recorded, in tests). */
  readonly active: boolean;
  /** Send one message; resolves once it was handed over (never rejects: a lost message is logged, not thrown). */
  send(fields: NotifyFields): Promise<void>;
}

export interface SystemdNotifierOptions {
  /** $NOTIFY_SOCKET of this process. */
  readonly socket: string;
  /** The systemd-notify binary; default from PATH. Tests point it at a fake that records its arguments. */
  readonly command?: string;
  /** A systemd-notify that has not finished by then is killed (its barrier waits for PID 1); default 5 s. */
  readonly timeoutMs?: number;
  readonly log?: Pick<Logger, 'warn'>;
}

/** sd_notify through `systemd-notify KEY=VALUE ...` (see the top of this file for why). */
export function systemdNotifier(options: SystemdNotifierOptions): Notifier {
  const command = options.command ?? 'systemd-notify';
  const timeout = options.timeoutMs ?? 5000;
  return {
    active: true,
    send(fields) {
      // Values are single-line by protocol; a newline would start a new field.
      const args = Object.entries(fields).map(([key, value]) => `${key}=${value.replace(/[\r\n]+/g, ' ')}`);
      return new Promise<void>((resolve) => {
        execFile(
          command,
          args,
          { timeout, killSignal: 'SIGKILL', env: { ...process.env, NOTIFY_SOCKET: options.socket } },
          (err, _stdout, stderr) => {
            if (err)
              options.log?.warn({ err: err.message, stderr: String(stderr).trim(), fields: Object.keys(fields) }, 'sd_notify failed');
            resolve();
          },
        );
      });
    },
  };
}

/** A notifier that only remembers what it was told: off systemd, and what tests look at. */
export interface RecordingNotifier extends Notifier {
  /** Every message, oldest first, with the time (ms on `now`) it was sent. */
  readonly sent: readonly { readonly at: number; readonly fields: NotifyFields }[];
}

export function recordingNotifier(now: () => number = Date.now, limit = 1000): RecordingNotifier {
  const sent: { at: number; fields: NotifyFields }[] = [];
  return {
    active: false,
    sent,
    send(fields) {
      sent.push({ at: now(), fields: { ...fields } });
      // Off systemd the daemon may run for months: keep only the recent past.
      if (sent.length > limit) sent.splice(0, sent.length - limit);
      return Promise.resolve();
    },
  };
}
