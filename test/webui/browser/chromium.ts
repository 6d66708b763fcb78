// Debian's chromium driven by playwright-core, for the browser tests: no
// browser download, a fresh profile per launch, removed on close. Tests skip
// (with a message saying why) only when /usr/bin/chromium is not installed.

import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env['POCHTA_CHROMIUM'] ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is not installed (apt-get install -y chromium); browser tests skipped`;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** Screenshots for a person to look at; test-output/ is gitignored. */
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

/** Flags that keep chromium quiet and self-contained: no network beyond the page, no GPU, no sandbox (root in CI). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export interface Browser {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Where downloads may be saved; removed with the profile. */
  readonly scratch: string;
  /** Save a full-page PNG as test-output/screenshots/NAME.png. */
  screenshot(name: string, page?: Page): Promise<string>;
  close(): Promise<void>;
}

export async function launch(options: { readonly viewport?: { width: number; height: number } } = {}): Promise<Browser> {
  const profile = await mkdtemp(join(tmpdir(), 'pochta-chromium-'));
  const scratch = join(profile, 'scratch');
  await mkdir(scratch);
  const context = await chromium.launchPersistentContext(join(profile, 'user-data'), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_FLAGS,
    acceptDownloads: true,
    viewport: options.viewport ?? { width: 1280, height: 900 },
    timeout: 60_000,
  });
  context.setDefaultTimeout(20_000);
  const page = context.pages()[0] ?? (await context.newPage());
  // A page error is a bug in the app: make it fail loudly in the test output.
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(String(err)));
  return {
    context,
    page,
    scratch,
    async screenshot(name, target = page) {
      const file = join(SCREENSHOTS, `${name}.png`);
      await mkdir(dirname(file), { recursive: true });
      await target.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      try {
        await context.close();
      } finally {
        await rm(profile, { recursive: true, force: true });
      }
      if (errors.length > 0) throw new Error(`errors in the page:\n${errors.join('\n')}`);
    },
  };
}
