import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const child = fileURLToPath(new URL('./log-child.ts', import.meta.url));

function runChild(level: string): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [child, level], { timeout: 20_000 }, (err, stdout) => {
      if (err) return reject(err);
      resolve(
        stdout
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      );
    });
  });
}

describe('listener logs', () => {
  it('are pino JSON lines on stdout naming the listener, at the level the main thread passes', async () => {
    const lines = await runChild('warn');
    const fault = lines.find((line) => line['msg'] === 'injecting fault');
    assert.ok(fault, 'the warning of the listener thread is there');
    assert.equal(fault['level'], 40);
    assert.equal(fault['kind'], 'exit');
    for (const line of lines) {
      assert.equal(line['listener'], 'imap');
      assert.ok((line['level'] as number) >= 40, `nothing below warn: ${line['msg']}`);
    }
  });
});
