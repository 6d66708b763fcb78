// Small building blocks every page uses: labelled fields that show their own
// error, a form hook that routes an API error to the field it names, status
// badges, usage bars and number formatting in plain words.

import type { ComponentChildren, InputHTMLAttributes, JSX } from 'preact';
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api.tsx';
import { ApiFailure } from './api.tsx';

export const ApiContext = createContext<Api | null>(null);

export function useApi(): Api {
  const api = useContext(ApiContext);
  if (!api) throw new Error('useApi outside <ApiContext.Provider>');
  return api;
}

// ---- forms

export type FieldErrors = Readonly<Record<string, string>>;

export interface FormState {
  readonly busy: boolean;
  /** Errors by field name (the API's `field`). */
  readonly errors: FieldErrors;
  /** An error that belongs to no field. */
  readonly formError: string | undefined;
  /** A success message to show after the action. */
  readonly done: string | undefined;
  /** Run an action (a string it resolves with is shown as success): clears old errors, shows new ones where they belong, focuses the first bad field. */
  run(action: () => Promise<unknown>): Promise<boolean>;
  /** Set errors found before sending anything (a missing required field). */
  fail(errors: FieldErrors): void;
  reset(): void;
}

/**
 * Map an API `field` onto the names the form uses: settings patches come back
 * as `values.relay.smarthost.host`, the form knows `relay.smarthost.host`.
 */
function fieldName(field: string, known: readonly string[] | undefined): string {
  const trimmed = field.startsWith('values.') ? field.slice('values.'.length) : field;
  if (!known || known.includes(trimmed)) return trimmed;
  // The closest known prefix: `users.0.password.length` -> `users.0.password`.
  const match = known.filter((k) => trimmed.startsWith(k)).sort((a, b) => b.length - a.length)[0];
  return match ?? trimmed;
}

/**
 * A list typed one per line (`keys.3`, `relay.trustedNetworks[0]`) gets "Line N:" in front of its
 * message; a message that starts by repeating the setting key ("Relay.trustedNetworks[1]: ...")
 * loses that prefix, since the message already sits under the field.
 */
function plainFieldMessage(field: string, name: string, message: string): string {
  let text = message;
  const inField = /^(?:\.(\d+)|\[(\d+)\])$/.exec(field.replace(/^values\./, '').slice(name.length));
  let line = inField ? (inField[1] ?? inField[2]) : undefined;
  const prefix = /^([\w.-]+)(?:\[(\d+)\])?:\s+/.exec(text);
  if (prefix && prefix[1]!.toLowerCase() === name.toLowerCase()) {
    text = text.slice(prefix[0].length);
    line ??= prefix[2];
  }
  const sentence = text.charAt(0).toUpperCase() + text.slice(1);
  return line !== undefined ? `Line ${Number(line) + 1}: ${sentence}` : sentence;
}

export function useForm(idPrefix: string, knownFields?: readonly string[]): FormState {
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const focusNext = useRef<string | undefined>(undefined);

  useEffect(() => {
    const name = focusNext.current;
    if (!name) return;
    focusNext.current = undefined;
    document.getElementById(fieldId(idPrefix, name))?.focus();
  });

  const fail = useCallback(
    (found: FieldErrors) => {
      setErrors(found);
      focusNext.current = Object.keys(found)[0];
    },
    [idPrefix],
  );

  const run = useCallback(
    async (action: () => Promise<unknown>): Promise<boolean> => {
      setBusy(true);
      setErrors({});
      setFormError(undefined);
      setDone(undefined);
      try {
        const message = await action();
        setDone(typeof message === 'string' && message !== '' ? message : undefined);
        return true;
      } catch (err) {
        if (err instanceof ApiFailure && err.field) {
          const name = fieldName(err.field, knownFields);
          const element = document.getElementById(fieldId(idPrefix, name));
          const message = plainFieldMessage(err.field, name, err.message);
          if (element) {
            setErrors({ [name]: message });
            focusNext.current = name;
          } else {
            setFormError(err.message);
          }
        } else {
          setFormError(err instanceof Error ? err.message : String(err));
        }
        return false;
      } finally {
        setBusy(false);
      }
    },
    [idPrefix, knownFields],
  );

  const reset = useCallback(() => {
    setErrors({});
    setFormError(undefined);
    setDone(undefined);
  }, []);

  return { busy, errors, formError, done, run, fail, reset };
}

export function fieldId(prefix: string, name: string): string {
  return `${prefix}-${name.replace(/[^a-zA-Z0-9_-]/g, '-')}`;
}

interface FieldProps {
  readonly form: FormState;
  readonly prefix: string;
  /** The API field name this input fills (errors for it appear here). */
  readonly name: string;
  readonly label: string;
  readonly hint?: ComponentChildren;
  readonly value: string;
  readonly onValue: (value: string) => void;
  readonly type?: 'text' | 'email' | 'password' | 'url' | 'tel' | 'search';
  readonly autoComplete?: string;
  readonly placeholder?: string;
  readonly required?: boolean;
  readonly multiline?: boolean;
  readonly inputMode?: 'numeric' | 'decimal' | 'email' | 'text';
  readonly options?: readonly { readonly value: string; readonly label: string }[];
}

