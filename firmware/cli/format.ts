// Human-readable output of admin results. `--json` prints the result itself;
// these are for people reading a terminal over SSH.

import type { AccountView, DomainView, SettingView, StatusView } from '../admin/actions.ts';
import type { BackupScheduleView } from '../admin/web-actions.ts';
import type { BackupRun } from '../backup-schedule/schedule.ts';
import { formatHostPort } from '../config/address.ts';
import { formatSize } from '../config/size.ts';
import type { QueueDetail, QueueSummary } from '../delivery/outbound/admin.ts';
import type { Alias, FsckReport } from '../store/types.ts';

/** Left-aligned columns; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return `${all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n')}\n`;
}

export function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d${Math.floor((s % 86400) / 3600)}h`;
}

export function formatDomains(domains: readonly DomainView[]): string {
  if (domains.length === 0) return 'No domains yet (pochta domain add example.com).\n';
  return table(
    ['DOMAIN', 'DKIM RECORD'],
    domains.map((d) => [d.name, d.dkim ? `${d.dkim.name} TXT "${d.dkim.value.slice(0, 40)}..."` : '-']),
  );
}

export function formatUsers(users: readonly AccountView[]): string {
  if (users.length === 0) return 'No users.\n';
  return table(
    ['ADDRESS', 'NAME', 'USED', 'QUOTA', 'ENABLED'],
    users.map((u) => [
      u.address,
      u.displayName || '-',
      formatSize(u.usedBytes),
      u.quotaBytes ? formatSize(u.quotaBytes) : 'unlimited',
      u.enabled ? 'yes' : 'no',
    ]),
  );
}

export function formatUser(user: AccountView): string {
  return formatUsers([user]);
}

export function formatAliases(aliases: readonly Alias[]): string {
  if (aliases.length === 0) return 'No aliases.\n';
  return table(
    ['ALIAS', 'TARGETS'],
    aliases.map((a) => [a.address.startsWith('@') ? `${a.address} (catch-all)` : a.address, a.targets.join(', ')]),
  );
}

export function formatSettings(settings: readonly SettingView[]): string {
  return settings.map((s) => `${s.key} = ${JSON.stringify(s.value)}${s.isDefault ? '  (default)' : ''}`).join('\n') + '\n';
}

export function formatStatus(status: StatusView, now: number): string {
  const head = [
    `pochta ${status.version}${status.dev ? ' (dev mode)' : ''}, pid ${status.pid}, up ${status.uptimeMs !== undefined ? duration(status.uptimeMs) : '?'}`,
    `hostname ${status.hostname}, data ${status.dataDir}`,
    `store: ${status.store.domains} domains, ${status.store.accounts} users, ${status.store.messages} messages, ` +
      `${status.store.blobs} bodies (${formatSize(status.store.blobBytes)}), ${status.store.queued} queued`,
    ...(status.watchdog ? [watchdogLine(status.watchdog, now)] : []),
    '',
  ].join('\n');
  const rows = status.listeners.map((l) => [
    l.name,
    l.state,
    l.address ? formatHostPort(l.address) : '-',
    l.state === 'running' && l.startedAt !== undefined ? duration(now - l.startedAt) : '-',
    String(l.restarts),
    l.lastError ?? '',
  ]);
  return head + table(['LISTENER', 'STATE', 'ADDRESS', 'UPTIME', 'RESTARTS', 'LAST ERROR'], rows);
}

/** systemd link: whether it listens, the deadline, and how the pets go. */
function watchdogLine(w: NonNullable<StatusView['watchdog']>, now: number): string {
  const last = w.lastPetAt !== undefined ? `, last ${duration(Math.max(0, now - w.lastPetAt))} ago` : '';
  if (!w.systemd) return `systemd: not running under systemd (health checks ${w.pets}${last})`;
  const deadline = w.watchdogMs !== undefined ? `watchdog ${duration(w.watchdogMs)}` : 'no watchdog';
  return `systemd: ${w.ready ? 'ready' : 'starting'}, ${deadline}, ${w.pets} pets${last}`;
}

export function formatFsck(report: FsckReport): string {
  const c = report.checked;
  const lines = [`checked ${c.accounts} accounts, ${c.mailboxes} mailboxes, ${c.messages} messages, ${c.blobs} bodies`];
  if (report.problems.length === 0) lines.push('no problems found');
  for (const p of report.problems) lines.push(`${p.repaired ? 'repaired' : 'PROBLEM '} ${p.kind}: ${p.detail}`);
  return `${lines.join('\n')}\n`;
}

export function formatQueue(items: readonly QueueSummary[]): string {
  if (items.length === 0) return 'The outbound queue is empty.\n';
  return table(
    ['ID', 'FROM', 'PENDING', 'SIZE', 'ATTEMPTS', 'NEXT TRY', 'LAST ERROR'],
    items.map((q) => [
      q.id,
      q.from || '<>',
      `${q.pending}/${q.recipients}`,
      formatSize(q.size),
      String(q.attempts),
      new Date(q.nextAttemptAt).toISOString(),
      q.lastError ?? '',
    ]),
  );
}

export function formatQueueItem(detail: QueueDetail): string {
  const item = detail.item;
  const lines = [
    `id        ${item.id}`,
    `from      ${item.from || '<>'}`,
    ...(detail.headerFrom ? [`From:     ${detail.headerFrom}`] : []),
    ...(detail.subject ? [`Subject:  ${detail.subject}`] : []),
    `size      ${formatSize(item.size)}`,
    `queued    ${new Date(item.createdAt).toISOString()}`,
    `next try  ${new Date(item.nextAttemptAt).toISOString()}  (attempts: ${item.attempts})`,
    '',
  ];
  return `${lines.join('\n')}${table(
    ['RECIPIENT', 'STATUS', 'ATTEMPTS', 'LAST ERROR'],
    item.recipients.map((r) => [r.address, r.status, String(r.attempts), r.lastError ?? '']),
  )}`;
}

/** `pochta backup schedule`: the schedule in one line, then the last run and the last good one. */
export function formatBackupSchedule(view: BackupScheduleView): string {
  const s = view.schedule;
  const lines: string[] = [];
  if (!s) lines.push('no backup schedule (set one: pochta backup schedule set DIR --daily 02:30)');
  else {
    const when = s.everyHours !== undefined ? `every ${s.everyHours} h` : `daily at ${s.dailyAt}`;
    lines.push(`${s.enabled ? 'scheduled' : 'paused'}: to ${s.target}, ${when}, keeping the newest ${s.keep}`);
  }
  const run = (label: string, r: BackupRun | undefined) => {
    if (!r) return;
    const at = new Date(r.finishedAt).toISOString();
    lines.push(
      r.ok ? `${label}: ${at} ok, ${r.file ?? ''} (${r.bytes ?? 0} bytes)` : `${label}: ${at} FAILED: ${r.error ?? 'unknown error'}`,
    );
  };
  run('last run', view.last);
  if (view.lastOk && view.lastOk !== view.last && view.lastOk.finishedAt !== view.last?.finishedAt) run('last good run', view.lastOk);
  return `${lines.join('\n')}\n`;
}
