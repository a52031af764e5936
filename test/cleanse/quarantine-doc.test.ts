/** docs/quarantine.md is generated from the reason list and stays in sync; every example shows its own reason. */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REASON_CODES } from '../../src/cleanse/reasons.ts';
import { exampleFor, QUARANTINE_DOC, renderQuarantineDoc } from '../../src/cleanse/quarantine-doc.ts';

describe('docs/quarantine.md', () => {
  it('is up to date (regenerate with npx tsx src/cleanse/quarantine-doc.ts)', () => {
    expect(fs.readFileSync(QUARANTINE_DOC, 'utf8')).toBe(renderQuarantineDoc());
  });

  it('lists and explains every reason code', () => {
    const doc = fs.readFileSync(QUARANTINE_DOC, 'utf8');
    for (const r of REASON_CODES) {
      expect(doc).toContain(`| \`${r}\` |`);
      expect(doc).toContain(`#### \`${r}\``);
    }
  });

  it.each(REASON_CODES.filter((r) => r !== 'cleanser.unexpected_error'))('shows an example of %s that the code really quarantines with it', (r) => {
    expect(exampleFor(r)?.message).toMatch(new RegExp(`^${r.replace('.', '\\.')}: `));
  });
});
