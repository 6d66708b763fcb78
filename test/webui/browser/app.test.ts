// The web app in Debian's chromium against a real daemon (dev mode,
// simulated front panel): complete the setup wizard with the simulated
// button, check errors appear next to their field, add a user and see it on
// the dashboard, download a backup, sign out and in, and leave a screenshot
// of every main page in test-output/screenshots/ for a person to look at.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { buildWebApp } from '../../../webui/app/build.ts';
import { startDaemon, type TestDaemon } from '../../support/daemon.ts';
import { type Browser, chromiumMissing, launch } from './chromium.ts';

const APP = fileURLToPath(new URL('../../../webui/app/', import.meta.url));
const ADMIN_PASSWORD = 'Quiet-harbour-lamp-2026';
const ANNA_PASSWORD = 'Green-meadow-kettle-91';
const BOB_PASSWORD = 'Blue-river-lantern-77';

/** The server serves webui/app/dist: build it when missing or older than a source file. */
async function ensureBuilt(): Promise<void> {
  const index = join(APP, 'dist', 'index.html');
  if (existsSync(index)) {
    const built = (await stat(index)).mtimeMs;
    const sources = await readdir(join(APP, 'src'), { recursive: true });
    const times = await Promise.all(sources.map(async (s) => (await stat(join(APP, 'src', s))).mtimeMs));
    if (times.every((t) => t <= built)) return;
  }
  await buildWebApp();
}

