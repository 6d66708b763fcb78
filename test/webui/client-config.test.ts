// Client autoconfig: Thunderbird's clientConfig read with the rules of its
// account wizard (readFromXML: emailProvider, incomingServer/outgoingServer with
// hostname, port, socketType plain|SSL|STARTTLS, username, authentication),
// Outlook's autodiscover (2006 schema), and the Apple profile as a plist.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, completeSetup, type Harness, startHarness } from './support.ts';
import { kid, kids, parseXml, textOf, type XmlElement } from './xml.ts';

const SOCKET_TYPES = new Set(['plain', 'SSL', 'STARTTLS']);
const AUTH = new Set([
  'password-cleartext',
  'password-encrypted',
  'NTLM',
  'GSSAPI',
  'client-IP-address',
  'TLS-client-cert',
  'OAuth2',
  'none',
]);

/** What Thunderbird takes from one server element, refusing what it would refuse. */
function tbServer(el: XmlElement) {
  const port = Number(textOf(el, 'port'));
  assert.ok(Number.isInteger(port) && port > 0 && port < 65536, 'port');
  const socketType = textOf(el, 'socketType');
  assert.ok(SOCKET_TYPES.has(socketType), `socketType ${socketType}`);
  for (const a of kids(el, 'authentication')) assert.ok(AUTH.has(a.text.trim()), `authentication ${a.text}`);
  return {
    type: el.attrs['type'],
    hostname: textOf(el, 'hostname'),
    port,
    socketType,
    username: textOf(el, 'username'),
    auth: textOf(el, 'authentication'),
  };
}

describe('client autoconfig', () => {
  let h: Harness;
  let admin: Client;
  before(async () => {
    h = await startHarness();
    admin = await completeSetup(h, {
      domain: 'example.test',
      hostname: 'mx.example.test',
      users: [{ address: 'anna', password: 'Orange-Bicycle-Window-3', displayName: 'Anna & Co' }],
    });
  });
  after(() => h.close());

  for (const url of ['/.well-known/autoconfig/mail/config-v1.1.xml', '/mail/config-v1.1.xml']) {
    it(`Thunderbird ${url}`, async () => {
      const res = await h.app.inject({ method: 'GET', url: `${url}?emailaddress=anna%40example.test` });
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /xml/);
      const doc = parseXml(res.body);
      assert.equal(doc.name, 'clientConfig');
      assert.equal(doc.attrs['version'], '1.1');
      const provider = kid(doc, 'emailProvider');
      assert.equal(textOf(provider, 'domain'), 'example.test');
      const incoming = kids(provider, 'incomingServer').map(tbServer);
      const outgoing = kids(provider, 'outgoingServer').map(tbServer);
      const pick = (list: ReturnType<typeof tbServer>[]) => list.map((s) => `${s.type} ${s.port} ${s.socketType}`);
      assert.deepEqual(pick(incoming), ['imap 993 SSL', 'imap 143 STARTTLS', 'pop3 995 SSL', 'pop3 110 STARTTLS']);
      assert.deepEqual(pick(outgoing), ['smtp 465 SSL', 'smtp 587 STARTTLS']);
      for (const s of [...incoming, ...outgoing]) {
        assert.equal(s.hostname, 'mx.example.test');
        assert.equal(s.username, '%EMAILADDRESS%');
        assert.equal(s.auth, 'password-cleartext');
      }
    });
  }

  it('Outlook autodiscover', async () => {
    const request = `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006">
  <Request><EMailAddress>anna@example.test</EMailAddress>
  <AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request>
</Autodiscover>`;
    const res = await h.app.inject({
      method: 'POST',
      url: '/autodiscover/autodiscover.xml',
      headers: { 'content-type': 'text/xml' },
      payload: request,
    });
    assert.equal(res.statusCode, 200, res.body);
    const doc = parseXml(res.body);
    assert.equal(doc.attrs['xmlns'], 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006');
    const response = kid(doc, 'Response');
    assert.equal(response.attrs['xmlns'], 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a');
    const account = kid(response, 'Account');
    assert.equal(textOf(account, 'AccountType'), 'email');
    assert.equal(textOf(account, 'Action'), 'settings');
    const protocols = kids(account, 'Protocol').map(
      (p) => `${textOf(p, 'Type')} ${textOf(p, 'Server')} ${textOf(p, 'Port')} ${textOf(p, 'SSL')} ${textOf(p, 'LoginName')}`,
    );
    assert.deepEqual(protocols, [
      'IMAP mx.example.test 993 on anna@example.test',
      'POP3 mx.example.test 995 on anna@example.test',
      'SMTP mx.example.test 465 on anna@example.test',
    ]);
    const bad = await h.app.inject({
      method: 'POST',
      url: '/Autodiscover/Autodiscover.xml',
      headers: { 'content-type': 'text/xml' },
      payload: '<x/>',
    });
    assert.equal(bad.statusCode, 400);
  });

  it('Apple profile: a plist with one IMAP account over SSL, for the admin or the user only', async () => {
    const res = await admin.req('GET', '/api/users/anna@example.test/mobileconfig');
    assert.equal(res.status, 200);
    assert.equal(res.headers['content-type'], 'application/x-apple-aspen-config');
    assert.match(String(res.headers['content-disposition']), /anna@example\.test\.mobileconfig/);
    const plist = parseXml(res.body);
    assert.equal(plist.name, 'plist');
    const top = kid(plist, 'dict');
    const dictOf = (d: XmlElement) => {
      const out: Record<string, XmlElement> = {};
      for (let i = 0; i < d.children.length; i += 2) out[d.children[i]!.text] = d.children[i + 1]!;
      return out;
    };
    const outer = dictOf(top);
    assert.equal(outer['PayloadType']!.text, 'Configuration');
    const mail = dictOf(kid(outer['PayloadContent']!, 'dict'));
    assert.equal(mail['PayloadType']!.text, 'com.apple.mail.managed');
    assert.equal(mail['EmailAccountType']!.text, 'EmailTypeIMAP');
    assert.equal(mail['EmailAccountName']!.text, 'Anna & Co');
    assert.equal(mail['IncomingMailServerHostName']!.text, 'mx.example.test');
    assert.equal(mail['IncomingMailServerPortNumber']!.text, '993');
    assert.equal(mail['IncomingMailServerUseSSL']!.name, 'true');
    assert.equal(mail['OutgoingMailServerPortNumber']!.text, '465');
    assert.equal(mail['IncomingMailServerUsername']!.text, 'anna@example.test');
    assert.match(mail['PayloadUUID']!.text, /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-A[0-9A-F]{3}-[0-9A-F]{12}$/);
    assert.equal((await new Client(h.app).req('GET', '/api/users/anna@example.test/mobileconfig')).status, 401);
  });
});
