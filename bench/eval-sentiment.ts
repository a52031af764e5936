/**
 * Sentiment AUC on a labelled text file: train on a stratified half, score the other half.
 *
 *   npx tsx bench/eval-sentiment.ts ../shared/data/reviews/amazon_cells_labelled.txt [--json]
 *   npx tsx bench/eval-sentiment.ts test/fixtures/reviews/synthetic_rated_reviews.jsonl
 *
 * `.jsonl` files carry `text` and `rating` (>= 4 positive, <= 2 negative, 3 left out) or `label`; anything else is
 * read as `sentence<TAB>label` lines (UCI Sentiment Labelled Sentences).
 */
import { readFileSync } from 'node:fs';
import { evaluateSplit } from '../models/sentiment/index.ts';
import { parseLabelledSentences, parseRatedJsonl } from '../models/sentiment/datasets.ts';

function main(): void {
  const paths = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (paths.length === 0) {
    process.stderr.write('usage: npx tsx bench/eval-sentiment.ts FILE... [--json]   (FILE: .jsonl rated reviews or sentence<TAB>label lines)\n');
    process.exit(2);
  }
  const results = paths.map((path) => {
    const content = readFileSync(path, 'utf8');
    const docs = path.endsWith('.jsonl') ? parseRatedJsonl(content, path) : parseLabelledSentences(content, path);
    const started = performance.now();
    const r = evaluateSplit(docs, { seed: 1 });
    return {
      file: path,
      auc: Number(r.auc.toFixed(4)),
      train: r.train,
      test: r.test,
      neutralOrUnlabelled: docs.length - r.train - r.test,
      terms: r.model.terms.length,
      l2: r.model.l2,
      seconds: Number(((performance.now() - started) / 1000).toFixed(2)),
    };
  });
  if (process.argv.includes('--json')) {
    process.stdout.write(JSON.stringify(results) + '\n');
    return;
  }
  for (const r of results) {
    process.stdout.write(
      `${r.file}: AUC ${r.auc.toFixed(4)} (trained on ${r.train}, scored ${r.test}, ${r.neutralOrUnlabelled} neutral/unlabelled left out; ` +
        `${r.terms} terms, L2 ${r.l2}, ${r.seconds} s)\n`,
    );
  }
}

main();
