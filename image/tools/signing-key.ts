// Makes the update signing key pair on first use: node image/tools/signing-key.ts PRIVATE.pem PUBLIC.pem
// The private key stays in the build machine's cache dir (mode 0600), never in git;
// the public key goes into the image as /etc/pochta/update-key.pem.

import { createPrivateKey, createPublicKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { generateSigningKeys } from '../../firmware/update/index.ts';

const [privatePath, publicPath] = process.argv.slice(2);
if (privatePath === undefined || publicPath === undefined) {
  process.stderr.write('usage: signing-key.ts PRIVATE.pem PUBLIC.pem\n');
  process.exit(64);
}
if (!existsSync(privatePath)) {
  const keys = generateSigningKeys();
  await mkdir(dirname(privatePath), { recursive: true, mode: 0o700 });
  await writeFile(privatePath, keys.privateKeyPem, { mode: 0o600, flag: 'wx' });
  process.stderr.write(`new update signing key ${privatePath} (keep it: boxes accept only bundles signed with it)\n`);
}
// The public key is always derived again, so it can never drift from the private one.
const publicPem = createPublicKey(createPrivateKey(await readFile(privatePath, 'utf8'))).export({ type: 'spki', format: 'pem' });
await writeFile(publicPath, publicPem);
