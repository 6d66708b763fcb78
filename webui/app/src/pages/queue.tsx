// The outgoing queue: mail the box could not deliver yet, with retry now,
// return to sender (bounce) and delete.

import { useEffect, useState } from 'preact/hooks';
import type { QueueDetail, QueueSummary } from '../../../api-types.ts';
import { Card, confirmed, FormStatus, formatBytes, Loading, relativeTime, useApi, useForm, useLoad } from '../ui.tsx';

export function QueuePage() {
  const api = useApi();
  const queue = useLoad<QueueSummary[]>('/api/queue');
  const form = useForm('queue');
  const [open, setOpen] = useState<string | undefined>();
  const { reload } = queue;
  // The queue runner works on its own; re-read the list while the page is open.
  useEffect(() => {
    const timer = setInterval(reload, 15_000);
    return () => clearInterval(timer);
  }, []);

  const act = (id: string, action: 'retry' | 'bounce' | 'delete') => {
    const questions = {
      retry: undefined,
      bounce: 'Stop trying and tell the sender that this message could not be delivered?',
      delete: 'Delete this message without telling the sender? It cannot be undone.',
    };
    const question = questions[action];
    if (question && !confirmed(question)) return;
    void form.run(async () => {
      const path = `/api/queue/${encodeURIComponent(id)}`;
      if (action === 'delete') await api.send('DELETE', path);
      else await api.send('POST', `${path}/${action}`);
      queue.reload();
      return { retry: 'The box is trying to send it now.', bounce: 'Returned to the sender.', delete: 'Deleted.' }[action];
    });
  };

  return (
    <>
      <div class="spread">
        <h1 tabIndex={-1}>Outgoing queue</h1>
        <button type="button" class="secondary small" onClick={queue.reload}>
          Refresh
        </button>
      </div>
      <p class="muted">Mail waiting to be sent. The box keeps trying for several days before it returns a message to its sender.</p>
      <FormStatus form={form} />
      <Card>
        <Loading loaded={queue}>
          {(list) =>
            list.length === 0 ? (
              <p class="muted">Nothing is waiting. All outgoing mail has been delivered.</p>
            ) : (
              <table class="responsive">
                <thead>
                  <tr>
                    <th>From</th>
                    <th>Recipients</th>
                    <th>Size</th>
                    <th>Waiting since</th>
                    <th>Next try</th>
                    <th>Last problem</th>
                    <th>
                      <span class="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((q) => (
                    <tr key={q.id}>
                      <td data-label="From">
                        <button
                          type="button"
                          class="small secondary"
                          aria-expanded={open === q.id}
                          onClick={() => setOpen(open === q.id ? undefined : q.id)}
                        >
                          {q.from || '(no sender)'}
                        </button>
                      </td>
                      <td data-label="Recipients">
                        {q.pending} of {q.recipients} waiting
                      </td>
                      <td data-label="Size">{formatBytes(q.size)}</td>
                      <td data-label="Waiting since">{relativeTime(q.createdAt)}</td>
                      <td data-label="Next try">{relativeTime(q.nextAttemptAt)}</td>
                      <td data-label="Last problem" class="small">
                        {q.lastError ?? '—'}
                      </td>
                      <td class="actions">
                        <button type="button" class="small" onClick={() => act(q.id, 'retry')}>
                          Retry now
                        </button>{' '}
                        <button type="button" class="small secondary" onClick={() => act(q.id, 'bounce')}>
                          Return to sender
                        </button>{' '}
                        <button type="button" class="small danger" onClick={() => act(q.id, 'delete')}>
                          Delete
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )
          }
        </Loading>
      </Card>
      {open ? <Detail key={open} id={open} /> : null}
    </>
  );
}

function Detail({ id }: { readonly id: string }) {
  const detail = useLoad<QueueDetail>(`/api/queue/${encodeURIComponent(id)}`);
  return (
    <Card title="Message details" reveal>
      <Loading loaded={detail}>
        {(d) => (
          <>
            <dl class="facts">
              <dt>Subject</dt>
              <dd>{d.subject ?? '—'}</dd>
              <dt>From</dt>
              <dd>{d.headerFrom ?? d.item.from}</dd>
              <dt>Message-ID</dt>
              <dd class="mono small">{d.messageId ?? '—'}</dd>
              <dt>Attempts</dt>
              <dd>{d.item.attempts}</dd>
            </dl>
            <h3>Recipients</h3>
            <ul class="plain small">
              {d.item.recipients.map((r) => (
                <li key={r.address}>
                  <strong>{r.address}</strong>: {r.status}
                  {r.lastReply || r.lastError ? <div class="muted mono">{r.lastReply ?? r.lastError}</div> : null}
                </li>
              ))}
            </ul>
          </>
        )}
      </Loading>
    </Card>
  );
}
