// A web app over a real store in a temp dir, the real admin actions run
// in-process (JSON round-tripped, as over the admin socket), and a simulated
// front panel whose button a test presses "by hand". A tiny cookie-keeping
// client speaks to it through fastify's inject().

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AdminDeps, runAdminAction } from '../../firmware/admin/actions.ts';
import { storeAddresses, storePasswords } from '../../firmware/admin/store-tools.ts';
import { type Board, createSimBoard, type FrontPanel, type SimBoard, startFrontPanel } from '../../firmware/gpio/index.ts';
import { ensureTlsFiles } from '../../firmware/net/tls.ts';
import { openStore } from '../../firmware/store/index.ts';
import type { MailStore } from '../../firmware/store/types.ts';
import type { ListenerStatus } from '../../firmware/supervisor/service.ts';
import type { SystemFacts } from '../../webui/api-types.ts';
import { buildApp } from '../../webui/server/app.ts';
import type { AdminCaller, WebDeps } from '../../webui/server/deps.ts';

export const ADMIN_PASSWORD = 'Correct-Horse-Battery-42';

export interface HarnessOptions {
  /** Dev mode (the UI may press the simulated button); default true. */
  readonly dev?: boolean;
  /** A board that is not simulated: presses only "by hand" (sim.press underneath). */
  readonly hardware?: boolean;
  readonly presenceTimeoutMs?: number;
  readonly deps?: Partial<WebDeps>;
  /** Extra admin deps (a log ring, mail counters). */
  readonly adminExtra?: Partial<AdminDeps>;
}

export interface Harness {
  readonly app: ReturnType<typeof buildApp>;
  readonly store: MailStore;
  readonly adminDeps: AdminDeps;
  readonly admin: AdminCaller;
  readonly panel: FrontPanel;
  /** The button underneath, pressed as a person would. */
  readonly sim: SimBoard;
  readonly dataDir: string;
  readonly staticDir: string;
  readonly deps: WebDeps;
  close(): Promise<void>;
}

const FACTS: SystemFacts = {
  cpuTempC: 48.5,
  load: [0.1, 0.2, 0.3],
  cpus: 4,
  memory: { totalBytes: 4 * 1024 ** 3, availableBytes: 3 * 1024 ** 3 },
  disk: { path: '/data', totalBytes: 32 * 1024 ** 3, freeBytes: 20 * 1024 ** 3 },
  uptimeSeconds: 3600,
  addresses: [{ iface: 'eth0', address: '192.0.2.10', family: 'IPv4' }],
};

