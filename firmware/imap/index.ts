// The IMAP room's public face. Inside: stream.ts (framing), parser.ts and
// syntax/ (pure command parsing), compiler.ts (pure response writing),
// connection.ts (the per-connection state machine), commands/ (one verb per
// file, registered in commands/index.ts), responses.ts (errors → replies).

export { COMMANDS, commandTable } from './commands/index.ts';
export type { Command, CommandContext, CommandFlags, CommandSpec, ImapDeps } from './commands/types.ts';
export { defineCommand } from './commands/types.ts';
export type { ImapResponse, ImapValue, OutputChunk, ResponseCode, StreamValue } from './compiler.ts';
export { atom, compileResponse, fetchResponse, literal } from './compiler.ts';
export { ImapConnection, type SetTimer } from './connection.ts';
export { type Authenticate, createPasswordCheck } from './password-check.ts';
export { createImapServer, type ImapServer, type ImapServerOptions } from './server.ts';
export { createImapService, createService } from './service.ts';
export type { SelectedMailbox, Session, SessionState } from './session.ts';
export { UpdateQueue } from './session.ts';
