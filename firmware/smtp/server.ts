// One SMTP listener on smtp-server: the wire is smtp-server's, every decision
// is made here. The same handlers serve the three modes; what differs
// (AUTH, relay rights, DNSBL, SPF/DKIM/DMARC) is chosen by `mode`.

import { randomBytes } from 'node:crypto';
import type { SMTPServerAddress, SMTPServerDataStream, SMTPServerOptions, SMTPServerSession } from 'smtp-server';
import type { Settings } from '../config/settings.ts';
import { errorSummary } from '../delivery/index.ts';
// address-policy, not the filters' index: the index also loads mailauth, which a listener needs only once mail arrives.
import { checkRecipientAddress, checkSenderAddress } from '../filters/address-policy.ts';
// line-ends alone: the MIME room's index loads the whole parser, which the store's thread runs, not this one
import { toCrlf } from '../mime/line-ends.ts';
import { CidrList, isLoopback } from '../net/cidr.ts';
import type { ListenAddress } from '../supervisor/service.ts';
import { checkLogin, senderAllowed } from './auth.ts';
import { AuthThrottle, ConnectionCounter, SlidingWindow } from './limits.ts';
import { DEFAULT_TUNING, type SmtpServerDeps, type SmtpTuning } from './policy.ts';
import { dnsblListed, fromError, fromVerdict, ok, REPLIES, smtpError } from './replies.ts';
import { clientInfo, type SessionState } from './session-state.ts';
import { PochtaSmtpServer } from './wire.ts';

export interface SmtpListener {
  /** Bind and resolve with the real address (port 0 becomes a port). */
  listen(address: ListenAddress): Promise<ListenAddress>;
  /** Stop accepting; sessions still open at `deadline` get 421 and are closed. */
  close(deadline: number): Promise<void>;
  /** Connections currently open. */
  connections(): number;
}

type Callback = (err?: Error | null) => void;

