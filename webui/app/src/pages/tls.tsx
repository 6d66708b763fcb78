// The box's TLS certificate: what it is, when it runs out, upload a real
// one (certificate and key) or make a new self-signed one.

import { useState } from 'preact/hooks';
import type { TlsInfo } from '../../../api-types.ts';
import { Badge, Card, confirmed, Field, FormStatus, formatTime, Loading, Submit, useApi, useForm, useLoad } from '../ui.tsx';

export function TlsPage() {
  const api = useApi();
  const tls = useLoad<TlsInfo>('/api/tls');
  const upload = useForm('tls', ['certPem', 'keyPem']);
  const regen = useForm('regen');
  const [certPem, setCertPem] = useState('');
  const [keyPem, setKeyPem] = useState('');

  const readFile = (set: (v: string) => void) => async (e: Event) => {
    const file = (e.currentTarget as HTMLInputElement).files?.[0];
    if (file) set(await file.text());
  };
  const submit = (e: Event) => {
    e.preventDefault();
    const missing: Record<string, string> = {};
    if (!certPem.trim()) missing['certPem'] = 'Paste the certificate or choose its file.';
    if (!keyPem.trim()) missing['keyPem'] = 'Paste the private key or choose its file.';
    if (Object.keys(missing).length > 0) return upload.fail(missing);
    void upload.run(async () => {
      tls.set(await api.send<TlsInfo>('PUT', '/api/tls', { certPem, keyPem }));
      setCertPem('');
      setKeyPem('');
      return 'The new certificate is in use.';
    });
  };
  const regenerate = () => {
    if (!confirmed('Make a new self-signed certificate? Mail apps will warn once and ask you to accept it again.')) return;
    void regen.run(async () => {
      tls.set(await api.send<TlsInfo>('POST', '/api/tls/regenerate'));
      return 'A new self-signed certificate is in use.';
    });
  };

  return (
    <>
      <h1 tabIndex={-1}>Certificate</h1>
      <p class="muted">The certificate lets mail apps and browsers check that they talk to this box, and encrypts the connection.</p>
      <Card title="Certificate in use">
        <Loading loaded={tls}>
          {(t) => (
            <dl class="facts">
              <dt>For</dt>
              <dd>{t.altNames.join(', ') || t.subject}</dd>
              <dt>Issued by</dt>
              <dd>{t.selfSigned ? 'this box itself (self-signed: mail apps ask once whether to trust it)' : t.issuer}</dd>
              <dt>Valid until</dt>
              <dd>
                {formatTime(t.validTo)}{' '}
                {t.daysLeft < 0 ? (
                  <Badge kind="bad">Expired</Badge>
                ) : t.daysLeft < 21 ? (
                  <Badge kind="warn">{t.daysLeft} days left</Badge>
                ) : (
                  <Badge kind="ok">{t.daysLeft} days left</Badge>
                )}
              </dd>
              <dt>Fingerprint</dt>
              <dd class="mono small">{t.fingerprint256}</dd>
            </dl>
          )}
        </Loading>
        <div style={{ marginTop: '1rem' }}>
          <FormStatus form={regen} />
          <button type="button" class="secondary" disabled={regen.busy} onClick={regenerate}>
            Make a new self-signed certificate
          </button>
        </div>
      </Card>
      <Card title="Use your own certificate">
        <form class="stack" onSubmit={submit} noValidate>
          <p class="muted small">
            Both in PEM format (text starting with “-----BEGIN”). Put the certificate first, then any intermediate certificates.
          </p>
          <div class="field">
            <label for="tls-cert-file">Certificate file</label>
            <input id="tls-cert-file" type="file" accept=".pem,.crt,.cer,text/plain" onChange={readFile(setCertPem)} />
          </div>
          <Field
            form={upload}
            prefix="tls"
            name="certPem"
            label="…or paste the certificate"
            multiline
            value={certPem}
            onValue={setCertPem}
          />
          <div class="field">
            <label for="tls-key-file">Private key file</label>
            <input id="tls-key-file" type="file" accept=".pem,.key,text/plain" onChange={readFile(setKeyPem)} />
          </div>
          <Field form={upload} prefix="tls" name="keyPem" label="…or paste the private key" multiline value={keyPem} onValue={setKeyPem} />
          <FormStatus form={upload} />
          <Submit form={upload}>Use this certificate</Submit>
        </form>
      </Card>
    </>
  );
}
