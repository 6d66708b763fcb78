// The daemon's log, followed live, with filters by level, service and
// connection id. Lines are kept to the last 1,000 so a busy box does not
// slow the page down.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { LogLevelName, LogLine } from '../../../api-types.ts';
import { subscribe } from '../api.tsx';
import { Badge } from '../ui.tsx';

const LEVELS: readonly LogLevelName[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];
const LISTENERS = ['', 'smtp', 'submission', 'smtps', 'imap', 'imaps', 'pop3', 'pop3s', 'web', 'queue', 'supervisor'];
const KEEP = 1000;

/** One log line; its connection id is a button that shows only that connection. */
function Line({ line, onConn }: { readonly line: LogLine; readonly onConn: (conn: string) => void }) {
  const time = new Date(line.time).toLocaleTimeString();
  const extra = Object.keys(line.fields).length > 0 ? ` ${JSON.stringify(line.fields)}` : '';
  return (
    <div class={`line ${line.level}`}>
      {time} {line.level.toUpperCase().padEnd(5)} {line.listener ? `[${line.listener}] ` : ''}
      {line.conn ? (
        <>
          <button type="button" class="conn" title="Show only this connection" onClick={() => onConn(line.conn!)}>
            {line.conn}
          </button>{' '}
        </>
      ) : null}
      {line.msg}
      {extra}
    </div>
  );
}

export function LogsPage() {
  const [level, setLevel] = useState<LogLevelName>('info');
  const [listener, setListener] = useState('');
  const [conn, setConn] = useState('');
  const [appliedConn, setAppliedConn] = useState('');
  const [lines, setLines] = useState<LogLine[]>([]);
  const [live, setLive] = useState(false);
  const [paused, setPaused] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  // Typing a connection id should not reconnect the stream on every key.
  useEffect(() => {
    const timer = setTimeout(() => setAppliedConn(conn.trim()), 400);
    return () => clearTimeout(timer);
  }, [conn]);

  useEffect(() => {
    setLines([]);
    const query = new URLSearchParams({ level });
    if (listener) query.set('listener', listener);
    if (appliedConn) query.set('conn', appliedConn);
    return subscribe(
      `/api/logs/stream?${query}`,
      {
        log: (d) => {
          if (pausedRef.current) return;
          setLines((old) => {
            const next = [...old, d as LogLine];
            return next.length > KEEP ? next.slice(next.length - KEEP) : next;
          });
        },
      },
      setLive,
    );
  }, [level, listener, appliedConn]);

  // Follow the end of the log unless the reader scrolled up to read; scrolling back down follows again.
  const follow = useRef(true);
  const onScroll = () => {
    const el = box.current;
    if (el) follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
  };
  useEffect(() => {
    const el = box.current;
    if (el && follow.current) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <>
      <div class="spread">
        <h1 tabIndex={-1}>Logs</h1>
        {live ? <Badge kind="ok">Following live</Badge> : <Badge kind="off">Connecting…</Badge>}
      </div>
      <div class="filters">
        <div class="field">
          <label for="log-level">Show from level</label>
          <select id="log-level" value={level} onChange={(e) => setLevel((e.currentTarget as HTMLSelectElement).value as LogLevelName)}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="log-listener">Service</label>
          <select id="log-listener" value={listener} onChange={(e) => setListener((e.currentTarget as HTMLSelectElement).value)}>
            {LISTENERS.map((l) => (
              <option key={l} value={l}>
                {l || 'all'}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="log-conn">Connection id</label>
          <input
            id="log-conn"
            value={conn}
            spellcheck={false}
            autoComplete="off"
            onInput={(e) => setConn((e.currentTarget as HTMLInputElement).value)}
          />
        </div>
        <div class="field" style={{ justifyContent: 'flex-end' }}>
          <div class="row">
            <button type="button" class="secondary" aria-pressed={paused} onClick={() => setPaused(!paused)}>
              {paused ? 'Resume' : 'Pause'}
            </button>
            <button type="button" class="secondary" onClick={() => setLines([])}>
              Clear
            </button>
          </div>
        </div>
      </div>
      <div class="log" ref={box} role="log" aria-live="off" aria-label="Log lines" onScroll={onScroll}>
        {lines.length === 0 ? <div class="line">No lines yet.</div> : null}
        {lines.map((l) => (
          <Line key={l.seq} line={l} onConn={setConn} />
        ))}
      </div>
    </>
  );
}
