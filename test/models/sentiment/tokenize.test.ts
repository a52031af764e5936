import { describe, expect, it } from 'vitest';
import { tokenize } from '../../../models/sentiment/index.ts';

const words = (text: string, window = 3) => tokenize(text, { bigrams: false, negationWindow: window });

describe('tokenize', () => {
  it('lower-cases and splits on anything that is not a letter, mark or digit, keeping inner apostrophes', () => {
    expect(words('Great CAFÉ-au-lait, 10/10; it’s GOOD')).toEqual(['great', 'café', 'au', 'lait', '10', '10', "it's", 'good']);
  });

  it('makes each Han character a token', () => {
    expect(words('质量很好')).toEqual(['质', '量', '很', '好']);
  });

  it('marks up to the window of words after a negator, until the clause ends', () => {
    expect(words('not good at all really', 2)).toEqual(['not', 'not_good', 'not_at', 'all', 'really']);
    expect(words("doesn't work. Great otherwise")).toEqual(["doesn't", 'not_work', 'great', 'otherwise']);
    expect(words('never cheap but good')).toEqual(['never', 'not_cheap', 'but', 'good']);
  });

  it('leaves text alone with a window of 0', () => {
    expect(words('not good', 0)).toEqual(['not', 'good']);
  });

  it('adds bigrams within a clause only', () => {
    expect(tokenize('very good, fast ship')).toEqual(['very', 'good', 'very good', 'fast', 'ship', 'fast ship']);
  });
});
