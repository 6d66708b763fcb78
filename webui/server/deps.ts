// What buildApp() needs, all passed in: the admin actions (over the daemon's
// admin socket in production, in-process in tests), the clock, paths and the
// few seams tests replace (DNS, host facts, TCP probes).

import type { TargetPaths } from '../../firmware/backup-schedule/index.ts';
import type { Resolver } from '../../firmware/net/resolver.ts';
import type { Logger, TlsFiles } from '../../firmware/supervisor/service.ts';
import type { SystemFacts } from '../api-types.ts';
import type { SrvLookup } from './srv-lookup.ts';

/** Runs an admin action by name (firmware/admin's table); rejects with the PochtaError it answered. */
export interface AdminCaller {
  /** One action; params are plain JSON. */
  call(action: string, params?: Readonly<Record<string, unknown>>, options?: { timeoutMs?: number }): Promise<unknown>;
}

export interface SshPaths {
  /** authorized_keys of the maintenance user. */
  readonly authorizedKeys: string;
  /** Exists while SSH should be on; the image's path unit starts or stops sshd on it. */
  readonly flagFile: string;
  /** The maintenance user's name, shown in the UI. */
  readonly user: string;
}

export interface WebDeps {
  readonly admin: AdminCaller;
  readonly now: () => number;
  /** Dev mode: plain HTTP, the simulated button can be pressed from the UI. */
  readonly dev: boolean;
  /** Appliance mode over HTTPS: Secure cookies and HSTS. */
  readonly secure: boolean;
  /** The daemon's configured host name (fallback until setup chooses one). */
  readonly hostname: string;
  readonly dataDir: string;
  readonly tls: TlsFiles;
  /** The browser app's built files (webui/app/dist). */
  readonly staticDir: string;
  readonly ssh: SshPaths;
  /** A resolver asking these servers (the dns.servers setting; empty = the system's). */
  readonly resolver: (servers: readonly string[]) => Resolver;
  readonly systemFacts: () => Promise<SystemFacts>;
  /** Can a TCP connection be opened to host:port within timeoutMs (outbound route check)? */
  readonly probeTcp: (host: string, port: number, timeoutMs: number) => Promise<boolean>;
  /** Called after the certificate files were replaced, so the web listener itself reloads them. */
  readonly onTlsChanged?: () => void | Promise<void>;
  readonly log?: Logger;
  /** How long a setup or recovery waits for the button (default 120 s). */
  readonly presenceTimeoutMs?: number;
  /** Failed logins allowed per IP and window (default 5 per 5 minutes). */
  readonly loginLimit?: { readonly max: number; readonly windowMs: number };
  /** Session idle and absolute lifetime (default 30 min and 12 h). */
  readonly sessionTimes?: { readonly idleMs: number; readonly absoluteMs: number };
  /** The openssl binary for a new self-signed certificate. */
  readonly openssl?: string;
  /** Where backup drives are looked for (default /proc/mounts, /media and /mnt). */
  readonly backupTargets?: TargetPaths;
  /** SRV lookups asking these servers (default node:dns at the dns.servers setting; the Resolver seam has no SRV). */
  readonly srv?: (servers: readonly string[]) => SrvLookup;
  /**
   * The "port 25 from outside" check: the port it connects to (default 25) and whether
   * a private or loopback address is tried anyway (default false: "cannot test from inside"),
   * how long it waits for the greeting (default 5 s).
   */
  readonly inboundProbe?: { readonly port: number; readonly tryPrivate: boolean; readonly timeoutMs?: number };
  /** Web UI updates: where bundles and request.json go (default <dataDir>/update), upload limit (default 512 MiB). */
  readonly update?: { readonly dir?: string; readonly maxBytes?: number };
  /** How often SSE streams look for changes (default status 2 s, panel 1 s, logs 1 s). */
  readonly pollMs?: { readonly status: number; readonly panel: number; readonly logs: number };
}
