/**
 * Review text -> tokens. Lower-cased after Unicode NFKC normalisation; words are runs of letters, marks and digits
 * (apostrophes inside words kept, so "don't" stays one token); each Han character is a token of its own, since
 * Chinese is written without spaces. Negation: the words after a negator ("not", "no", "never", "...n't", ...) up
 * to the window or the end of the clause get a `not_` prefix, so "not good" and "good" are different features.
 * Optional bigrams of adjacent words within a clause. The same function runs in training and in scoring.
 */

export interface TokenizerOptions {
  /** Words after a negator that are marked, within the clause. @default 3 */
  readonly negationWindow?: number;
  /** Add adjacent word pairs ("battery died") as features. @default true */
  readonly bigrams?: boolean;
}

export const DEFAULT_TOKENIZER: Required<TokenizerOptions> = { negationWindow: 3, bigrams: true };

const NEGATORS = new Set(['not', 'no', 'never', 'nor', 'none', 'nobody', 'nothing', 'neither', 'nowhere', 'cannot', 'without', 'hardly', 'barely']);
/** Words that end a negation scope besides punctuation: "not cheap but good". */
const SCOPE_BREAKERS = new Set(['but', 'however', 'although', 'though', 'yet']);
// Han characters one by one | words (letters/marks/digits, inner apostrophes) | clause punctuation.
const TOKEN = /(\p{Script=Han})|((?:(?!\p{Script=Han})[\p{L}\p{M}\p{N}])+(?:'(?:(?!\p{Script=Han})[\p{L}\p{M}\p{N}])+)*)|([.!?;:,()\u3002\uff01\uff1f\uff1b\uff0c])/gu;

function isNegator(word: string): boolean {
  return NEGATORS.has(word) || word.endsWith("n't");
}

export function tokenize(text: string, options: TokenizerOptions = {}): string[] {
  const window = options.negationWindow ?? DEFAULT_TOKENIZER.negationWindow;
  const bigrams = options.bigrams ?? DEFAULT_TOKENIZER.bigrams;
  const normal = text.normalize('NFKC').toLowerCase().replace(/[\u2018\u2019\u02bc]/g, "'");
  const tokens: string[] = [];
  let clause: string[] = [];
  let negated = 0;
  const endClause = () => {
    if (bigrams) for (let i = 1; i < clause.length; i++) tokens.push(`${clause[i - 1]} ${clause[i]}`);
    clause = [];
    negated = 0;
  };
  for (const m of normal.matchAll(TOKEN)) {
    if (m[3] !== undefined) {
      endClause();
      continue;
    }
    const word = m[1] ?? m[2]!;
    if (SCOPE_BREAKERS.has(word)) {
      endClause();
      tokens.push(word);
      continue;
    }
    const token = negated > 0 ? `not_${word}` : word;
    negated = isNegator(word) ? window : Math.max(0, negated - 1);
    tokens.push(token);
    clause.push(token);
  }
  endClause();
  return tokens;
}
