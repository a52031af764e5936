/** `retail-lake retention apply [--dry-run] [--as-of D]`: per-zone retention of the local lake (src/lake/retention.ts). */
import { localConfig } from '../../config/local.ts';
import { applyRetention, type RetentionResult } from '../../lake/retention.ts';
import { emit, table, type GlobalOptions } from '../output.ts';

/** Partitions listed per zone in the human output. */
const LISTED = 20;

const mb = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MB`;

/** Applies RETAIL_LAKE_RETENTION (or the defaults) and prints what each zone lost, or would lose with --dry-run. */
export async function retentionApplyCommand(opts: GlobalOptions & { readonly dryRun: boolean; readonly asOf?: string }): Promise<RetentionResult> {
  const r = await applyRetention(opts.lake, localConfig().retention, { asOf: opts.asOf, dryRun: opts.dryRun });
  emit(opts, r, () => {
    const verb = r.dryRun ? 'would remove' : 'removed';
    process.stdout.write(
      `retention as of ${r.asOf}${r.dryRun ? ' (dry run: nothing changed)' : ''}: ${verb} ${r.files} file(s), ${mb(r.bytes)}\n` +
        table(
          r.zones.map((z) => ({
            zone: z.zone,
            'retention (days)': z.retentionDays === 0 ? 'for ever' : z.retentionDays,
            'keeps from': z.keepFrom ?? '',
            [`partitions ${verb}`]: z.partitions.length,
            files: z.files,
            size: mb(z.bytes),
            oldest: z.partitions[0] ?? '',
          })),
        ) +
        '\n',
    );
    for (const z of r.zones) {
      const shown = z.partitions.slice(0, LISTED);
      for (const p of shown) process.stdout.write(`  ${z.zone}: ${p}\n`);
      if (z.partitions.length > shown.length) process.stdout.write(`  ${z.zone}: ... and ${z.partitions.length - shown.length} more (--json lists them all)\n`);
    }
  });
  return r;
}
