/** Names the AWS erasure shares with the functions that must recognise its work (kept free of heavy imports). */

/** Where rewritten objects and the plan wait before the swap (curated bucket); never scanned for people. */
export const ERASING_PREFIX = 'privacy/_erasing';
/** Object metadata on every object an erasure rewrote: the order import does not import such an object again. */
export const ERASURE_METADATA = 'retail-lake-erasure';
