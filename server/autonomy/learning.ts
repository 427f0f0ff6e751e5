/**
 * The track record of an action in a context, as a Beta posterior over "an operator would
 * approve this, and it was not reversed", starting from Beta(1, 1). Autonomy is gated on the
 * lower bound of the posterior (models are overconfident; the record is not).
 */
export interface TrackRecord {
  attempts: number;
  approvals: number;
  rejections: number;
  reversals: number;
  /** Posterior mean: the calibrated confidence shown beside the model's own. */
  successRate: number;
  /** A one-sided 95 % lower bound of the posterior (normal approximation of the Beta). */
  lowerBound: number;
}

export function trackRecord(stats: { approved: number; rejected: number; reversed: number } | undefined): TrackRecord {
  const approvals = stats?.approved ?? 0;
  const rejections = stats?.rejected ?? 0;
  const reversals = stats?.reversed ?? 0;
  const alpha = 1 + Math.max(0, approvals - reversals);
  const beta = 1 + rejections + reversals;
  const mean = alpha / (alpha + beta);
  const variance = (alpha * beta) / ((alpha + beta) ** 2 * (alpha + beta + 1));
  return {
    attempts: approvals + rejections,
    approvals,
    rejections,
    reversals,
    successRate: mean,
    lowerBound: Math.max(0, mean - 1.645 * Math.sqrt(variance)),
  };
}

/** Coarse buckets, so a context has enough history to learn from. */
export function amountBucket(cents: number): string {
  if (cents <= 2_000) return "up-to-20";
  if (cents <= 10_000) return "up-to-100";
  if (cents <= 50_000) return "up-to-500";
  return "over-500";
}

export function sentimentBucket(score: number): string {
  return score <= -0.3 ? "negative" : score >= 0.3 ? "positive" : "neutral";
}

/** The context key: the same action in the same coarse situation shares one track record. */
export const contextKey = (context: Record<string, string>) =>
  Object.keys(context)
    .sort()
    .map((k) => `${k}=${context[k]}`)
    .join(";");

/** The pairs of a context key, in its order: the inverse of `contextKey`. */
export const contextPairs = (key: string) =>
  key
    .split(";")
    .filter(Boolean)
    .map((pair) => {
      const at = pair.indexOf("=");
      return { key: pair.slice(0, at), value: pair.slice(at + 1) };
    });
