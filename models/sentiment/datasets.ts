/** Readers for the labelled-text files the evaluation uses (the lake's own reviews come through import-reviews). */
import { SentimentInputError } from './errors.ts';
import type { LabelledText } from './model.ts';

/** UCI "Sentiment Labelled Sentences" format: one `sentence<TAB>label` per line, label 1 or 0. */
export function parseLabelledSentences(content: string, source = 'input'): LabelledText[] {
  return content
    .split(/\r?\n/)
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, i }) => {
      const tab = line.lastIndexOf('\t');
      const label = Number(line.slice(tab + 1).trim());
      if (tab < 0 || (label !== 0 && label !== 1)) {
        throw new SentimentInputError(`${source} line ${i + 1}: expected sentence<TAB>0|1, received ${JSON.stringify(line.slice(0, 80))}`);
      }
      return { text: line.slice(0, tab), label };
    });
}

/** JSON lines with `text` and `rating` (or `label`), e.g. `{"review_id":"r1","rating":5,"text":"..."}`. */
export function parseRatedJsonl(content: string, source = 'input'): LabelledText[] {
  return content
    .split(/\r?\n/)
    .map((line, i) => ({ line, i }))
    .filter(({ line }) => line.trim() !== '')
    .map(({ line, i }) => {
      let o: { text?: unknown; rating?: unknown; label?: unknown };
      try {
        o = JSON.parse(line) as typeof o;
      } catch (e) {
        throw new SentimentInputError(`${source} line ${i + 1}: not JSON`, { cause: e });
      }
      if (typeof o.text !== 'string') throw new SentimentInputError(`${source} line ${i + 1}: expected a string "text", received ${JSON.stringify(o.text)}`);
      const num = (v: unknown) => (typeof v === 'number' ? v : null);
      return { text: o.text, rating: num(o.rating), label: num(o.label) };
    });
}
