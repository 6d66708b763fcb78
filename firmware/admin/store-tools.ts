// The password and address rules of the store room, in the shape the admin
// actions take them (so tests and the web UI can pass the same ones).

import { PochtaError } from '../errors.ts';
import { checkPasswordStrength, hashPassword, isValidAddress, isValidDomain, normalizeAddress } from '../store/index.ts';
import type { AddressTools, PasswordTools } from './actions.ts';

export const storePasswords: PasswordTools = {
  hash: (password) => hashPassword(password),
  check: (password, address) => {
    const problem = checkPasswordStrength(password, address);
    if (problem !== undefined) throw new PochtaError('WEAK_PASSWORD', problem);
  },
};

export const storeAddresses: AddressTools = { normalizeAddress, isValidAddress, isValidDomain };
