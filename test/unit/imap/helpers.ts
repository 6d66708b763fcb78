// Test helpers: turn wire text into a framed, parsed command.

import { type ParsedCommand, parseCommand } from '../../../firmware/imap/parser.ts';
import { type CommandFrame, ImapStream } from '../../../firmware/imap/stream.ts';
import { ArgReader } from '../../../firmware/imap/syntax/args.ts';

/** Frame wire bytes (literals included) into commands, as the connection would. */
export function frames(wire: string | Buffer): CommandFrame[] {
  const out: CommandFrame[] = [];
  const stream = new ImapStream({
    frame: (f) => out.push(f),
    continuation: () => undefined,
    reject: (e) => {
      throw new Error(`unexpected reject ${e.kind}`);
    },
    rawLine: () => undefined,
  });
  stream.push(typeof wire === 'string' ? Buffer.from(wire, 'utf8') : wire);
  return out;
}

/** Parse one command line (CRLF added when missing). */
export function parse(line: string | Buffer): ParsedCommand {
  const wire = typeof line === 'string' ? (line.endsWith('\n') ? line : `${line}\r\n`) : line;
  const f = frames(wire);
  if (f.length !== 1) throw new Error(`expected one frame, got ${f.length}`);
  return parseCommand(f[0]!);
}

/** Parse a command and run an argument grammar over it. */
export function args<T>(line: string, grammar: (a: ArgReader) => T): T {
  return grammar(new ArgReader(parse(line).args));
}
