// One POP3 connection: the state machine that wires framing (line-stream.ts),
// the parser, the command table and the reply compiler over a socket.
// Commands run strictly one after another in arrival order, so pipelined
// commands (RFC 2449 PIPELINING) get their replies in order. Nothing a client
// sends can throw out of here: every failure becomes a reply or a close.

import type { Socket } from 'node:net';
import { attachSocket, createIdleTimer, detachSocket, type IdleTimer, type SocketEvents } from '../net/socket-events.ts';
import type { SetTimer } from '../net/timers.ts';
import type { Logger } from '../supervisor/service.ts';
import { capabilityList } from './capabilities.ts';
import type { Command, CommandContext, Pop3Deps } from './commands/types.ts';
import { LineStream, MAX_COMMAND_LINE } from './line-stream.ts';
import { Pop3SyntaxError, parseCommand } from './parser.ts';
import { compileReply, err, type Reply, replyFromError, TERMINATOR } from './replies.ts';
import { createSession, type Session } from './session.ts';

export interface ConnectionOptions {
  readonly id: string;
  /** Implicit TLS (port 995). */
  readonly secure: boolean;
  /** Close after this long without client input (RFC 1939 3: at least 10 minutes). */
  readonly idleTimeoutMs: number;
  readonly setTimer: SetTimer;
}

function isQuit(line: Buffer): boolean {
  return /^quit\s*$/i.test(line.toString('latin1'));
}

/** A line over the RFC 2449 limit, queued in its place so its -ERR keeps the order. */
const TOO_LONG = Symbol('too-long');
type Queued = Buffer | typeof TOO_LONG;

/** Lines waiting to run above which the socket stops reading (a client pipelining without reading). */
const MAX_QUEUED_LINES = 1000;
/** SASL responses may be longer than a command line (RFC 5034 4). */
const MAX_SASL_LINE = 8 * 1024;
const TERMINATOR_BYTES = Buffer.from(TERMINATOR);
/** Small replies are gathered up to this size before a write. */
const FLUSH_BYTES = 64 * 1024;

export class Pop3Connection {
  readonly session: Session;
  private socket: Socket;
  private readonly deps: Pop3Deps;
  private readonly commands: ReadonlyMap<string, Command>;
  private readonly options: ConnectionOptions;
  private readonly log: Logger;
  private readonly lines: LineStream;
  private readonly queue: Queued[] = [];
  private running = false;
  /** Woken when the running command batch ends. */
  private readonly pumpWaiters: Array<() => void> = [];
  /** The socket closed with a QUIT still queued: run up to it. */
  private drainToQuit = false;
  private out = '';
  private lineWaiter: ((line: Queued | undefined) => void) | undefined;
  private readonly idleTimer: IdleTimer;
  private closing = false;
  private goodbye: string | undefined;
  private finished = false;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onClose = () => this.closed();
  private readonly onError = (error: Error) => this.log.debug({ err: error.message }, 'socket error');
  private readonly events: SocketEvents = { data: this.onData, close: this.onClose, error: this.onError };
  /** Resolves once the socket is closed and the session cleaned up. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(socket: Socket, deps: Pop3Deps, commands: ReadonlyMap<string, Command>, options: ConnectionOptions) {
    this.socket = socket;
    this.deps = deps;
    this.commands = commands;
    this.options = options;
    this.log = deps.log.child({ conn: options.id });
    this.idleTimer = createIdleTimer(options.setTimer, options.idleTimeoutMs, () => {
      this.log.debug('idle timeout');
      void this.close('Disconnected for inactivity');
    });
    this.session = createSession(options.id, socket.remoteAddress ?? '', options.secure);
    this.lines = new LineStream({ line: (line) => this.enqueue(line), tooLong: () => this.enqueue(TOO_LONG) });
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve;
    });
  }

  /** Send the greeting and start reading commands. */
  start(): void {
    attachSocket(this.socket, this.events);
    this.idleTimer.touch();
    this.log.debug({ remote: this.session.remoteAddress, secure: this.session.secure }, 'pop3 connection');
    this.out += `+OK ${this.deps.hostname} Pochta POP3 ready\r\n`;
    void this.flush();
  }

