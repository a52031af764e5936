/** `retail-lake tags [--as-of D] [--max-links kind=N,...] [--json]`: refresh and print the customer tag snapshot. */
import { emit, table, type GlobalOptions } from '../cli/output.ts';
import { IdentityOptionsError, parseMaxLinks } from '../identity/index.ts';
import { TagsOptionsError } from './errors.ts';
import { refreshTags, type TagsSummary } from './refresh.ts';

export interface TagsCommandOptions extends GlobalOptions {
  readonly asOf?: string;
  readonly maxLinks?: string;
}

export async function tagsCommand(opts: TagsCommandOptions): Promise<TagsSummary> {
  let summary: TagsSummary;
  try {
    summary = await refreshTags({
      lakeDir: opts.lake,
      asOf: opts.asOf,
      maxLinks: opts.maxLinks === undefined ? undefined : parseMaxLinks(opts.maxLinks),
    });
  } catch (e) {
    if (e instanceof IdentityOptionsError) throw new TagsOptionsError(e.message, { cause: e });
    throw e;
  }
  emit(opts, summary, () => printTagsSummary(summary));
  return summary;
}

export function printTagsSummary(s: TagsSummary): void {
  const out = process.stdout;
  const id = s.identity;
  out.write(`customer_tags as of ${s.asOf} (newest data ${s.latestDataDate}) -> ${s.output}\n`);
  out.write(
    table([
      { figure: 'customers', value: s.customers },
      { figure: 'customers with a purchase', value: s.purchasers },
      { figure: 'identifiers stitched', value: id.identities },
      { figure: 'links used', value: id.links },
      { figure: 'shared identifiers set aside (over-merge guard)', value: id.hubs },
      { figure: 'links dropped by the guard', value: id.droppedEdges },
      { figure: 'largest customer (identifiers)', value: id.largestCustomer },
      { figure: 'seconds', value: s.seconds },
    ]) + '\n',
  );
  out.write('\nRFM segments\n' + table(Object.entries(s.rfmSegments).map(([segment, customers]) => ({ segment, customers }))) + '\n');
  out.write('\nLifecycle stages\n' + table(Object.entries(s.lifecycleStages).map(([stage, customers]) => ({ stage, customers }))) + '\n');
}
