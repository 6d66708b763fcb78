// The HTTP API contract between the web server (webui/server/) and the browser
// app (webui/app/): request and response bodies of every route in api.md.
// Type-only and dependency-free so the app can import it (`import type`).
// Extend additively: the app and the server are built by different people.

// ---- errors

/** Codes the web layer adds to the project's catalogue (firmware/errors.ts). */
export type WebErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'CSRF_FAILED'
  | 'SETUP_REQUIRED'
  | 'SETUP_DONE'
  | 'PRESENCE_REQUIRED'
  | 'PRESENCE_PENDING'
  | 'RATE_LIMITED'
  | 'PAYLOAD_TOO_LARGE'
  | 'NOT_FOUND'
  | 'UPDATE_IN_PROGRESS';

/**
 * Every error response: `field` names the input that caused it (a JSON body
 * key, dotted for nested ones: `users.1.password`, `smarthost.port`), so the
 * app can show the message next to that input. `message` is plain words.
 */
export interface ApiError {
  readonly error: {
    /** A catalogue code (INVALID_ADDRESS, WEAK_PASSWORD, ALREADY_EXISTS, ...) or a WebErrorCode. */
    readonly code: string;
    readonly field?: string;
    readonly message: string;
  };
}

/** The header every state-changing request carries (see api.md, "CSRF"). */
export const CSRF_HEADER = 'x-pochta-csrf';
/** Value of the CSRF header before a session exists (login, setup, recovery). */
export const CSRF_ANONYMOUS = 'anonymous';

// ---- session and sign-in

export type Role = 'admin' | 'user';

export interface SessionInfo {
  readonly authenticated: boolean;
  readonly role?: Role;
  /** 'admin' or the mail user's address. */
  readonly username?: string;
  /** Send in the CSRF header on every POST/PUT/PATCH/DELETE while signed in. */
  readonly csrfToken?: string;
  readonly setupDone: boolean;
  readonly dev: boolean;
  /** True when the button can be pressed from the UI (simulated board, dev mode). */
  readonly simButton: boolean;
  readonly hostname: string;
}

export interface LoginRequest {
  /** 'admin', or a mail user's address (who may then only change their own password). */
  readonly username: string;
  readonly password: string;
}

export interface ChangePasswordRequest {
  readonly currentPassword: string;
  readonly newPassword: string;
}

export interface OkResponse {
  readonly ok: true;
}

// ---- setup wizard and password recovery (physical presence)

export type SetupStep = 'password' | 'presence' | 'details' | 'done';
export type PresenceState = 'idle' | 'waiting' | 'confirmed' | 'expired';

export interface SetupState {
  readonly done: boolean;
  /** Where this browser is in the wizard (per setup session). */
  readonly step: SetupStep;
  readonly presence: PresenceState;
  /** ms since epoch when a waiting press request gives up. */
  readonly presenceExpiresAt?: number;
  readonly simButton: boolean;
  readonly hostname: string;
  /** The CSRF token once this browser has a (setup) session. */
  readonly csrfToken?: string;
}

export interface SetupPasswordRequest {
  readonly password: string;
}

export interface NewUserInput {
  readonly address: string;
  readonly password: string;
  readonly displayName?: string;
  /** '500M', '2G', bytes as a number, or 0 = unlimited. */
  readonly quota?: string | number;
}

export interface SmarthostInput {
  readonly host: string;
  readonly port?: number;
  readonly tls?: 'implicit' | 'starttls' | 'none';
  readonly user?: string;
  readonly password?: string;
}

export interface SetupFinishRequest {
  readonly domain: string;
  /** The box's mail host name (MX target, client settings); default: the current one. */
  readonly hostname?: string;
  readonly users?: readonly NewUserInput[];
  readonly smarthost?: SmarthostInput | null;
}

export interface RecoveryStartRequest {
  /** The new admin password, stored only once the button is pressed. */
  readonly password: string;
}

export interface RecoveryState {
  readonly presence: PresenceState;
  readonly presenceExpiresAt?: number;
  readonly simButton: boolean;
  /** The CSRF token once this browser has a session. */
  readonly csrfToken?: string;
}

