// The store's helpers a listener thread needs (password hashes, address
// normalisation), without LevelDB: index.ts also loads classic-level's native
// module, which a listener never opens (it reaches the store through the
// supervisor's bridge) and which would only slow every worker's start.

export { isCatchAll, isValidAddress, isValidDomain, normalizeAddress } from './address.ts';
export { INLINE_BODY_LIMIT, isInlineBody } from './body-placement.ts';
export { checkPasswordStrength, hashPassword, verifyPassword } from './password.ts';
export { signatureOf } from './search-index.ts';
