import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { dkimSign } from 'mailauth';
import { AUTH_SCORES, checkAuthentication } from '../../../firmware/filters/auth-results.ts';
import { DnsResolver } from '../../../firmware/net/resolver.ts';
import { TestDnsServer } from '../../support/dns-server.ts';

const HOST = 'mx.example.test';

function message(from: string, body = 'Hello Bob,\r\nthe figures are attached.\r\n'): string {
  return [
    `From: Alice <${from}>`,
    'To: bob@example.test',
    'Subject: quarterly figures',
    'Date: Fri, 27 Nov 2026 10:00:00 +0000',
    `Message-ID: <q4-${Math.random().toString(36).slice(2)}@${from.split('@')[1]}>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    body,
  ].join('\r\n');
}

describe('SPF, DKIM and DMARC with mailauth over our resolver and loopback DNS', () => {
  let dns: TestDnsServer;
  let resolver: DnsResolver;
  let privateKey: string;

  const sign = async (msg: string, domain = 'sender.test'): Promise<string> => {
    // mailauth signs only what is in signatureData (its top-level key options are not read).
    const key = { signingDomain: domain, selector: 's1', privateKey };
    const signed = await dkimSign(msg, { ...key, signatureData: [key] });
    assert.deepEqual(signed.errors, []);
    assert.match(signed.signatures, /^DKIM-Signature: /);
    return signed.signatures + msg;
  };

  before(async () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    privateKey = keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const publicKey = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    dns = await TestDnsServer.start();
    dns
      .add('s1._domainkey.sender.test', { type: 'TXT', text: `v=DKIM1; k=rsa; p=${publicKey}` })
      .add('sender.test', { type: 'TXT', text: 'v=spf1 ip4:127.0.0.5 -all' }, { type: 'MX', exchange: 'mx.sender.test', priority: 10 })
      .add('_dmarc.sender.test', { type: 'TXT', text: 'v=DMARC1; p=reject' })
      .add('quarantined.test', { type: 'TXT', text: 'v=spf1 ip4:127.0.0.6 -all' })
      .add('_dmarc.quarantined.test', { type: 'TXT', text: 'v=DMARC1; p=quarantine' })
      .add('soft.test', { type: 'TXT', text: 'v=spf1 ip4:127.0.0.7 ~all' })
      .add('flaky.test', { type: 'A', address: '127.0.0.8' })
      .behave('flaky.test', { kind: 'servfail' });
    resolver = new DnsResolver({ servers: [dns.address], timeoutMs: 300, tries: 1 });
  });
  after(async () => {
    await dns.close();
  });

  it('passes a signed message from an SPF-authorised client, and writes Authentication-Results', async () => {
    const msg = await sign(message('alice@sender.test'));
    const r = await checkAuthentication(
      { message: Buffer.from(msg), ip: '127.0.0.5', helo: 'mx.sender.test', sender: 'alice@sender.test' },
      { resolver, hostname: HOST, honourDmarcReject: true },
    );
    assert.equal(r.spf.result, 'pass');
    assert.equal(r.spf.domain, 'sender.test');
    assert.equal(r.dkimSummary, 'pass');
    assert.equal(r.dkim.length, 1);
    assert.equal(r.dkim[0]?.domain, 'sender.test');
    assert.equal(r.dkim[0]?.selector, 's1');
    assert.equal(r.dkim[0]?.aligned, 'sender.test');
    assert.deepEqual(r.dmarc, { result: 'pass', domain: 'sender.test', policy: 'reject' });
    assert.deepEqual(r.verdict, { kind: 'accept' });
    assert.equal(r.scored.score, 0);
    assert.match(r.authenticationResults, /^Authentication-Results: mx\.example\.test;/);
    assert.match(r.authenticationResults, /dkim=pass[^;]*header\.i=@sender\.test header\.s=s1/);
    assert.match(r.authenticationResults, /spf=pass[^;]*smtp\.mailfrom=/);
    assert.match(r.authenticationResults, /dmarc=pass/);
    assert.match(r.headers, /^Received-SPF: pass/m);
    assert.ok(r.headers.endsWith('\r\n'));
  });

  it('fails a tampered signature and an unauthorised client; DMARC p=reject refuses it when honoured', async () => {
    const msg = (await sign(message('alice@sender.test'))).replace('Subject: quarterly figures', 'Subject: urgent invoice');
    const input = { message: Buffer.from(msg), ip: '127.0.0.9', helo: 'stranger.test', sender: 'alice@sender.test' };
    const r = await checkAuthentication(input, { resolver, hostname: HOST, honourDmarcReject: true });
    assert.equal(r.spf.result, 'fail');
    assert.equal(r.dkimSummary, 'fail');
    assert.match(r.dkim[0]?.comment ?? '', /signature/);
    assert.deepEqual(r.dmarc, { result: 'fail', domain: 'sender.test', policy: 'reject' });
    assert.equal(r.verdict.kind, 'reject');
    if (r.verdict.kind === 'reject') {
      assert.equal(r.verdict.code, 550);
      assert.equal(r.verdict.enhanced, '5.7.1');
      assert.match(r.verdict.text, /DMARC policy of sender\.test/);
    }
    assert.equal(r.scored.score, AUTH_SCORES.spfFail + AUTH_SCORES.dkimFail + AUTH_SCORES.dmarcReject);
    assert.match(r.authenticationResults, /dmarc=fail/);

    const lenient = await checkAuthentication(
      { ...input, message: Buffer.from(msg) },
      { resolver, hostname: HOST, honourDmarcReject: false },
    );
    assert.equal(lenient.verdict.kind, 'accept', 'not honoured: delivered, and the score sends it to Junk');
    assert.equal(lenient.scored.score, r.scored.score);
  });

  it('lets aligned SPF carry DMARC when the signature is broken', async () => {
    const msg = (await sign(message('alice@sender.test'))).replace('the figures', 'the invoice');
    const r = await checkAuthentication(
      { message: Buffer.from(msg), ip: '127.0.0.5', helo: 'mx.sender.test', sender: 'alice@sender.test' },
      { resolver, hostname: HOST, honourDmarcReject: true },
    );
    assert.equal(r.spf.result, 'pass');
    // mailauth's lenient mode calls a body hash mismatch neutral (mailing-list footers); not a pass either way.
    assert.equal(r.dkimSummary, 'neutral');
    assert.match(r.dkim[0]?.comment ?? '', /body hash/);
    assert.equal(r.dmarc.result, 'pass');
    assert.equal(r.verdict.kind, 'accept');
  });

  it('reports the quarantine policy of an unsigned failing message as a Junk score', async () => {
    const r = await checkAuthentication(
      { message: Buffer.from(message('carol@quarantined.test')), ip: '127.0.0.9', sender: 'carol@quarantined.test' },
      { resolver, hostname: HOST, honourDmarcReject: true },
    );
    assert.equal(r.spf.result, 'fail');
    assert.equal(r.dkimSummary, 'none');
    assert.deepEqual(r.dmarc, { result: 'fail', domain: 'quarantined.test', policy: 'quarantine' });
    assert.equal(r.verdict.kind, 'accept', 'quarantine is never a refusal');
    assert.equal(r.scored.score, AUTH_SCORES.spfFail + AUTH_SCORES.dmarcQuarantine);
  });

  it('gives softfail, none and temperror (DNS failure) without refusing', async () => {
    const soft = await checkAuthentication(
      { message: Buffer.from(message('dave@soft.test')), ip: '127.0.0.9', sender: 'dave@soft.test' },
      { resolver, hostname: HOST, honourDmarcReject: true },
    );
    assert.equal(soft.spf.result, 'softfail');
    assert.equal(soft.dmarc.result, 'none');
    assert.equal(soft.scored.score, AUTH_SCORES.spfSoftfail);

    const none = await checkAuthentication(
      { message: Buffer.from(message('erin@nowhere.test')), ip: '127.0.0.9', sender: 'erin@nowhere.test' },
      { resolver, hostname: HOST, honourDmarcReject: true },
    );
    assert.equal(none.spf.result, 'none');

    const flaky = await checkAuthentication(
      { message: Buffer.from(message('frank@flaky.test')), ip: '127.0.0.9', sender: 'frank@flaky.test' },
      { resolver, hostname: HOST, honourDmarcReject: true },
    );
    assert.equal(flaky.spf.result, 'temperror');
    assert.equal(flaky.verdict.kind, 'accept');
    assert.equal(flaky.scored.score, 0);
    assert.match(flaky.authenticationResults, /spf=temperror/);
  });
});
