// Test helper: loads the MIME torture corpus (test/fixtures/mime/*.eml).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const FIXTURE_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'mime');

export function fixture(name: string): Buffer {
  return readFileSync(join(FIXTURE_DIR, name));
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.eml'))
    .sort();
}
