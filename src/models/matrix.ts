/** Row-major float64 matrices: the training code's one data shape. Row r, column c is `data[r * cols + c]`. */
import { ModelTrainingError } from './errors.ts';

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

/** A matrix from rows of equal length; throws naming the first ragged or non-finite entry. */
export function matrixFromRows(rows: readonly (readonly number[])[], cols?: number): Matrix {
  const k = cols ?? rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * k);
  rows.forEach((r, i) => {
    if (r.length !== k) throw new ModelTrainingError(`row ${i} has ${r.length} values, expected ${k}`);
    for (let j = 0; j < k; j++) {
      const v = r[j]!;
      if (!Number.isFinite(v)) throw new ModelTrainingError(`row ${i}, column ${j}: value must be finite, received ${v}`);
      data[i * k + j] = v;
    }
  });
  return { rows: rows.length, cols: k, data };
}

export function row(m: Matrix, r: number): Float64Array {
  return m.data.subarray(r * m.cols, (r + 1) * m.cols);
}

/** The rows at the given indices, as a new matrix. */
export function takeRows(m: Matrix, idx: ArrayLike<number>): Matrix {
  const data = new Float64Array(idx.length * m.cols);
  for (let i = 0; i < idx.length; i++) data.set(row(m, idx[i]!), i * m.cols);
  return { rows: idx.length, cols: m.cols, data };
}

export function checkMatrix(m: Matrix, what: string): void {
  if (m.data.length !== m.rows * m.cols) {
    throw new ModelTrainingError(`${what}: data has ${m.data.length} values, expected rows x cols = ${m.rows} x ${m.cols}`);
  }
  for (let i = 0; i < m.data.length; i++) {
    if (!Number.isFinite(m.data[i]!)) {
      throw new ModelTrainingError(`${what}: row ${Math.floor(i / m.cols)}, column ${i % m.cols} is ${m.data[i]}; apply the feature spec's missing-value rule first`);
    }
  }
}
