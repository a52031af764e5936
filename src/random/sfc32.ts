/**
 * The project's one seeded random-number core: sfc32 (small, fast, passes PractRand) seeded by a cyrb128 string hash
 * of (seed, stream name). Math.random cannot be seeded, and both the synthetic retailer (byte-identical output per
 * seed) and model training (identical models, so version hashes mean something) need reproducible draws. The
 * generator's `Rng` and training's `SeededRng` add their own distributions on top of this.
 */

/** cyrb128: a fast 128-bit string hash, used only to turn (seed, stream) into sfc32 state. */
function cyrb128(s: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < s.length; i++) {
    const k = s.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  return [h1 >>> 0, (h2 ^ h1) >>> 0, (h3 ^ h1) >>> 0, (h4 ^ h1) >>> 0];
}

export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** A stream of numbers fixed by the seed and the stream's name. */
  constructor(seed: number, stream: string) {
    [this.a, this.b, this.c, this.d] = cyrb128(`${seed}/${stream}`);
    // The first outputs of sfc32 are still correlated with the seed words; discard them.
    for (let i = 0; i < 16; i++) this.uint32();
  }

  /** sfc32 step: a uniform 32-bit unsigned integer. */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.uint32() / 4294967296;
  }
}
