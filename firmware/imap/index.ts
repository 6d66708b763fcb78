// The IMAP room's public face. Inside: stream.ts (framing), parser.ts and
// syntax/ (pure command parsing), compiler.ts (pure response writing),
// connection.ts (the per-connection state machine; its writes, corking and
// COMPRESS=DEFLATE live in output.ts), commands/ (one verb per
// file, registered in commands/index.ts), responses.ts (errors → replies).
// The selected mailbox is a MailboxView (mailbox-view.ts): the sequence number
// ↔ UID map and the store changes not yet told, turned into EXISTS, FETCH and
// EXPUNGE/VANISHED at the moments RFC 3501 7.4.1 allows. FETCH builds its data
// in fetch-response.ts from the structure the MIME room stored at delivery and
// the blob bytes it needs (message-content.ts); SEARCH evaluates in
// search/evaluate.ts, and a search index can narrow BODY/TEXT through the
// searchCandidates seam (search/candidates.ts, ImapDeps.searchCandidates).
// Each listener thread keeps the listings of recently used mailboxes
// (message-cache.ts, fed by the change feed, checked against the mailbox
// record on every use) and selected header fields per body (header-cache.ts);
// the first-sync FETCH of metadata and header fields is written straight to
// bytes from them (fetch-quick.ts). Both survive a restart as listener cache
// records in the store (fields-record.ts, MessageCache.save).

export type { SetTimer } from '../net/timers.ts';
export { COMMANDS, commandTable } from './commands/index.ts';
export type { Command, CommandContext, CommandFlags, CommandSpec, ImapDeps } from './commands/types.ts';
export { defineCommand } from './commands/types.ts';
export type { ImapResponse, ImapValue, OutputChunk, ResponseCode, StreamValue } from './compiler.ts';
export { atom, compileResponse, fetchResponse, literal } from './compiler.ts';
export { ImapConnection } from './connection.ts';
export { MailboxView } from './mailbox-view.ts';
export { type Authenticate, createPasswordCheck } from './password-check.ts';
export { requiredTerms, type SearchCandidates } from './search/candidates.ts';
export { createImapServer, type ImapServer, type ImapServerOptions } from './server.ts';
export { createImapService, createService } from './service.ts';
export type { SelectedMailbox, Session, SessionState } from './session.ts';
export { UpdateQueue } from './session.ts';