  /**
   * Say goodbye and close (server shutdown, idle timeout): at once when no
   * command runs, else right after the running one. Nothing is deleted.
   */
  async close(reason = 'Server shutting down'): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      this.goodbye = `-ERR [SYS/TEMP] ${reason}\r\n`;
      // A client that neither reads nor closes is cut off after a short grace.
      const cancel = this.options.setTimer(2000, () => this.socket.destroy());
      // A login waiting for its SASL line is cancelled; the goodbye follows its reply.
      const waiter = this.lineWaiter;
      this.lineWaiter = undefined;
      waiter?.(undefined);
      if (!this.running) void this.sayGoodbye();
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

  private receive(chunk: Buffer): void {
    if (this.closing) return;
    this.idleTimer.touch();
    this.lines.push(chunk);
    if (this.queue.length > MAX_QUEUED_LINES) this.socket.pause();
  }

  private closed(): void {
    if (this.finished) return;
    this.finished = true;
    this.closing = true;
    this.idleTimer.cancel();
    const waiter = this.lineWaiter;
    this.lineWaiter = undefined;
    waiter?.(undefined);
    detachSocket(this.socket, this.events);
    // A client that sent QUIT and hung up without waiting for the answer still
    // committed its deletions: the lines up to that QUIT run. Without a QUIT
    // the session never reaches UPDATE and the marks are forgotten.
    const quitAt = this.queue.findIndex((item) => item !== TOO_LONG && isQuit(item));
    this.queue.length = quitAt === -1 ? 0 : quitAt + 1;
    this.drainToQuit = quitAt !== -1;
    if (this.drainToQuit && !this.running) void this.pump();
    void this.idle()
      .then(() => this.releaseLock())
      .finally(() => {
        this.log.debug('pop3 connection closed');
        this.resolveDone();
      });
  }

  /** Resolves once no command is running. */
  private async idle(): Promise<void> {
    while (this.running) await new Promise<void>((resolve) => this.pumpWaiters.push(resolve));
  }

  private async releaseLock(): Promise<void> {
    const lock = this.session.lock;
    this.session.lock = undefined;
    this.session.unwatch?.();
    this.session.unwatch = undefined;
    this.session.readAhead.clear();
    this.session.maildrop = undefined;
    await lock?.release();
  }

  // ---- input

  private enqueue(item: Queued): void {
    const waiter = this.lineWaiter;
    if (waiter !== undefined) {
      this.lineWaiter = undefined;
      waiter(item);
      return;
    }
    this.queue.push(item);
    void this.pump();
  }

