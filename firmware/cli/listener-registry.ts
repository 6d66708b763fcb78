// Every listener the daemon runs: name -> module (exporting createService) and
// the probe the supervisor checks it with. A new listener plugs in with one
// line here; its address comes from the config (`--listen NAME=HOST:PORT`).

import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { greetingProbe, httpProbe, type Probe, tlsGreetingProbe } from '../supervisor/index.ts';
import type { ListenerName } from '../supervisor/service.ts';

export interface ListenerEntry {
  readonly name: ListenerName;
  readonly module: URL;
  /** How a client would check it; every socket listener has one (implicit-TLS ones handshake first). None for the queue runner. */
  readonly probe?: Probe;
}

// Same extension as this file: .ts from the sources, .js from the dist/ build.
const EXT = extname(fileURLToPath(import.meta.url));
const mod = (path: string) => new URL(`${path}${EXT}`, import.meta.url);

export const LISTENERS: readonly ListenerEntry[] = [
  { name: 'smtp', module: mod('../smtp/service'), probe: greetingProbe(/^220 /) },
  { name: 'submission', module: mod('../smtp/service'), probe: greetingProbe(/^220 /) },
  { name: 'smtps', module: mod('../smtp/service'), probe: tlsGreetingProbe(/^220 /) },
  { name: 'imap', module: mod('../imap/service'), probe: greetingProbe(/^\* OK/) },
  { name: 'imaps', module: mod('../imap/service'), probe: tlsGreetingProbe(/^\* OK/) },
  { name: 'pop3', module: mod('../pop3/service'), probe: greetingProbe(/^\+OK/) },
  { name: 'pop3s', module: mod('../pop3/service'), probe: tlsGreetingProbe(/^\+OK/) },
  { name: 'web', module: mod('../../webui/service'), probe: httpProbe('/health') },
  { name: 'queue', module: mod('../delivery/outbound/service') },
];
