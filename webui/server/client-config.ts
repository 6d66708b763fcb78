// What mail clients read to set themselves up from just an address and a
// password: Thunderbird's autoconfig (clientConfig v1.1), Outlook's
// autodiscover (the 2006 POX schema), and an Apple configuration profile.
// Every client gets the same servers: the box's mail host name, implicit TLS
// first and STARTTLS as the alternative, the full address as the user name.

import { createHash } from 'node:crypto';

export const MAIL_PORTS = { imaps: 993, imap: 143, pop3s: 995, pop3: 110, smtps: 465, submission: 587 } as const;

export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

/** The domain of an address, or undefined when it is not one. */
export function domainOfAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const at = address.lastIndexOf('@');
  const domain =
    at > 0
      ? address
          .slice(at + 1)
          .trim()
          .toLowerCase()
      : '';
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain) ? domain : undefined;
}

export function thunderbirdConfig(hostname: string, domain: string): string {
  const h = xmlEscape(hostname);
  const server = (tag: 'incomingServer' | 'outgoingServer', type: string, port: number, socket: 'SSL' | 'STARTTLS') =>
    [
      `    <${tag} type="${type}">`,
      `      <hostname>${h}</hostname>`,
      `      <port>${port}</port>`,
      `      <socketType>${socket}</socketType>`,
      '      <authentication>password-cleartext</authentication>',
      '      <username>%EMAILADDRESS%</username>',
      `    </${tag}>`,
    ].join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${xmlEscape(domain)}">`,
    `    <domain>${xmlEscape(domain)}</domain>`,
    `    <displayName>${xmlEscape(domain)} mail (Pochta)</displayName>`,
    `    <displayShortName>${xmlEscape(domain)}</displayShortName>`,
    server('incomingServer', 'imap', MAIL_PORTS.imaps, 'SSL'),
    server('incomingServer', 'imap', MAIL_PORTS.imap, 'STARTTLS'),
    server('incomingServer', 'pop3', MAIL_PORTS.pop3s, 'SSL'),
    server('incomingServer', 'pop3', MAIL_PORTS.pop3, 'STARTTLS'),
    server('outgoingServer', 'smtp', MAIL_PORTS.smtps, 'SSL'),
    server('outgoingServer', 'smtp', MAIL_PORTS.submission, 'STARTTLS'),
    '  </emailProvider>',
    '</clientConfig>',
    '',
  ].join('\n');
}

/** The address in an Outlook autodiscover request (<EMailAddress>), if any. */
export function autodiscoverAddress(body: string): string | undefined {
  const match = /<(?:\w+:)?EMailAddress>\s*([^<\s]+)\s*<\/(?:\w+:)?EMailAddress>/i.exec(body);
  return match?.[1];
}

export function outlookAutodiscover(hostname: string, address: string): string {
  const h = xmlEscape(hostname);
  const a = xmlEscape(address);
  const protocol = (type: string, port: number, extra: string[] = []) =>
    [
      '      <Protocol>',
      `        <Type>${type}</Type>`,
      `        <Server>${h}</Server>`,
      `        <Port>${port}</Port>`,
      '        <DomainRequired>off</DomainRequired>',
      `        <LoginName>${a}</LoginName>`,
      '        <SPA>off</SPA>',
      '        <SSL>on</SSL>',
      '        <AuthRequired>on</AuthRequired>',
      ...extra,
      '      </Protocol>',
    ].join('\n');
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006">',
    '  <Response xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a">',
    '    <Account>',
    '      <AccountType>email</AccountType>',
    '      <Action>settings</Action>',
    protocol('IMAP', MAIL_PORTS.imaps),
    protocol('POP3', MAIL_PORTS.pop3s),
    protocol('SMTP', MAIL_PORTS.smtps, ['        <UsePOPAuth>on</UsePOPAuth>', '        <SMTPLast>off</SMTPLast>']),
    '    </Account>',
    '  </Response>',
    '</Autodiscover>',
    '',
  ].join('\n');
}

/** A stable UUID from a string, so a downloaded profile replaces the earlier one instead of adding another. */
function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`.toUpperCase();
}

/** An unsigned Apple configuration profile with one IMAP account (SSL) and SMTP (SSL) for `address`. */
export function appleMobileconfig(hostname: string, address: string, displayName: string): string {
  const reverse = hostname.split('.').reverse().join('.');
  const s = (key: string, value: string) => `      <key>${key}</key>\n      <string>${xmlEscape(value)}</string>`;
  const i = (key: string, value: number) => `      <key>${key}</key>\n      <integer>${value}</integer>`;
  const b = (key: string, value: boolean) => `      <key>${key}</key>\n      <${value}/>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '  <key>PayloadContent</key>',
    '  <array>',
    '    <dict>',
    s('EmailAccountDescription', address),
    s('EmailAccountName', displayName || address),
    s('EmailAccountType', 'EmailTypeIMAP'),
    s('EmailAddress', address),
    s('IncomingMailServerAuthentication', 'EmailAuthPassword'),
    s('IncomingMailServerHostName', hostname),
    i('IncomingMailServerPortNumber', MAIL_PORTS.imaps),
    b('IncomingMailServerUseSSL', true),
    s('IncomingMailServerUsername', address),
    s('OutgoingMailServerAuthentication', 'EmailAuthPassword'),
    s('OutgoingMailServerHostName', hostname),
    i('OutgoingMailServerPortNumber', MAIL_PORTS.smtps),
    b('OutgoingMailServerUseSSL', true),
    s('OutgoingMailServerUsername', address),
    b('OutgoingPasswordSameAsIncomingPassword', true),
    s('PayloadDescription', `Mail account ${address}`),
    s('PayloadDisplayName', address),
    s('PayloadIdentifier', `${reverse}.pochta.mail.${address}`),
    s('PayloadType', 'com.apple.mail.managed'),
    s('PayloadUUID', uuidFrom(`mail:${address}`)),
    i('PayloadVersion', 1),
    '    </dict>',
    '  </array>',
    '  <key>PayloadDescription</key>',
    `  <string>${xmlEscape(`Sets up ${address} on ${hostname}`)}</string>`,
    '  <key>PayloadDisplayName</key>',
    `  <string>${xmlEscape(`Mail: ${address}`)}</string>`,
    '  <key>PayloadIdentifier</key>',
    `  <string>${xmlEscape(`${reverse}.pochta.${address}`)}</string>`,
    '  <key>PayloadRemovalDisallowed</key>',
    '  <false/>',
    '  <key>PayloadType</key>',
    '  <string>Configuration</string>',
    '  <key>PayloadUUID</key>',
    `  <string>${uuidFrom(`profile:${address}`)}</string>`,
    '  <key>PayloadVersion</key>',
    '  <integer>1</integer>',
    '</dict>',
    '</plist>',
    '',
  ].join('\n');
}