export function createSmtpListener(deps: SmtpServerDeps): SmtpListener {
  const tuning: SmtpTuning = { ...DEFAULT_TUNING, ...deps.tuning };
  const submission = deps.mode !== 'smtp';
  const listenerName = deps.mode;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const sessions = new Map<string, SessionState>();
  const counter = new ConnectionCounter();
  const messagesPerIp = new SlidingWindow(60_000, deps.now);
  const unknownPerIp = new SlidingWindow(tuning.harvestWindowMs, deps.now);
  const authThrottle = new AuthThrottle(tuning.authWindowMs, deps.now);
  let trustedCache: { source: readonly string[]; list: CidrList } | undefined;

  const trustedNetworks = (settings: Settings): CidrList => {
    const source = settings['relay.trustedNetworks'];
    if (trustedCache?.source !== source) trustedCache = { source, list: CidrList.parse(source) };
    return trustedCache.list;
  };

  const options: SMTPServerOptions = {
    name: deps.hostname,
    banner: 'Pochta',
    secure: deps.mode === 'smtps',
    // Port 25 accepts anonymous mail and offers no AUTH at all; submission demands it.
    authOptional: !submission,
    disabledCommands: submission ? [] : ['AUTH'],
    authMethods: ['PLAIN', 'LOGIN'],
    authRequiredMessage: `${REPLIES.authRequired.enhanced} ${REPLIES.authRequired.text}`,
    // In dev mode loopback clients may log in without TLS; onAuth enforces the loopback part.
    allowInsecureAuth: submission && deps.dev,
    hideENHANCEDSTATUSCODES: false,
    hideDSN: true,
    // Our address policy and the store know ASCII local parts only; offering SMTPUTF8 would be a promise we break.
    hideSMTPUTF8: true,
    hideREQUIRETLS: true,
    size: 0,
    socketTimeout: tuning.socketTimeoutMs,
    closeTimeout: 30_000,
    disableReverseLookup: deps.reverseLookup === undefined,
    minVersion: 'TLSv1.2',
    logger: false,
    onConnect: (session, cb) => void onConnect(session, cb),
    onAuth: (auth, session, cb) => {
      const state = sessions.get(session.id);
      if (!state) return cb(fromError(new Error('no session')));
      const ip = session.remoteAddress;
      if (!session.secure && !(deps.dev && isLoopback(ip))) return cb(smtpError(REPLIES.authNeedsTls));
      checkLogin(
        { store: deps.store, verifyPassword: deps.verifyPassword, throttle: authThrottle },
        { method: auth.method, username: auth.username, password: auth.password, authzid: auth.authzid, ip },
        { perIp: state.settings['limits.authFailuresPerIp'], perAccount: tuning.authFailuresPerAccount },
      ).then(
        (result) => {
          if (result.ok) {
            state.user = result.user;
            state.log.info({ user: result.user.address, method: auth.method }, 'authenticated');
            return cb(null, { user: result.user });
          }
          state.log.warn({ user: result.username, method: auth.method, reason: result.reason }, 'authentication failed');
          cb(smtpError(result.reply));
        },
        (err) => {
          state.log.error({ err: errorSummary(err) }, 'authentication error');
          cb(fromError(err));
        },
      );
    },
    onSecure: (_socket, session, cb) => {
      // RFC 3207 4.2: smtp-server forgets the plaintext identity after STARTTLS; so do we.
      const state = sessions.get(session.id);
      if (state) {
        state.user = undefined;
        state.tx?.abort();
        state.tx = undefined;
      }
      // AUTH hidden before TLS comes back now (the server-wide list allows it on submission).
      session.disabledCommands = undefined;
      cb();
    },
    onMailFrom: (address, session, cb) => void onMailFrom(address, session, cb),
    onRcptTo: (address, session, cb) => void onRcptTo(address, session, cb),
    onData: (stream, session, cb) => onData(stream, session, cb),
    onClose: (session) => {
      const state = sessions.get(session.id);
      if (!state) return;
      sessions.delete(session.id);
      state.tx?.abort();
      if (state.counted) counter.release(session.remoteAddress);
      state.log.info({ accepted: state.accepted }, 'disconnected');
    },
  };
  const reverseLookup = deps.reverseLookup;
  if (reverseLookup) {
    options.resolver = {
      reverse: (ip, cb) => {
        reverseLookup(ip).then(
          (name) => cb(null, name ? [name] : []),
          () => cb(null, []),
        );
      },
    };
  }
  if (deps.tls) {
    options.key = deps.tls.key;
    options.cert = deps.tls.cert;
    const context = deps.tls.context;
    if (context) options.SNICallback = (_name, cb) => cb(null, context());
  } else {
    // Without our certificate smtp-server would fall back to its built-in one, whose key is public: no STARTTLS then.
    options.disabledCommands = [...(options.disabledCommands ?? []), 'STARTTLS'];
  }

  const server = new PochtaSmtpServer(options);
  const currentContext = deps.tls?.context;
  if (currentContext) {
    // Clients without SNI get smtp-server's default context, made once from the files at start;
    // point it at the current one before each handshake so a replaced certificate applies at once.
    server.server.prependListener('connection', () => {
      const context = currentContext();
      if (server.secureContext.get('*') !== context) server.secureContext.set('*', context);
    });
  }
  // A socket error on one connection must never take the listener down.
  server.on('error', (err) => deps.log.warn({ err: errorSummary(err) }, 'smtp server error'));
  deps.settings.onChange((settings) => {
    server.options.size = settings['limits.messageSize'];
  });

  async function onConnect(session: SMTPServerSession, cb: Callback): Promise<void> {
    const ip = session.remoteAddress;
    const log = deps.log.child({ conn: session.id, remote: ip });
    try {
      const settings = await deps.settings.get();
      server.options.size = settings['limits.messageSize'];
      const state: SessionState = { id: session.id, log, settings, counted: false, trusted: false, accepted: 0 };
      sessions.set(session.id, state);
      const slot = counter.acquire(ip, { perIp: settings['limits.connectionsPerIp'], total: settings['limits.connectionsTotal'] });
      if (slot !== 'ok') {
        log.warn({ limit: slot }, 'connection refused: too many connections');
        return cb(smtpError(slot === 'per-ip' ? REPLIES.tooManyConnectionsFromIp : REPLIES.tooBusy));
      }
      state.counted = true;
      state.trusted = trustedNetworks(settings).contains(ip);
      // Plaintext mechanisms are not even offered before TLS (RFC 4954 section 4), except to loopback in dev mode.
      if (submission && !session.secure && !(deps.dev && isLoopback(ip))) {
        session.disabledCommands = [...(server.options.disabledCommands ?? []), 'AUTH'];
      }
      log.info({ hostname: session.clientHostname, trusted: state.trusted }, 'connected');
      if (!submission && !state.trusted && deps.dnsbl) {
        const outcome = await deps.dnsbl(ip, settings);
        if (outcome.listed) {
          const reply = outcome.reply ?? dnsblListed(ip, outcome.zone ?? 'a blocklist');
          log.warn({ zone: outcome.zone, score: outcome.score, at: settings['dnsbl.rejectAt'] }, 'client listed by DNSBL');
          // Counted once per connection, whether refused now or at each RCPT.
          deps.count?.('rejectedDnsbl');
          if (settings['dnsbl.rejectAt'] === 'connect') return cb(smtpError(reply));
          state.listed = reply;
        }
      }
      cb();
    } catch (err) {
      log.error({ err: errorSummary(err) }, 'connect handling failed');
      cb(smtpError({ code: 421, enhanced: '4.3.0', text: 'Temporary failure, try later' }));
    }
  }

  async function onMailFrom(address: SMTPServerAddress, session: SMTPServerSession, cb: Callback): Promise<void> {
    const state = sessions.get(session.id);
    if (!state) return cb(fromError(new Error('no session')));
    state.tx?.abort();
    state.tx = undefined;
    try {
      const ip = session.remoteAddress;
      const checked = checkSenderAddress(address.address);
      if (!checked.ok) {
        state.log.info({ from: address.address, problem: checked.problem }, 'sender refused');
        return cb(fromVerdict(checked.verdict));
      }
      const from = checked.address;
      if (messagesPerIp.hit(ip) > state.settings['limits.messagesPerMinutePerIp']) {
        state.log.warn('message rate limit reached');
        return cb(smtpError(REPLIES.rateLimited));
      }
      if (submission) {
        const user = state.user;
        if (!user) return cb(smtpError(REPLIES.authRequired));
        if (from === '') return cb(smtpError(REPLIES.nullSenderNotAllowed));
        if (!(await senderAllowed(deps.store, user, from))) {
          state.log.warn({ user: user.address, from }, 'sender not owned by user');
          return cb(smtpError(REPLIES.senderNotOwned));
        }
      }
      const messageId = randomBytes(9).toString('base64url');
      state.messageId = messageId;
      const declared = address.args ? Number(address.args['SIZE']) : Number.NaN;
      const envelope = {
        from,
        ...(Number.isSafeInteger(declared) && declared > 0 ? { declaredSize: declared } : {}),
        client: clientInfo(session, listenerName),
        mayRelay: state.user !== undefined || state.trusted,
        messageId,
        ...(state.user ? { authUser: state.user } : {}),
      };
      state.tx = deps.target.start(envelope);
      cb();
    } catch (err) {
      state.log.error({ err: errorSummary(err) }, 'MAIL FROM handling failed');
      cb(fromError(err));
    }
  }

  async function onRcptTo(address: SMTPServerAddress, session: SMTPServerSession, cb: Callback): Promise<void> {
    const state = sessions.get(session.id);
    const tx = state?.tx;
    if (!state || !tx) return cb(smtpError({ code: 503, enhanced: '5.5.1', text: 'Need MAIL command' }));
    try {
      if (state.listed) return cb(smtpError(state.listed));
      if (session.envelope.rcptTo.length >= state.settings['limits.recipientsPerMessage']) {
        return cb(smtpError(REPLIES.tooManyRecipients));
      }
      // RFC 5321 4.1.1.3: the domainless "postmaster" must be accepted; it means our own postmaster.
      const raw = address.address.toLowerCase() === 'postmaster' ? await postmasterAddress() : address.address;
      // Routing tricks are refused for everyone, trusted or not, before any relay decision.
      const checked = checkRecipientAddress(raw);
      if (!checked.ok) {
        state.log.warn({ rcpt: address.address, problem: checked.problem }, 'recipient refused');
        return cb(fromVerdict(checked.verdict));
      }
      const rcpt = checked.address;
      const result = await tx.addRecipient(rcpt);
      if (result.ok) return cb();
      const reply = fromError(result.error);
      // Harvest counting is for strangers; a trusted host or a logged-in user with a stale address book is not probing.
      if (result.error.code === 'UNKNOWN_USER' && !state.trusted && !state.user) {
        const unknown = unknownPerIp.hit(session.remoteAddress);
        state.log.info({ rcpt, unknown }, 'unknown recipient');
        if (unknown >= tuning.harvestDropAfter) {
          state.log.warn({ unknown }, 'directory harvest suspected: dropping session');
          return cb(smtpError(REPLIES.harvestDrop));
        }
        if (unknown > tuning.harvestSlowAfter) {
          await sleep(Math.min(tuning.harvestMaxDelayMs, (unknown - tuning.harvestSlowAfter) * tuning.harvestDelayMs));
        }
      } else {
        state.log.info({ rcpt, reply: reply.message, code: reply.responseCode }, 'recipient refused');
      }
      cb(reply);
    } catch (err) {
      state.log.error({ err: errorSummary(err) }, 'RCPT TO handling failed');
      cb(fromError(err));
    }
  }

  // postmaster@ the local domain our host name is in, else the first local domain.
  async function postmasterAddress(): Promise<string> {
    const domains = (await deps.store.listDomains()).map((d) => d.name);
    const own = domains.find((d) => deps.hostname === d || deps.hostname.endsWith(`.${d}`)) ?? domains[0];
    return own ? `postmaster@${own}` : 'postmaster';
  }

  function onData(
    stream: SMTPServerDataStream,
    session: SMTPServerSession,
    cb: Callback & ((err: Error | null, message?: string) => void),
  ): void {
    const state = sessions.get(session.id);
    const limit = state?.settings['limits.messageSize'] ?? 0;
    const chunks: Buffer[] = [];
    let kept = 0;
    let finished = false;
    const finish = (err: Error | null, message?: string) => {
      if (finished) return;
      finished = true;
      cb(err, message);
    };
    // The stream is always read to its end, even when the message is refused,
    // or smtp-server would never read the next command.
    stream.on('data', (chunk: Buffer) => {
      if (stream.sizeExceeded || kept + chunk.length > limit) return;
      chunks.push(chunk);
      kept += chunk.length;
    });
    stream.on('error', (err) => {
      state?.log.info({ err: errorSummary(err) }, 'message transfer aborted');
      state?.tx?.abort();
      finish(fromError(err));
    });
    stream.on('end', () => {
      if (!state?.tx) return finish(fromError(new Error('no transaction')));
      const tx = state.tx;
      state.tx = undefined;
      if (stream.sizeExceeded || stream.byteLength > limit) {
        tx.abort();
        state.log.warn({ size: stream.byteLength, limit }, 'message too big');
        return finish(smtpError(REPLIES.messageTooBig));
      }
      void (async () => {
        try {
          // stored with CRLF line ends only, so its size is the size POP3 and IMAP send
          let message: Uint8Array = toCrlf(Buffer.concat(chunks, kept));
          let score = 0;
          if (!submission && deps.authenticate) {
            const auth = await deps.authenticate(
              {
                message,
                ip: session.remoteAddress,
                helo: session.hostNameAppearsAs || '',
                mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
                hostname: deps.hostname,
              },
              state.settings,
            );
            const refusal = fromVerdict(auth.verdict);
            if (refusal) {
              tx.abort();
              state.log.warn({ messageId: state.messageId, reply: refusal.message }, 'refused by sender authentication (DMARC)');
              deps.count?.('rejectedAuth');
              return finish(refusal);
            }
            score += auth.score;
            message = Buffer.concat([Buffer.from(auth.header, 'latin1'), message]);
          }
          tx.body(message, { score });
          const result = await tx.commit();
          if (!result.ok) {
            state.log.warn({ messageId: state.messageId, code: result.error.code }, 'delivery failed');
            return finish(fromError(result.error));
          }
          for (const f of result.failed)
            state.log.warn({ messageId: state.messageId, rcpt: f.address, code: f.error.code }, 'recipient failed at commit');
          state.accepted++;
          deps.count?.('in');
          state.log.info(
            { messageId: state.messageId, size: message.length, rcpts: session.envelope.rcptTo.length, ids: result.ids },
            'message accepted',
          );
          finish(null, ok('2.0.0', `Ok: queued as ${state.messageId}`));
        } catch (err) {
          tx.abort();
          state.log.error({ err: errorSummary(err), messageId: state.messageId }, 'message handling failed');
          finish(fromError(err));
        }
      })();
    });
  }

  return {
    listen(address) {
      return new Promise((resolve, reject) => {
        const onError = (err: Error) => reject(err);
        server.server.once('error', onError);
        server.listen(address.port, address.host, () => {
          server.server.off('error', onError);
          const bound = server.server.address();
          if (bound && typeof bound === 'object') resolve({ host: bound.address, port: bound.port });
          else resolve(address);
        });
      });
    },
    close(deadline) {
      server.options.closeTimeout = Math.max(1, deadline - deps.now());
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
    connections: () => server.connections.size,
  };
}
