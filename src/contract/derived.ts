/**
 * Tables the pipeline derives from the lake (model outputs) that SQL views read. They live in the contract so the
 * local catalog can offer a typed empty table before the first scoring run (customer_tags references
 * review_scores from day one) and so every writer shares one column list.
 */
import { z } from 'zod';
import type { TableDef } from './tables.ts';

export const reviewScoreRow = z.object({
  review_id: z.string().meta({ description: 'Review id, the ticket id for service-ticket text, or the post id for a Weibo post' }),
  source: z.string().meta({ description: 'review.submitted, import (import-reviews), service.ticket or social.weibo_post' }),
  sku: z.string().nullable().meta({ description: 'Reviewed product (null for tickets)' }),
  rating: z.int().nullable().meta({ description: 'Stars 1..5 (null for tickets and label-only imports)' }),
  sentiment_score: z.number().meta({ description: 'P(positive) from the sentiment model, 0..1' }),
  model_version: z.string().meta({ description: 'Sentiment model version' }),
  as_of: z.iso.date().meta({ description: 'Texts written up to the end of this day were scored' }),
});
export type ReviewScoreRow = z.output<typeof reviewScoreRow>;

/** Derived tables SQL views depend on; written under curated/<path>/ by the score step (locally) or Lambdas. */
export const DERIVED_TABLES: readonly TableDef[] = [
  {
    name: 'review_scores',
    zone: 'curated',
    path: 'review_scores',
    schema: reviewScoreRow,
    partitionKeys: [],
    description: 'Sentiment score of every review, service-ticket and Weibo-post text (sentiment model, P(positive))',
  },
];