/** Names in a tar archive (ustar headers; pax extended headers are skipped). */
function tarNames(tar: Buffer): string[] {
  const names: string[] = [];
  for (let offset = 0; offset + 512 <= tar.length; ) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const prefix = field(345, 155);
    if (type !== 'x' && type !== 'g') names.push(prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return names;
}

/** Wait until a page has finished its first loads (no "Loading…" left), bounded. */
async function settled(page: Page): Promise<void> {
  await page.locator('main h1, .center-page h1').first().waitFor();
  // Polled from here: the box's Content-Security-Policy forbids the eval that waitForFunction(string) needs.
  const deadline = Date.now() + 10_000;
  while ((await page.getByText('Loading…').count()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  // A slow check (DNS from a box without internet) still deserves its screenshot, so no failure here.
}

/** Inputs, selects and textareas that a screen reader could not name (no label, no aria-label). */
async function unlabelledControls(page: Page): Promise<{ checked: number; missing: string[] }> {
  const missing: string[] = [];
  const controls = page.locator('main input:not([type=hidden]), main select, main textarea');
  for (let i = 0; i < (await controls.count()); i++) {
    const control = controls.nth(i);
    if (await control.getAttribute('aria-label')) continue;
    const id = await control.getAttribute('id');
    const labels = id ? await page.locator(`label[for="${id}"], label:has(#${id})`).count() : 0;
    if (labels === 0) missing.push(id ?? `${await control.getAttribute('name')} (no id)`);
  }
  return { checked: await controls.count(), missing };
}

const skip = chromiumMissing();

describe('the web app in chromium', { skip, timeout: 240_000 }, () => {
  let daemon: TestDaemon;
  let browser: Browser;
  let base: string;

  before(async () => {
    await ensureBuilt();
    daemon = await startDaemon({ args: ['--dev'] });
    const web = daemon.addresses.web;
    assert.ok(web, 'the web listener runs');
    base = `http://127.0.0.1:${web.port}`;
    browser = await launch();
  });

  after(async () => {
    try {
      await browser?.close();
    } finally {
      const code = await daemon?.stop();
      if (broken) console.log(`daemon output (exit ${code}):\n${daemon?.output().slice(-6000)}`);
    }
  });

  // The steps build on each other: after a failure the rest are skipped (not
  // left to time out one by one), and the page is saved to show what went wrong.
  let broken: string | undefined;
  const step = (name: string, fn: () => Promise<void>) =>
    test(name, async (t) => {
      if (broken) return t.skip(`an earlier step failed: ${broken}`);
      try {
        await fn();
      } catch (err) {
        broken = name;
        await browser.screenshot(`failed-${name.replace(/[^a-z0-9]+/gi, '-').slice(0, 40)}`).catch(() => {});
        throw err;
      }
    });

  step('setup wizard: password, the simulated button, mail details', async () => {
    const page = browser.page;
    await page.goto(base);
    await page.getByRole('heading', { level: 1, name: 'Set up your Pochta box', exact: true }).waitFor();
    await browser.screenshot('01-setup-password');

    // A typo in the second password is shown under that field, and nothing is sent.
    await page.getByLabel('Admin password').fill(ADMIN_PASSWORD);
    await page.getByLabel('Type it again').fill(`${ADMIN_PASSWORD}x`);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('#setup-confirm-error').waitFor();
    assert.equal(await page.getByLabel('Type it again').getAttribute('aria-invalid'), 'true');

    await page.getByLabel('Type it again').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('heading', { level: 2, name: 'Press the button on the box', exact: true }).waitFor();
    await page.getByText('Waiting for the button').waitFor();
    await browser.screenshot('02-setup-press-the-button');
    await page.getByRole('button', { name: 'Press the simulated button' }).click();

    await page.getByLabel('Mail domain').waitFor();
    // The box's own validation comes back next to the field it is about.
    await page.getByLabel('Mail domain').fill('not a domain');
    await page.getByRole('button', { name: 'Finish setup' }).click();
    const domainError = page.locator('#setup-domain-error');
    await domainError.waitFor();
    assert.ok(((await domainError.textContent()) ?? '').length > 5);
    await browser.screenshot('03-setup-details-error');

    await page.getByLabel('Mail domain').fill('office.test');
    await page.getByLabel('Address').fill('anna@office.test');
    await page.getByLabel('Full name').fill('Anna Berg');
    await page.getByLabel('Password', { exact: true }).fill(ANNA_PASSWORD);
    await page.getByRole('button', { name: 'Finish setup' }).click();
    await page.getByRole('heading', { level: 2, name: 'Your box is ready', exact: true }).waitFor();
    await browser.screenshot('04-setup-done');
    await page.getByRole('button', { name: 'Go to the dashboard' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard', exact: true }).waitFor();
  });

  step('dashboard: listeners, live updates, the first user', async () => {
    const page = browser.page;
    await page.locator('tr[data-listener="smtp"]').getByText('Running').waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    await page.getByTestId('dashboard-users').getByText('anna@office.test').waitFor();
    await page.locator('[data-led]').first().waitFor();
    await settled(page);
    await browser.screenshot('05-dashboard');

    // A user added over SSH (the CLI) shows up without a reload: the status event carries the new count.
    const added = await daemon.cli(['user', 'add', 'carol@office.test'], { stdin: 'Silver-orchard-piano-58\n' });
    assert.equal(added.code, 0, added.stderr);
    await page.getByTestId('dashboard-users').getByText('carol@office.test').waitFor({ timeout: 15_000 });
  });

  step('users: a bad address is shown at its field; a new user appears in the list and on the dashboard', async () => {
    const page = browser.page;
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Users', exact: true }).waitFor();

    const form = page.locator('form', { has: page.getByRole('button', { name: 'Add user' }) });
    await form.getByLabel('Mail address').fill('bob at office');
    await form.getByLabel('Password').fill(BOB_PASSWORD);
    await form.getByRole('button', { name: 'Add user' }).click();
    await page.locator('#newuser-address-error').waitFor();
    assert.equal(await form.getByLabel('Mail address').getAttribute('aria-invalid'), 'true');

    await form.getByLabel('Mail address').fill('bob@office.test');
    await form.getByLabel('Full name').fill('Bob Lind');
    await form.getByLabel('Password').fill(BOB_PASSWORD);
    await form.getByLabel('Mailbox size limit').fill('500M');
    await form.getByRole('button', { name: 'Add user' }).click();
    await page.getByText('Added bob@office.test.').waitFor();
    await page.getByTestId('users-table').getByText('bob@office.test').waitFor();
    await settled(page);
    await browser.screenshot('06-users');

    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByTestId('dashboard-users').getByText('bob@office.test').waitFor();
  });

  step('backup: the download is a non-empty tar of the store', async () => {
    const page = browser.page;
    await page.goto(`${base}/#/backup`);
    await page.getByRole('heading', { level: 1, name: 'Backup and restore', exact: true }).waitFor();
    await settled(page);
    await browser.screenshot('07-backup');
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('backup-download').click()]);
    assert.match(download.suggestedFilename(), /\.tar$/);
    const file = join(browser.scratch, 'backup.tar');
    await download.saveAs(file);
    const tar = await readFile(file);
    assert.ok(tar.length > 1024, `backup is ${tar.length} bytes`);
    assert.equal(tar.subarray(257, 262).toString('latin1'), 'ustar', 'a POSIX tar');
    const names = tarNames(tar);
    assert.ok(
      names.some((n) => /(^|\/)db\//.test(n)),
      `the store's database is in it: ${names.slice(0, 10).join(', ')}`,
    );

    // Restoring it: without the confirmation tick the page says what is missing, under the tick box.
    await page.locator('#restore-file').setInputFiles(file);
    await page.getByRole('button', { name: 'Restore this backup' }).click();
    await page.getByText('Tick the box to confirm').waitFor();
    await page.getByLabel('I understand that all current mail').check();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Restore this backup' }).click();
    await page.getByText('will replace the current data when the box restarts next').waitFor();
    await browser.screenshot('08-restore-staged');
    await page.getByRole('button', { name: 'Cancel the restore' }).click();
    await page.getByText('Restore cancelled').waitFor();
    await page.getByRole('button', { name: 'Restore this backup' }).waitFor();
  });

  step('scheduled backup: a folder, a field error, "back up now", the result on the page', async () => {
    const page = browser.page;
    // Dev mode takes a folder on the same disk (a laptop has no USB stick for the test); the box does not.
    const target = join(browser.scratch, 'usb-backups');
    await mkdir(target, { recursive: true });
    await page.goto(`${base}/#/backup`);
    await settled(page);
    await page.getByLabel('Folder').fill(target);
    await page.getByLabel('How often').selectOption('hours');
    await page.getByLabel('Every how many hours').fill('500');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.locator('#bsched-everyHours-error').waitFor();
    await page.getByLabel('Every how many hours').fill('6');
    await page.getByLabel('Backups to keep').fill('3');
    await page.getByRole('button', { name: 'Save schedule' }).click();
    await page.getByText('Schedule saved.').waitFor();
    await page.getByTestId('schedule-status').waitFor();
    // A new schedule runs within the minute anyway; the button does it now.
    await page.getByTestId('backup-now').click();
    await page.getByTestId('last-ok').waitFor({ timeout: 60_000 });
    const files = (await readdir(target)).filter((n) => /^pochta-backup-.*\.tar$/.test(n));
    assert.equal(files.length >= 1, true, `a backup in the folder: ${files.join(', ')}`);
    assert.match((await page.getByTestId('last-ok').textContent()) ?? '', /pochta-backup-/);
    await browser.screenshot('09-backup-scheduled');
  });

  step('software update: the running version; in dev mode it says plainly that nothing installs', async () => {
    const page = browser.page;
    await page.goto(`${base}/#/update`);
    await settled(page);
    await page.getByTestId('installer-absent').waitFor();
    assert.match((await page.getByTestId('running-version').textContent()) ?? '', /\d+\.\d+/);
    await page.getByRole('button', { name: 'Upload and install' }).click();
    await page.locator('#update-file-error').waitFor();
    await browser.screenshot('09-update');
  });

  step('settings: a bad network is shown under the list, naming its line; a good one is saved', async () => {
    const page = browser.page;
    await page.goto(`${base}/#/relay`);
    await settled(page);
    const networks = page.getByLabel('Networks (one per line)');
    await networks.fill('127.0.0.1/32\nnot a network');
    await page.getByRole('button', { name: 'Save networks' }).click();
    const error = page.locator('#relay-relay-trustedNetworks-error');
    await error.waitFor();
    assert.match((await error.textContent()) ?? '', /^⚠?\s*Line 2: /);
    assert.equal(await networks.getAttribute('aria-invalid'), 'true');
    await networks.fill('127.0.0.1/32\n192.168.1.0/24');
    await page.getByRole('button', { name: 'Save networks' }).click();
    await page.getByText('Saved. Machines in these networks').waitFor();
    await page.reload();
    await settled(page);
    assert.equal(await page.getByLabel('Networks (one per line)').inputValue(), '127.0.0.1/32\n192.168.1.0/24');
  });

  step('a screenshot of every main page, on a desktop and on a phone', async () => {
    const page = browser.page;
    const routes = [
      '/health',
      '/domains',
      '/aliases',
      '/queue',
      '/clients',
      '/relay',
      '/dnsbl',
      '/limits',
      '/dns',
      '/tls',
      '/ssh',
      '/logs',
      '/update',
      '/account',
    ];
    let checkedControls = 0;
    for (const [i, route] of routes.entries()) {
      await page.goto(`${base}/#${route}`);
      await settled(page);
      if (route === '/logs')
        await page
          .locator('.log .line')
          .nth(1)
          .waitFor({ timeout: 3000 })
          .catch(() => {});
      await browser.screenshot(`${String(10 + i).padStart(2, '0')}-${route.slice(1)}`);
      const controls = await unlabelledControls(page);
      assert.deepEqual(controls.missing, [], `every control on ${route} has a label`);
      checkedControls += controls.checked;
    }
    assert.ok(checkedControls > 30, `labels checked on ${checkedControls} controls`);
    const phone = await browser.context.newPage();
    try {
      await phone.setViewportSize({ width: 390, height: 844 });
      for (const route of ['/', '/users']) {
        await phone.goto(`${base}/#${route}`);
        await settled(phone);
        await browser.screenshot(`30-phone-${route === '/' ? 'dashboard' : route.slice(1)}`, phone);
      }
      await phone.emulateMedia({ colorScheme: 'dark' });
      await phone.goto(`${base}/#/`);
      await settled(phone);
      await browser.screenshot('31-phone-dashboard-dark', phone);
      // The menu opens and closes on a narrow screen.
      await phone.getByRole('button', { name: 'Menu' }).click();
      await phone.getByRole('link', { name: 'Domains' }).click();
      await phone.getByRole('heading', { level: 1, name: 'Domains', exact: true }).waitFor();
    } finally {
      await phone.close();
    }
  });

  step('sign out, a wrong password at its field, sign in again; a mail user sees only their password page', async () => {
    const page = browser.page;
    await page.goto(`${base}/#/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Pochta', exact: true }).waitFor();
    await browser.screenshot('40-sign-in');

    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#login-password-error').waitFor();

    await page.getByLabel('Password').fill(ADMIN_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('User name').fill('anna@office.test');
    await page.getByLabel('Password').fill(ANNA_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'My password', exact: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Users' }).count(), 0, 'no admin pages for a mail user');
    await browser.screenshot('41-mail-user');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Pochta', exact: true }).waitFor();
  });

  step('password recovery with the simulated button signs the admin in with the new password', async () => {
    const page = browser.page;
    await page.getByRole('button', { name: 'I forgot the admin password' }).click();
    await page.getByLabel('New admin password').fill(`${ADMIN_PASSWORD}-new`);
    await page.getByLabel('Type it again').fill(`${ADMIN_PASSWORD}-new`);
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByRole('button', { name: 'Press the simulated button' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('User name').fill('admin');
    await page.getByLabel('Password').fill(`${ADMIN_PASSWORD}-new`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard', exact: true }).waitFor();
  });
});