// ---- dashboard

export type ListenerState = 'starting' | 'running' | 'restarting' | 'failed' | 'stopped';

export interface ListenerView {
  readonly name: string;
  readonly state: ListenerState;
  readonly address?: { readonly host: string; readonly port: number };
  readonly since: number;
  readonly startedAt?: number;
  readonly restarts: number;
  readonly lastError?: string;
}

export interface MailCounts {
  readonly in: number;
  readonly out: number;
  readonly rejectedDnsbl: number;
  readonly rejectedAuth: number;
  readonly bounced: number;
}

export interface MailCountsHour extends MailCounts {
  /** Start of the hour, ms since epoch. */
  readonly hour: number;
}

export interface MailStats {
  /** Since local midnight. */
  readonly today: MailCounts;
  /** The last 24 hours, oldest first, one entry per hour (24 entries). */
  readonly series: readonly MailCountsHour[];
}

export interface StoreStatsView {
  readonly domains: number;
  readonly accounts: number;
  readonly messages: number;
  readonly blobs: number;
  readonly blobBytes: number;
  readonly queued: number;
}

export interface StatusResponse {
  readonly version: string;
  readonly hostname: string;
  readonly dev: boolean;
  readonly startedAt?: number;
  readonly uptimeMs?: number;
  readonly listeners: readonly ListenerView[];
  readonly store: StoreStatsView;
  readonly queue: { readonly size: number; readonly oldestAt?: number };
  readonly mail: MailStats;
}

export interface SystemFacts {
  readonly cpuTempC?: number;
  /** 1, 5 and 15 minute load averages. */
  readonly load: readonly [number, number, number];
  readonly cpus: number;
  readonly memory: { readonly totalBytes: number; readonly availableBytes: number };
  readonly disk?: { readonly path: string; readonly totalBytes: number; readonly freeBytes: number };
  readonly uptimeSeconds: number;
  readonly addresses: readonly { readonly iface: string; readonly address: string; readonly family: 'IPv4' | 'IPv6' }[];
  /** From `vcgencmd get_throttled` on a Pi; absent elsewhere. */
  readonly throttled?: Throttling;
}

export interface Throttling {
  readonly raw: string;
  readonly undervoltageNow: boolean;
  readonly throttledNow: boolean;
  readonly undervoltageSinceBoot: boolean;
  readonly throttledSinceBoot: boolean;
}

export type LedPattern = string;

export interface PanelState {
  readonly driver: string;
  readonly leds: Readonly<Record<string, { readonly pattern: LedPattern; readonly lit: boolean }>>;
  readonly button: { readonly pressed: boolean };
  readonly reason?: string;
}

export interface PanelPressRequest {
  readonly kind: 'short' | 'long';
}

// ---- manage

export interface DomainView {
  readonly name: string;
  readonly createdAt: number;
  readonly dkim?: { readonly name: string; readonly value: string };
}

export interface UserView {
  readonly id: string;
  readonly address: string;
  readonly displayName: string;
  /** 0 = unlimited. */
  readonly quotaBytes: number;
  readonly usedBytes: number;
  readonly enabled: boolean;
  readonly createdAt: number;
}

export interface UserPatchRequest {
  readonly quota?: string | number;
  readonly enabled?: boolean;
}

export interface SetPasswordRequest {
  readonly password: string;
}

export interface AliasView {
  /** local@domain, or @domain for the catch-all of a domain. */
  readonly address: string;
  readonly targets: readonly string[];
  readonly createdAt: number;
}

export interface AliasAddRequest {
  readonly address: string;
  readonly targets: readonly string[];
}

export interface AliasReplaceRequest {
  readonly targets: readonly string[];
}

export interface SettingView {
  readonly key: string;
  /** Secrets (the smarthost password) come back as '********'; sending that back keeps the stored one. */
  readonly value: unknown;
  readonly isDefault: boolean;
  readonly description: string;
  readonly internal?: boolean;
}

export interface SettingsPatchRequest {
  /** key -> new value; null puts the key back to its default. */
  readonly values: Readonly<Record<string, unknown>>;
}

