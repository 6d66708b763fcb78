// The Received trace header (RFC 5321 4.4) and the reply mapping.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { receivedHeader, rfc5322Date, transmissionType } from '../../../firmware/delivery/received.ts';
import type { Envelope } from '../../../firmware/delivery/target.ts';
import { PochtaError } from '../../../firmware/errors.ts';
import { reject } from '../../../firmware/filters/verdict.ts';
import { fromError, fromVerdict, REPLIES, smtpError } from '../../../firmware/smtp/replies.ts';

const base: Envelope = {
  from: 'a@remote.test',
  messageId: 'abc123',
  mayRelay: false,
  client: { sessionId: 's1', listener: 'smtp', remoteAddress: '192.0.2.7', secure: false, esmtp: true, helo: 'mail.remote.test' },
};
const NOW = Date.UTC(2026, 10, 27, 19, 30, 52);

describe('Received header', () => {
  it('records the hop with one recipient', () => {
    const h = receivedHeader(base, { hostname: 'mx.test', recipients: ['bob@example.test'], now: NOW });
    assert.equal(
      h,
      'Received: from mail.remote.test ([192.0.2.7])\r\n\tby mx.test (Pochta) with ESMTP id abc123\r\n\tfor <bob@example.test>;\r\n\tFri, 27 Nov 2026 19:30:52 +0000\r\n',
    );
  });

  it('notes TLS and authentication, never the login, and no for clause for several recipients', () => {
    const env: Envelope = {
      ...base,
      authUser: { accountId: 'x', address: 'alice@example.test' },
      client: {
        ...base.client,
        secure: true,
        tlsProtocol: 'TLSv1.3',
        tlsCipher: 'TLS_AES_256_GCM_SHA384',
        remoteHostname: 'host.remote.test',
      },
    };
    const h = receivedHeader(env, { hostname: 'mx.test', recipients: ['a@x.test', 'b@x.test'], now: NOW });
    assert.match(h, /^Received: from mail\.remote\.test \(host\.remote\.test \[192\.0\.2\.7\]\)\r\n/);
    assert.match(h, /with ESMTPSA id abc123\r\n\t\(version=TLSv1\.3 cipher=TLS_AES_256_GCM_SHA384\);\r\n/);
    assert.doesNotMatch(h, /alice|for </);
  });

  it('marks IPv6 clients and strips characters a client could use to break the header', () => {
    const env: Envelope = { ...base, client: { ...base.client, remoteAddress: '2001:db8::1', helo: 'evil)\r\nX-Injected: 1' } };
    const h = receivedHeader(env, { hostname: 'mx.test', recipients: [], now: NOW });
    assert.match(h, /\[IPv6:2001:db8::1\]/);
    assert.equal(h.split('\r\n').filter((l) => l.startsWith('X-Injected')).length, 0);
    assert.doesNotMatch(h.split('\r\n')[0] ?? '', /\)\S*\)/);
  });

  it('names the protocol per RFC 3848', () => {
    assert.equal(transmissionType({ ...base, client: { ...base.client, esmtp: false } }), 'SMTP');
    assert.equal(transmissionType({ ...base, client: { ...base.client, secure: true } }), 'ESMTPS');
    assert.equal(rfc5322Date(Date.UTC(2026, 0, 5, 3, 4, 5)), 'Mon, 5 Jan 2026 03:04:05 +0000');
  });
});

describe('SMTP replies', () => {
  it('puts the enhanced code in the text and the basic code in responseCode', () => {
    const e = smtpError(REPLIES.relayDenied);
    assert.equal(e.responseCode, 554);
    assert.equal(e.message, '5.7.1 Relay access denied');
  });

  it('maps catalogue errors, verdicts, and unknown failures (temporary)', () => {
    assert.equal(fromError(new PochtaError('UNKNOWN_USER', 'detail not for clients')).message, '5.1.1 No such user here');
    assert.equal(fromError(new PochtaError('OVER_QUOTA')).responseCode, 452);
    const unknown = fromError(new Error('boom /secret/path'));
    assert.equal(unknown.responseCode, 451);
    assert.doesNotMatch(unknown.message, /secret/);
    assert.equal(fromVerdict({ kind: 'accept' }), undefined);
    assert.equal(fromVerdict(reject('nope', 550, '5.7.1'))?.message, '5.7.1 nope');
  });
});
