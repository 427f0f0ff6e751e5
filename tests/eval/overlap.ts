/**
 * Near-copy detection between evaluation sets and the training corpus: a held-out sentence that
 * is (almost) in the training data measures memory, not understanding.
 */
const normal = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9@ ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();

const wordSet = (text: string) => new Set(normal(text).split(" ").filter(Boolean));

function trigrams(text: string): Set<string> {
  const t = ` ${normal(text)} `;
  const out = new Set<string>();
  for (let i = 0; i + 3 <= t.length; i++) out.add(t.slice(i, i + 3));
  return out;
}

function jaccard<T>(a: Set<T>, b: Set<T>): number {
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared || 1);
}

/** Thresholds: same words in another order, or the same letters with a few changed, count as a copy. */
export const WORD_JACCARD = 0.7;
export const TRIGRAM_JACCARD = 0.75;

export function nearCopy(a: string, b: string): boolean {
  if (normal(a) === normal(b)) return true;
  return jaccard(wordSet(a), wordSet(b)) >= WORD_JACCARD || jaccard(trigrams(a), trigrams(b)) >= TRIGRAM_JACCARD;
}

/** Every pair (held, other) where `held` is a near-copy of a sentence in `others`. */
export function overlaps(held: string[], others: string[]): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  for (const h of held) for (const o of others) if (nearCopy(h, o)) pairs.push([h, o]);
  return pairs;
}
