/**
 * TF-IDF over a vocabulary fitted on the training texts: sublinear term frequency (1 + ln count), smoothed inverse
 * document frequency ln((1 + n) / (1 + df)) + 1, rows scaled to unit length. Terms outside the vocabulary are
 * dropped. Rows are sparse in training and dense (float32 [n, V]) for the ONNX graph.
 */

export interface Vocabulary {
  readonly terms: readonly string[];
  /** idf[j] of terms[j]. */
  readonly idf: readonly number[];
}

export interface VocabularyOptions {
  /** Terms in fewer documents are dropped. @default 1 */
  readonly minDf?: number;
  /** Keep at most this many terms, the most frequent by document count (ties by term). @default 20000 */
  readonly maxTerms?: number;
}

/** A sparse row: term indices ascending, with their weights. */
export interface SparseRow {
  readonly index: Int32Array;
  readonly value: Float64Array;
}

export function fitVocabulary(docs: readonly (readonly string[])[], options: VocabularyOptions = {}): Vocabulary {
  const minDf = options.minDf ?? 1;
  const maxTerms = options.maxTerms ?? 20000;
  const df = new Map<string, number>();
  for (const doc of docs) for (const t of new Set(doc)) df.set(t, (df.get(t) ?? 0) + 1);
  const kept = [...df]
    .filter(([, n]) => n >= minDf)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, maxTerms)
    .map(([t]) => t)
    .sort();
  const n = docs.length;
  return { terms: kept, idf: kept.map((t) => Math.log((1 + n) / (1 + df.get(t)!)) + 1) };
}

/** Term -> column lookup, built once per vocabulary. */
export function termIndex(vocab: Vocabulary): Map<string, number> {
  return new Map(vocab.terms.map((t, j) => [t, j]));
}

export function tfidfRow(tokens: readonly string[], vocab: Vocabulary, index: ReadonlyMap<string, number>): SparseRow {
  const counts = new Map<number, number>();
  for (const t of tokens) {
    const j = index.get(t);
    if (j !== undefined) counts.set(j, (counts.get(j) ?? 0) + 1);
  }
  const cols = [...counts.keys()].sort((a, b) => a - b);
  const value = new Float64Array(cols.length);
  let norm = 0;
  cols.forEach((j, k) => {
    value[k] = (1 + Math.log(counts.get(j)!)) * vocab.idf[j]!;
    norm += value[k]! ** 2;
  });
  norm = Math.sqrt(norm) || 1;
  for (let k = 0; k < value.length; k++) value[k]! /= norm;
  return { index: Int32Array.from(cols), value };
}

/** Dense float32 rows [rows.length, width], row-major: what the ONNX graph takes. */
export function densify(rows: readonly SparseRow[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => r.index.forEach((j, k) => (out[i * width + j] = r.value[k]!)));
  return out;
}
