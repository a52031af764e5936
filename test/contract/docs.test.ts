import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { contractDocs } from '../../src/docs/contract-docs.ts';

describe('generated contract docs', () => {
  it('match the zod contract (run `npm run docs` after changing src/contract)', () => {
    for (const [rel, content] of contractDocs()) {
      const p = path.resolve(rel);
      expect(fs.existsSync(p), `${rel} is missing`).toBe(true);
      expect(fs.readFileSync(p, 'utf8'), `${rel} is stale`).toBe(content);
    }
  });
});
