// Entry for `pochta update` on the box (image/overlay/usr/local/bin/pochta runs
// this file of the current release directly).

import { runUpdateCli } from './cli.ts';

process.exitCode = await runUpdateCli(process.argv.slice(2));