  /** Run queued lines one at a time, in order. */
  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length > 0 && (!this.closing || this.drainToQuit)) {
        const item = this.queue.shift() as Queued;
        const reply = item === TOO_LONG ? err('Line too long') : await this.runLine(item);
        await this.respond(reply);
        if (reply.after === 'close') {
          this.closing = true;
          await this.flush();
          this.socket.end();
          return;
        }
        if (reply.after === 'stls') {
          await this.flush();
          this.upgradeTls();
          return;
        }
      }
      await this.flush();
    } catch (error) {
      // A bug in the connection itself: drop this client, keep the listener.
      this.log.error({ err: error instanceof Error ? error.stack : String(error) }, 'pop3 connection failure');
      this.socket.destroy();
    } finally {
      this.running = false;
      for (const wake of this.pumpWaiters.splice(0)) wake();
    }
    if (this.closing && !this.finished) await this.sayGoodbye();
    else if (this.socket.isPaused() && this.queue.length <= MAX_QUEUED_LINES) this.socket.resume();
  }

  private async runLine(line: Buffer): Promise<Reply> {
    let name = '?';
    try {
      const parsed = parseCommand(line);
      name = parsed.name;
      const command = this.commands.get(parsed.name);
      if (command === undefined) return err('Unknown command');
      if (!command.states.includes(this.session.state)) {
        return err(this.session.state === 'authorization' ? 'Log in first' : `${command.name} not allowed now`);
      }
      const run = command.prepare(parsed);
      return await run(this.context());
    } catch (error) {
      if (error instanceof Pop3SyntaxError) return err(error.message);
      const reply = replyFromError(error);
      if (reply.code === 'SYS/TEMP')
        this.log.error({ err: error instanceof Error ? error.stack : String(error), command: name }, 'command failed');
      else this.log.info({ err: error instanceof Error ? error.message : String(error), command: name }, 'command refused');
      return reply;
    }
  }

  private context(): CommandContext {
    return {
      session: this.session,
      deps: this.deps,
      readLine: (prompt) => this.readLine(prompt),
      capabilities: () => this.capabilities(),
    };
  }

  private async readLine(prompt: string): Promise<Buffer | undefined> {
    if (this.closing) return undefined;
    this.out += `+ ${prompt}\r\n`;
    await this.flush();
    const next = this.queue.shift();
    if (next !== undefined) return next === TOO_LONG ? undefined : next;
    this.lines.maxLineBytes = MAX_SASL_LINE;
    const line = await new Promise<Queued | undefined>((resolve) => {
      this.lineWaiter = resolve;
      if (this.socket.isPaused()) this.socket.resume();
    });
    this.lines.maxLineBytes = MAX_COMMAND_LINE;
    return line === TOO_LONG ? undefined : line;
  }

  /** Replace the plain socket by TLS after `+OK Begin TLS`; bytes pipelined before it are dropped (RFC 2595 4). */
  private upgradeTls(): void {
    const startTls = this.deps.startTls;
    if (startTls === undefined || this.finished) return;
    detachSocket(this.socket, this.events);
    this.lines.reset();
    this.queue.length = 0;
    const secure = startTls(this.socket);
    this.socket = secure;
    attachSocket(secure, this.events);
    secure.once('secure', () => {
      this.session.secure = true;
    });
  }

  // ---- output

  private async respond(reply: Reply): Promise<void> {
    if (reply.body === undefined) {
      this.out += compileReply(reply);
      if (this.out.length >= FLUSH_BYTES) await this.flush();
      return;
    }
    this.out += compileReply({ ok: reply.ok, text: reply.text, ...(reply.code === undefined ? {} : { code: reply.code }) });
    const whole = reply.body.whole;
    if (whole !== undefined) {
      // Small message: status line, body and terminator leave in one write.
      const head = Buffer.from(this.out, 'utf8');
      this.out = '';
      await this.write(Buffer.concat([head, whole, TERMINATOR_BYTES]));
      return;
    }
    await this.flush();
    if (this.socket.destroyed) {
      reply.body.discard();
      return;
    }
    try {
      for await (const chunk of reply.body.open()) {
        if (this.socket.destroyed) break;
        await this.write(chunk);
      }
    } catch (error) {
      // Half a message was sent: the session cannot be repaired.
      this.log.error({ err: error instanceof Error ? error.message : String(error) }, 'pop3 body stream failed');
      this.socket.destroy();
      return;
    }
    this.out += TERMINATOR;
  }

  private async flush(): Promise<void> {
    if (this.out === '') return;
    const text = this.out;
    this.out = '';
    await this.write(Buffer.from(text, 'utf8'));
  }

  private async sayGoodbye(): Promise<void> {
    if (this.finished || this.goodbye === undefined) {
      this.socket.end();
      return;
    }
    this.out += this.goodbye;
    await this.flush();
    this.socket.end();
  }

  private async write(data: Buffer): Promise<void> {
    if (this.socket.destroyed) return;
    if (this.socket.write(data)) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }
}