/** A labelled input, select or textarea with its hint and its error under it. */
export function Field(props: FieldProps) {
  const id = fieldId(props.prefix, props.name);
  const error = props.form.errors[props.name];
  const describedBy = [props.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    name: props.name,
    'aria-invalid': error ? ('true' as const) : undefined,
    'aria-describedby': describedBy,
    required: props.required,
  };
  let control: JSX.Element;
  if (props.options) {
    control = (
      <select {...common} value={props.value} onChange={(e) => props.onValue((e.currentTarget as HTMLSelectElement).value)}>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else if (props.multiline) {
    control = (
      <textarea
        {...common}
        value={props.value}
        placeholder={props.placeholder}
        spellcheck={false}
        onInput={(e) => props.onValue((e.currentTarget as HTMLTextAreaElement).value)}
      />
    );
  } else {
    // Preact's input typings split by `type`; one text-like input with a variable type needs the widened form.
    const inputProps = {
      ...common,
      type: props.type ?? 'text',
      value: props.value,
      placeholder: props.placeholder,
      autoComplete: props.autoComplete,
      inputMode: props.inputMode,
      spellcheck: false,
      onInput: (e: Event) => props.onValue((e.currentTarget as HTMLInputElement).value),
    } as unknown as InputHTMLAttributes<HTMLInputElement>;
    control = <input {...inputProps} />;
  }
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.hint ? (
        <span class="hint" id={`${id}-hint`}>
          {props.hint}
        </span>
      ) : null}
      {control}
      {error ? (
        <span class="error" id={`${id}-error`} role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

/** The form-level error (no field) and the success message. */
export function FormStatus({ form }: { readonly form: FormState }) {
  return (
    <>
      {form.formError ? (
        <p class="form-error" role="alert">
          {form.formError}
        </p>
      ) : null}
      {form.done ? (
        <p class="notice ok" role="status">
          {form.done}
        </p>
      ) : null}
    </>
  );
}

export function Submit({
  form,
  children,
  class: cls,
}: {
  readonly form: FormState;
  readonly children: ComponentChildren;
  readonly class?: string;
}) {
  return (
    <button type="submit" class={cls} disabled={form.busy} aria-busy={form.busy}>
      {form.busy ? 'Working…' : children}
    </button>
  );
}

// ---- loading a resource

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  readonly loading: boolean;
  reload(): void;
  set(data: T): void;
}

/** GET `path` when the component mounts (and on reload()). */
export function useLoad<T>(path: string | undefined): Loaded<T> {
  const api = useApi();
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return;
    let live = true;
    setLoading(true);
    api.get<T>(path).then(
      (value) => {
        if (!live) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(err instanceof Error ? err.message : String(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [api, path, tick]);
  return { data, error, loading, reload: () => setTick((t) => t + 1), set: setData };
}

/** The current time, re-read every `everyMs`, so "up for" and "ago" texts stay true on an open page. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** Shows loading and error states; renders children only with data. */
export function Loading<T>({ loaded, children }: { readonly loaded: Loaded<T>; readonly children: (data: T) => ComponentChildren }) {
  if (loaded.data !== undefined) return <>{children(loaded.data)}</>;
  if (loaded.error)
    return (
      <p class="notice bad" role="alert">
        Could not load this: {loaded.error}{' '}
        <button type="button" class="small secondary" onClick={loaded.reload}>
          Try again
        </button>
      </p>
    );
  return <p class="muted">Loading…</p>;
}

// ---- display helpers

export function Badge({ kind, children }: { readonly kind: 'ok' | 'bad' | 'warn' | 'off'; readonly children: ComponentChildren }) {
  return <span class={`badge ${kind}`}>{children}</span>;
}

export function UsageBar({ used, total, label }: { readonly used: number; readonly total: number; readonly label: string }) {
  const pct = total > 0 ? Math.min(100, Math.round((used / total) * 100)) : 0;
  return (
    <div
      class={`bar${pct >= 90 ? ' high' : ''}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
    >
      <span style={{ width: `${pct}%` }} />
    </div>
  );
}

export function Card({
  title,
  children,
  actions,
  reveal,
}: {
  readonly title?: string;
  readonly children: ComponentChildren;
  readonly actions?: ComponentChildren;
  /** Scroll the card into view when it appears (an editor opened below a long list). */
  readonly reveal?: boolean;
}) {
  const ref = useRef<HTMLElement>(null);
  useEffect(() => {
    if (reveal) ref.current?.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  }, []);
  return (
    <section class="card" ref={ref}>
      {title || actions ? (
        <div class="spread">
          {title ? <h2>{title}</h2> : <span />}
          {actions}
        </div>
      ) : null}
      {children}
    </section>
  );
}

export function CopyButton({ text, label }: { readonly text: string; readonly label: string }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Plain HTTP pages may not use the clipboard API; fall back to a hidden textarea.
      const area = document.createElement('textarea');
      area.value = text;
      document.body.append(area);
      area.select();
      document.execCommand('copy');
      area.remove();
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 1500);
  };
  return (
    <button type="button" class="small secondary" onClick={copy} aria-label={label}>
      {copied ? 'Copied' : 'Copy'}
    </button>
  );
}

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} bytes` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ${UNITS[unit]}`;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d} day${d === 1 ? '' : 's'} ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '—';
  return new Date(ms).toLocaleString();
}

/** "in 3 hours" / "5 minutes ago". */
export function relativeTime(ms: number, now = Date.now()): string {
  const diff = ms - now;
  const abs = Math.abs(diff);
  const text = formatDuration(abs);
  if (abs < 5000) return 'now';
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

/** Ask before something that cannot be undone. */
export function confirmed(question: string): boolean {
  return window.confirm(question);
}
