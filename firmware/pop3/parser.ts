// The pure POP3 command parser: one line in, a keyword and its arguments out.
// RFC 1939 section 3: a case-insensitive keyword of 3 or 4 characters,
// arguments separated by single spaces. We accept runs of spaces between
// arguments, as many servers do; the verbs check their own argument grammar.

export interface ParsedCommand {
  /** Upper-case keyword. */
  readonly name: string;
  /** Arguments split on spaces. */
  readonly args: readonly string[];
  /** Everything after the keyword and its space, verbatim (PASS takes passwords with spaces). */
  readonly rest: string;
}

/** A line that is not a command at all, or a verb's arguments that do not fit its grammar. */
export class Pop3SyntaxError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'Pop3SyntaxError';
  }
}

const KEYWORD = /^[A-Za-z]{1,8}$/;

export function parseCommand(line: Buffer): ParsedCommand {
  // UTF-8 so a password with non-ASCII characters reaches the check as the user typed it.
  const text = line.toString('utf8');
  // Controls (NUL and friends) never belong in a command line.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching controls is the point
  if (/[\x00-\x08\x0a-\x1f\x7f]/.test(text)) throw new Pop3SyntaxError('Invalid characters in command');
  const space = text.indexOf(' ');
  const keyword = space === -1 ? text : text.slice(0, space);
  if (!KEYWORD.test(keyword)) throw new Pop3SyntaxError(keyword === '' ? 'Empty command' : 'Unknown command');
  const rest = space === -1 ? '' : text.slice(space + 1);
  const args = rest.split(' ').filter((arg) => arg !== '');
  return { name: keyword.toUpperCase(), args, rest };
}

// ---- argument grammars shared by the verbs

/** No arguments allowed. */
export function noArgs(args: readonly string[]): undefined {
  if (args.length !== 0) throw new Pop3SyntaxError('No arguments expected');
  return undefined;
}

/** A message number or line count: decimal digits, no sign, within safe integers. */
export function parseNumber(value: string | undefined, what: string): number {
  if (value === undefined || !/^[0-9]{1,9}$/.test(value)) throw new Pop3SyntaxError(`Invalid ${what}`);
  return Number(value);
}

/** `msg` (required). */
export function messageNumberArg(args: readonly string[]): number {
  if (args.length !== 1) throw new Pop3SyntaxError('Expected a message number');
  return parseNumber(args[0], 'message number');
}

/** `[msg]` (LIST, UIDL). */
export function optionalMessageNumberArg(args: readonly string[]): number | undefined {
  if (args.length === 0) return undefined;
  return messageNumberArg(args);
}
