// One IMAP connection: the state machine that wires framing (stream.ts), the
// parser, the command table and the compiler over a socket. Commands run one
// at a time; framing is paused meanwhile, so a command can read its own
// continuation lines and nothing else writes while it does. Nothing a client
// sends can throw out of here: every failure becomes a reply or a close.

import type { Socket } from 'node:net';
import zlib from 'node:zlib';
import { attachSocket, createIdleTimer, detachSocket, type IdleTimer, type SocketEvents } from '../net/socket-events.ts';
import type { SetTimer } from '../net/timers.ts';
import type { StoreEvent } from '../store/types.ts';
import type { Logger } from '../supervisor/service.ts';
import { capabilityList } from './capabilities.ts';
import type { Command, CommandContext, ImapDeps } from './commands/types.ts';
import { atom, compileResponse, type ImapResponse } from './compiler.ts';
import { ConnectionOutput } from './output.ts';
import { ImapSyntaxError, parseCommand } from './parser.ts';
import { bad, type CommandResult, code, resultFromError } from './responses.ts';
import { createSession, type Session } from './session.ts';
import { type CommandFrame, DEFAULT_LIMITS, type FrameError, ImapStream, type StreamLimits } from './stream.ts';
import { ArgReader } from './syntax/args.ts';

export interface ConnectionOptions {
  readonly id: string;
  /** Implicit TLS (port 993). */
  readonly secure: boolean;
  /** Close after this long without client input (RFC 3501: at least 30 minutes). */
  readonly idleTimeoutMs: number;
  readonly setTimer: SetTimer;
  readonly limits?: StreamLimits;
}

/** Buffered but unframed input above which the socket stops reading. */
const MAX_PENDING_INPUT = 256 * 1024;

export class ImapConnection {
  readonly session: Session;
  private socket: Socket;
  private readonly deps: ImapDeps;
  private readonly commands: ReadonlyMap<string, Command>;
  private readonly options: ConnectionOptions;
  private readonly log: Logger;
  private stream: ImapStream;
  private readonly output: ConnectionOutput;
  private lineWaiter: ((line: Buffer | undefined) => void) | undefined;
  private readonly idleTimer: IdleTimer;
  private closing = false;
  private finished = false;
  /** COMPRESS=DEFLATE (RFC 4978): input comes through inflate. */
  private inflate: zlib.InflateRaw | undefined;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onCompressedData = (chunk: Buffer) => this.inflate?.write(chunk);
  private readonly onClose = () => this.closed();
  private readonly onError = (err: Error) => this.log.debug({ err: err.message }, 'socket error');
  private readonly events: SocketEvents = { data: this.onData, close: this.onClose, error: this.onError };
  private unsubscribe: (() => void) | undefined;
  /** Resolves once the socket is closed and the session cleaned up. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(socket: Socket, deps: ImapDeps, commands: ReadonlyMap<string, Command>, options: ConnectionOptions) {
    this.socket = socket;
    this.deps = deps;
    this.commands = commands;
    this.options = options;
    this.log = deps.log.child({ conn: options.id });
    this.idleTimer = createIdleTimer(options.setTimer, options.idleTimeoutMs, () => {
      this.log.debug('idle timeout');
      void this.close('Idle timeout, closing connection');
    });
    this.session = createSession(options.id, socket.remoteAddress ?? '', options.secure);
    this.output = new ConnectionOutput(socket, this.log);
    this.stream = this.newStream();
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Send the greeting and start reading commands. */
  start(): void {
    attachSocket(this.socket, this.events);
    // Changes by other sessions and deliveries reach the selected mailbox's view from here.
    this.unsubscribe = this.deps.store.subscribe((event) => this.onStoreEvent(event));
    this.idleTimer.touch();
    this.log.debug({ remote: this.session.remoteAddress, secure: this.session.secure }, 'imap connection');
    void this.send({
      type: 'status',
      status: 'OK',
      code: code('CAPABILITY', ...this.capabilities().map(atom)),
      text: `${this.deps.hostname} Pochta IMAP ready`,
    });
  }

