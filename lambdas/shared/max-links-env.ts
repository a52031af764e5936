/** The identity's over-merge limits as an environment variable (the identity refresh and the back-dated tag refresh). */
import { z } from 'zod';
import { IdentityOptionsError } from '../../src/identity/errors.ts';
import { parseMaxLinks } from '../../src/identity/options.ts';

/** Over-merge limits per identifier kind, `kind=N,...` as `retail-lake tags --max-links`; unset kinds keep the defaults. */
export const maxLinksEnv = z
  .string()
  .optional()
  .transform((s, ctx) => {
    if (!s) return {};
    try {
      return parseMaxLinks(s);
    } catch (e) {
      if (!(e instanceof IdentityOptionsError)) throw e;
      ctx.addIssue({ code: 'custom', message: e.message });
      return z.NEVER;
    }
  });