/** A board that says it is real hardware: its button cannot be pressed from software. */
function hardwareBoard(sim: SimBoard): Board {
  return {
    driver: 'kernel',
    setLed: (name, pattern) => sim.setLed(name, pattern),
    ledState: () => sim.ledState(),
    state: () => ({ ...sim.state(), driver: 'kernel' }),
    onButton: (cb) => sim.onButton(cb),
    close: () => sim.close(),
  };
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pochta-web-'));
  const staticDir = join(dataDir, 'static');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Pochta</title><script src="/assets/app-1a2b3c4d5e.js"></script>');
  await writeFile(join(staticDir, 'assets', 'app-1a2b3c4d5e.js'), `console.log(${JSON.stringify('x'.repeat(5000))});\n`);
  const tls = { certPath: join(dataDir, 'tls', 'cert.pem'), keyPath: join(dataDir, 'tls', 'key.pem') };
  await ensureTlsFiles({ ...tls, hostname: 'mail.example.test' });
  const store = await openStore({ dir: join(dataDir, 'store') });
  const sim = createSimBoard({ longPressMs: 1500 });
  const listeners: ListenerStatus[] = [{ name: 'smtp', state: 'running', since: Date.now(), startedAt: Date.now(), restarts: 0 }];
  const panel = await startFrontPanel({
    listeners: { status: () => listeners, on: () => () => {} },
    board: options.hardware ? hardwareBoard(sim) : sim,
    onFactoryReset: () => {},
    longPressMs: 1500,
    debounceMs: 10,
  });
  const adminDeps: AdminDeps = {
    store,
    config: { dev: options.dev ?? true, dataDir: join(dataDir, 'store'), hostname: 'mail.example.test' },
    passwords: storePasswords,
    addresses: storeAddresses,
    listeners: () => listeners,
    panel,
    version: '0.0.0-test',
    now: Date.now,
    startedAt: Date.now() - 60_000,
    ...options.adminExtra,
  };
  // As over the socket: plain JSON both ways, errors keep their code and detail.
  const admin: AdminCaller = {
    async call(action, params = {}) {
      const result = await runAdminAction(adminDeps, action, JSON.parse(JSON.stringify(params)));
      return result === undefined ? null : JSON.parse(JSON.stringify(result));
    },
  };
  const deps: WebDeps = {
    admin,
    now: Date.now,
    dev: options.dev ?? true,
    secure: false,
    hostname: 'mail.example.test',
    dataDir: join(dataDir, 'store'),
    tls,
    staticDir,
    ssh: { authorizedKeys: join(dataDir, 'ssh', 'authorized_keys'), flagFile: join(dataDir, 'ssh-enabled'), user: 'pochta-admin' },
    resolver: () => {
      throw new Error('no DNS in this test');
    },
    systemFacts: async () => FACTS,
    probeTcp: async () => false,
    presenceTimeoutMs: options.presenceTimeoutMs ?? 20_000,
    pollMs: { status: 50, panel: 50, logs: 50 },
    ...options.deps,
  };
  const app = buildApp(deps);
  await app.ready();
  return {
    app,
    store,
    adminDeps,
    admin,
    panel,
    sim,
    dataDir,
    staticDir,
    deps,
    async close() {
      await app.close();
      await panel.close();
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export interface Reply {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test bodies are read by shape
  readonly json: any;
  readonly body: string;
  readonly headers: Record<string, string | string[] | number | undefined>;
}

/** One browser: keeps the session cookie and the CSRF token as the app would. */
export class Client {
  cookie: string | undefined;
  csrf = 'anonymous';
  private readonly app: Harness['app'];
  private readonly origin: string | undefined;
  constructor(app: Harness['app'], origin?: string) {
    this.app = app;
    this.origin = origin;
  }

  async req(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
    const unsafe = !['GET', 'HEAD'].includes(method);
    const res = await this.app.inject({
      method: method as 'GET',
      url,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(unsafe ? { 'x-pochta-csrf': this.csrf } : {}),
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...(this.origin ? { origin: this.origin } : {}),
        ...headers,
      },
      ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const setCookie = res.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const pair = c.split(';')[0]!;
      this.cookie = pair.endsWith('=') ? undefined : pair;
    }
    // biome-ignore lint/suspicious/noExplicitAny: test bodies are read by shape
    let json: any;
    try {
      json = res.json();
    } catch {
      json = undefined;
    }
    if (json && typeof json.csrfToken === 'string') this.csrf = json.csrfToken;
    if (!this.cookie) this.csrf = 'anonymous';
    return { status: res.statusCode, json, body: res.body, headers: res.headers };
  }
}

/** Wait until `check` returns true (polling), bounded. */
export async function until(check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The whole wizard: password, press (by hand on the board), details. Returns the signed-in admin client. */
export async function completeSetup(h: Harness, details: Record<string, unknown> = { domain: 'example.test' }): Promise<Client> {
  const c = new Client(h.app);
  const pw = await c.req('POST', '/api/setup/password', { password: ADMIN_PASSWORD });
  if (pw.status !== 200) throw new Error(`setup password: ${pw.body}`);
  const waiting = await c.req('POST', '/api/setup/presence');
  if (waiting.json?.presence !== 'waiting') throw new Error(`setup presence: ${waiting.body}`);
  await h.sim.press('short');
  await until(async () => (await c.req('GET', '/api/setup')).json.presence === 'confirmed');
  const done = await c.req('POST', '/api/setup/finish', details);
  if (done.status !== 200) throw new Error(`setup finish: ${done.body}`);
  return c;
}