export interface RelayTestRequest {
  /** Where the test message goes. */
  readonly to: string;
}

export interface RelayTestResponse {
  readonly ok: boolean;
  /** 'smarthost' or 'direct' (MX of the recipient's domain). */
  readonly route: 'smarthost' | 'direct';
  /** The server's last reply, or what went wrong, in plain words. */
  readonly detail: string;
}

export interface TlsInfo {
  readonly subject: string;
  readonly issuer: string;
  readonly altNames: readonly string[];
  readonly validFrom: number;
  readonly validTo: number;
  readonly daysLeft: number;
  readonly selfSigned: boolean;
  readonly fingerprint256: string;
}

export interface TlsUploadRequest {
  /** The certificate, optionally followed by its chain (PEM). */
  readonly certPem: string;
  readonly keyPem: string;
}

export interface SshKeyView {
  readonly type: string;
  readonly comment: string;
  /** SHA256:... as ssh-keygen -l prints it. */
  readonly fingerprint: string;
  readonly line: string;
}

export interface SshState {
  /** The setting `ssh.enabled`; the image starts or stops sshd when it changes (see api.md). */
  readonly enabled: boolean;
  readonly user: string;
  readonly keys: readonly SshKeyView[];
}

export interface SshUpdateRequest {
  readonly enabled?: boolean;
  /** The whole authorized_keys content as lines (replaces it). */
  readonly keys?: readonly string[];
}

// ---- queue

export interface QueueSummary {
  readonly id: string;
  readonly from: string;
  readonly recipients: number;
  readonly pending: number;
  readonly size: number;
  readonly createdAt: number;
  readonly nextAttemptAt: number;
  readonly attempts: number;
  readonly lastError?: string;
}

export interface QueueDetail {
  readonly item: {
    readonly id: string;
    readonly from: string;
    readonly recipients: readonly {
      readonly address: string;
      readonly status: 'pending' | 'delivered' | 'failed';
      readonly attempts: number;
      readonly lastError?: string;
      readonly lastReply?: string;
    }[];
    readonly size: number;
    readonly createdAt: number;
    readonly nextAttemptAt: number;
    readonly attempts: number;
  };
  readonly subject?: string;
  readonly headerFrom?: string;
  readonly messageId?: string;
}

// ---- logs

export type LogLevelName = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export interface LogLine {
  /** Increasing sequence number; pass the last one as `since` to continue. */
  readonly seq: number;
  readonly time: number;
  readonly level: LogLevelName;
  readonly msg: string;
  readonly listener?: string;
  readonly conn?: string;
  /** The other fields of the line (secrets already redacted). */
  readonly fields: Readonly<Record<string, unknown>>;
}

export interface LogsResponse {
  readonly lines: readonly LogLine[];
  /** The seq to pass as `since` next time. */
  readonly next: number;
}

// ---- backup and restore

export interface RestoreState {
  readonly staged: boolean;
  readonly stagedAt?: number;
  readonly bytes?: number;
  /** Always 'next-start': a restore replaces the data when the daemon starts again. */
  readonly appliesAt: 'next-start';
}

export interface BackupScheduleInput {
  /** Default true; false keeps the settings but stops the runs. */
  readonly enabled?: boolean;
  /** A full path: a drive under /media or /mnt, or a folder inside it. */
  readonly target: string;
  /** Every N hours (1..168); give this or dailyAt. */
  readonly everyHours?: number;
  /** Once a day at "HH:MM", the box's local time; give this or everyHours. */
  readonly dailyAt?: string;
  /** How many backups to keep on the drive (1..100, default 7). */
  readonly keep?: number;
}

export interface BackupScheduleView {
  readonly enabled: boolean;
  readonly target: string;
  readonly everyHours?: number;
  readonly dailyAt?: string;
  readonly keep: number;
  readonly savedAt: number;
}

export interface BackupRunView {
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly ok: boolean;
  /** Full path of the backup written (ok runs). */
  readonly file?: string;
  readonly bytes?: number;
  /** What went wrong, in plain words. */
  readonly error?: string;
  /** Older backups deleted to keep `keep`. */
  readonly pruned?: readonly string[];
  readonly trigger: 'schedule' | 'now';
}