  /** Say BYE and close (server shutdown); resolves when the socket is gone. */
  async close(reason = 'Server shutting down'): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      // A client that neither reads nor closes its side is cut off after a short
      // grace: the BYE may be stuck behind output it never drained.
      const cancel = this.options.setTimer(2000, () => this.socket.destroy());
      void this.send({ type: 'status', status: 'BYE', text: reason }).then(() => this.output.end());
      await this.done;
      cancel();
    }
    await this.done;
  }

  /** Cut the connection without a goodbye (deadline passed). */
  destroy(): void {
    this.socket.destroy();
  }

  capabilities(): string[] {
    return capabilityList(this.session, this.deps);
  }

  private newStream(): ImapStream {
    const limits = this.options.limits ?? {
      ...DEFAULT_LIMITS,
      maxLiteralBytes: this.deps.maxMessageBytes,
      maxCommandBytes: this.deps.maxMessageBytes + DEFAULT_LIMITS.maxLineBytes * 4,
    };
    return new ImapStream(
      {
        frame: (frame) => this.onFrame(frame),
        continuation: () => void this.send({ type: 'continue', text: 'Ready for literal' }),
        reject: (error) => this.onReject(error),
        rawLine: (line) => this.onRawLine(line),
      },
      limits,
    );
  }

  private receive(chunk: Buffer): void {
    if (this.closing) return;
    this.idleTimer.touch();
    this.stream.push(chunk);
    if (this.stream.pendingBytes > MAX_PENDING_INPUT) this.socket.pause();
  }

  private closed(): void {
    if (this.finished) return;
    this.finished = true;
    this.closing = true;
    if (this.session.account !== undefined) this.deps.userSessions?.release(this.session.account.id);
    this.session.account = undefined;
    this.session.state = 'logout';
    this.idleTimer.cancel();
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.session.selected = undefined;
    this.session.updates.onPush(undefined);
    this.session.updates.clear();
    const waiter = this.lineWaiter;
    this.lineWaiter = undefined;
    waiter?.(undefined);
    detachSocket(this.socket, this.events);
    this.socket.off('data', this.onCompressedData);
    this.inflate?.destroy();
    this.output.dispose();
    this.log.debug('imap connection closed');
    this.resolveDone();
  }

  // ---- mailbox changes

  private onStoreEvent(event: StoreEvent): void {
    const view = this.session.selected;
    if (view === undefined || !('mailboxId' in event) || event.mailboxId !== view.mailboxId) return;
    if (view.apply(event)) this.session.updates.poke();
  }

  /**
   * Send the untagged updates that may go out now: queued responses and the
   * selected mailbox's recorded changes (EXPUNGE only when allowed). A mailbox
   * deleted under the session ends it with BYE. Resolves false in that case.
   */
  private async flushUpdates(allowExpunge: boolean): Promise<boolean> {
    if (this.session.state === 'logout' || this.closing) return false;
    const view = this.session.selected;
    const out = this.session.updates.drain(allowExpunge);
    if (view?.gone) {
      this.session.selected = undefined;
      this.session.state = 'logout';
      this.closing = true;
      await this.send({ type: 'status', status: 'BYE', text: 'Selected mailbox was deleted' });
      this.uncork();
      this.output.end();
      return false;
    }
    if (view !== undefined) out.push(...view.sync(allowExpunge));
    for (const update of out) await this.send(update);
    return true;
  }

  // ---- framing events

  private onFrame(frame: CommandFrame): void {
    this.stream.pause();
    this.runFrame(frame)
      .catch((err: unknown) => {
        // A bug in the connection itself: drop this client, keep the listener.
        this.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'imap connection failure');
        this.socket.destroy();
      })
      .finally(() => {
        if (this.closing) return;
        this.stream.resume();
        if (this.stream.pendingBytes <= MAX_PENDING_INPUT) this.socket.resume();
      });
  }

  private onReject(error: FrameError): void {
    if (this.lineWaiter !== undefined) {
      // A raw line (AUTHENTICATE response) was too long: the command sees a cancel.
      this.stream.pause();
      const waiter = this.lineWaiter;
      this.lineWaiter = undefined;
      waiter(undefined);
      return;
    }
    const tag = error.tag ?? '*';
    const text =
      error.kind === 'line-too-long' ? 'Line too long' : error.kind === 'command-too-big' ? 'Command too big' : 'Literal too big';
    // A refused synchronizing literal gets NO [TOOBIG] (RFC 7889); a refused
    // non-synchronizing one was read and discarded, and gets BAD (RFC 7888).
    if (error.kind === 'literal-too-big' && error.syncLiteral) {
      void this.send({ type: 'status', tag, status: 'NO', code: code('TOOBIG'), text });
    } else {
      void this.send({ type: 'status', tag, status: 'BAD', ...(error.kind === 'line-too-long' ? {} : { code: code('TOOBIG') }), text });
    }
  }

  private onRawLine(line: Buffer): void {
    this.stream.pause();
    const waiter = this.lineWaiter;
    this.lineWaiter = undefined;
    waiter?.(line);
  }

  // ---- commands

  private async runFrame(frame: CommandFrame): Promise<void> {
    let tag: string | undefined;
    let result: CommandResult;
    let command: Command | undefined;
    try {
      const parsed = parseCommand(frame);
      tag = parsed.tag;
      command = this.commands.get(parsed.name);
      if (command === undefined) {
        result = bad('Unknown command');
      } else if (!command.states.includes(this.session.state)) {
        result = bad(this.session.state === 'not-authenticated' ? 'Log in first' : `${command.name} not allowed now`);
      } else {
        const run = command.prepare(new ArgReader(parsed.args));
        // Thousands of FETCH lines go out as a few large writes, not one packet each.
        this.cork();
        result = await this.execute(run, tag, command.name);
      }
    } catch (err) {
      if (!(err instanceof ImapSyntaxError)) throw err;
      tag ??= err.tag;
      result = bad(err.reason);
    }
    if (tag === undefined) {
      await this.send({ type: 'status', status: 'BAD', text: result.text });
      return;
    }
    // RFC 3501 7.4.1: no EXPUNGE while answering FETCH, STORE or SEARCH by sequence number.
    if (!(await this.flushUpdates(command?.flags.usesSequenceNumbers !== true)) && this.closing) return;
    await this.send({
      type: 'status',
      tag,
      status: result.status,
      ...(result.code === undefined ? {} : { code: result.code }),
      text: result.text,
    });
    this.uncork();
    if (result.after === 'close') {
      this.closing = true;
      this.output.end();
    } else if (result.after === 'starttls') {
      this.upgradeTls();
    } else if (result.after === 'compress') {
      this.startCompression();
    }
  }

  private async execute(run: (ctx: CommandContext) => Promise<CommandResult>, tag: string, name: string): Promise<CommandResult> {
    const ctx: CommandContext = {
      tag,
      session: this.session,
      deps: this.deps,
      send: (response) => this.send(response),
      write: (chunks) => this.output.write(chunks),
      readLine: (prompt) => this.readLine(prompt),
      capabilities: () => this.capabilities(),
      flushUpdates: async (allowExpunge) => {
        await this.flushUpdates(allowExpunge);
      },
      setTimer: this.options.setTimer,
    };
    try {
      return await run(ctx);
    } catch (err) {
      const result = resultFromError(err);
      if (result.code?.name === 'SERVERBUG')
        this.log.error({ err: err instanceof Error ? err.stack : String(err), command: name }, 'command failed');
      else this.log.info({ err: err instanceof Error ? err.message : String(err), command: name }, 'command refused');
      return result;
    }
  }

  private readLine(prompt: ImapResponse): Promise<Buffer | undefined> {
    if (this.closing) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.lineWaiter = resolve;
      void this.send(prompt).then(() => {
        // The client answers only what it has seen: from here on output goes out at once.
        this.uncork();
        if (this.lineWaiter !== resolve) return;
        this.stream.expectRawLine();
        this.stream.resume();
        this.socket.resume();
      });
    });
  }

  /** Replace the plain socket by TLS after `OK Begin TLS`; bytes the client pipelined before are dropped (RFC 3501 6.2.1). */
  private upgradeTls(): void {
    const startTls = this.deps.startTls;
    if (startTls === undefined) return;
    detachSocket(this.socket, this.events);
    this.stream = this.newStream();
    this.stream.pause();
    const secure = startTls(this.socket);
    this.socket = secure;
    this.output.setSocket(secure);
    attachSocket(secure, this.events);
    secure.once('secure', () => {
      this.session.secure = true;
      this.stream.resume();
    });
  }

  /**
   * Compress both directions after `OK DEFLATE active` (RFC 4978), which went
   * out uncompressed. The client may not send before it saw that reply, so
   * anything it pipelined is dropped, as after STARTTLS.
   */
  private startCompression(): void {
    const socket = this.socket;
    const broken = (err: Error) => {
      this.log.debug({ err: err.message }, 'compressed stream failed');
      socket.destroy();
    };
    this.output.compress(broken);
    const inflate = zlib.createInflateRaw({ windowBits: 15 });
    inflate.on('error', broken);
    inflate.on('data', this.onData);
    socket.off('data', this.onData);
    socket.on('data', this.onCompressedData);
    this.inflate = inflate;
    this.stream = this.newStream();
  }

  // ---- output

  /** Queue a response; writes are serialized, so responses never interleave. */
  send(response: ImapResponse): Promise<void> {
    return this.output.write(compileResponse(response));
  }

  private cork(): void {
    this.output.cork();
  }

  private uncork(): void {
    this.output.uncork();
  }
}