export interface BackupTargetView {
  readonly path: string;
  /** False when the drive is gone (not mounted), the folder is missing or not writable. */
  readonly present: boolean;
  /** Why not present, or a caution, in plain words. */
  readonly reason?: string;
  readonly drive?: { readonly mountPoint: string; readonly device: string; readonly fsType: string };
  readonly freeBytes?: number;
}

export interface BackupTargetCandidate {
  /** A drive's mount point under /media or /mnt that the box can write to. */
  readonly path: string;
  readonly device: string;
  readonly fsType: string;
  readonly freeBytes?: number;
  readonly totalBytes?: number;
}

export interface BackupScheduleState {
  readonly schedule?: BackupScheduleView;
  /** The schedule's target as it is now. */
  readonly target?: BackupTargetView;
  /** Drives present now. */
  readonly candidates: readonly BackupTargetCandidate[];
  readonly last?: BackupRunView;
  /** The last run that worked (may be older than `last`). */
  readonly lastOk?: BackupRunView;
  /** When the next scheduled run is due (in the past: at the next minute). */
  readonly nextAt?: number;
  /** Set while a backup is being written (since when). */
  readonly runningSince?: number;
}

// ---- update

export type UpdateStateName = 'waiting' | 'running' | 'installed' | 'rolled-back' | 'failed';

/** `<data>/update/status.json`, written by the root side (`pochta update --request`). */
export interface UpdateStatusView {
  readonly state: UpdateStateName;
  readonly bundle?: string;
  readonly version?: string;
  readonly message: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
}

export interface UpdateState {
  /** The running release. */
  readonly version: string;
  /**
   * 'systemd': the box's path unit picks up a request and installs it as root.
   * 'absent': dev mode, nothing picks requests up (no update happens).
   */
  readonly installer: 'systemd' | 'absent';
  /** The request waiting in `<data>/update/request.json`, if any. */
  readonly request?: { readonly bundle: string; readonly requestedAt: string };
  /** What the installer last said; absent before the first update. */
  readonly status?: UpdateStatusView;
  /** Largest bundle the upload takes. */
  readonly maxBytes: number;
}

// ---- mail health and DNS

export type CheckStatus = 'ok' | 'warn' | 'fail' | 'unknown';

export interface HealthCheck {
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found, in plain words. */
  readonly detail: string;
  /** What to do about it (absent when all is well). */
  readonly fix?: string;
}

export interface HealthResponse {
  readonly checkedAt: number;
  readonly checks: readonly HealthCheck[];
  /** The public address the admin set for the outside checks; absent = the A record of the primary domain's MX host. */
  readonly publicAddress?: string;
}

export interface PublicAddressRequest {
  /** An IPv4 or IPv6 address; null or '' = find it through DNS again. */
  readonly address: string | null;
}

export type DnsRecordType = 'MX' | 'TXT' | 'CNAME' | 'SRV' | 'A';

export interface DnsRecordAdvice {
  readonly type: DnsRecordType;
  /** Fully qualified, without the trailing dot. */
  readonly name: string;
  /** As it goes into a zone file's data field (SRV: "priority weight port target"). */
  readonly value: string;
  /** MX priority. */
  readonly priority?: number;
  /** What it is for, in plain words. */
  readonly purpose: string;
  readonly published: {
    readonly status: 'match' | 'missing' | 'different' | 'unknown';
    /** What the DNS answers now. */
    readonly answers: readonly string[];
  };
}

export interface DnsAdviceResponse {
  readonly domain: string;
  readonly records: readonly DnsRecordAdvice[];
}

// ---- live updates (GET /api/events, text/event-stream)

export interface SseEvents {
  /** Sent on connect and whenever a listener or the store figures change. */
  readonly status: StatusResponse;
  /** Sent on connect and whenever an LED or the button changes. */
  readonly panel: PanelState;
  /** New log lines matching the stream's filters (GET /api/logs/stream). */
  readonly log: LogLine;
  /** The setup/recovery presence request changed (waiting -> confirmed/expired). */
  readonly presence: { readonly presence: PresenceState };
}
