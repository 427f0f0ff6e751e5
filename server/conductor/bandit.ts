/**
 * Thompson sampling over Beta posteriors, pure and seeded. Each (intervention × context bucket)
 * has a Beta(alpha, beta) posterior over "this intervention works here", starting at Beta(1, 1).
 * To pick, draw once from every eligible posterior and take the largest draw: an arm with little
 * evidence draws widely, so it is tried now and then (exploration) until its evidence settles.
 */

export interface Posterior {
  alpha: number;
  beta: number;
  attempts: number;
  successes: number;
}

export const PRIOR: Posterior = { alpha: 1, beta: 1, attempts: 0, successes: 0 };

/** A deterministic generator of numbers in [0, 1) (mulberry32): tests and simulations seed it. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(random: () => number): number {
  // Box–Muller; 1 - u keeps the logarithm finite.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Gamma(shape, 1) by Marsaglia and Tsang; shapes below 1 by the usual boost. */
export function sampleGamma(shape: number, random: () => number): number {
  if (shape < 1) return sampleGamma(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

export function sampleBeta(alpha: number, beta: number, random: () => number): number {
  const x = sampleGamma(alpha, random);
  const y = sampleGamma(beta, random);
  return x / (x + y);
}

export const mean = (p: Pick<Posterior, "alpha" | "beta">) => p.alpha / (p.alpha + p.beta);

/** The central 90 % interval of Beta(alpha, beta), by a normal approximation clipped to [0, 1]. */
export function interval90(p: Pick<Posterior, "alpha" | "beta">): [number, number] {
  const m = mean(p);
  const n = p.alpha + p.beta;
  const sd = Math.sqrt((p.alpha * p.beta) / (n * n * (n + 1)));
  return [Math.max(0, m - 1.645 * sd), Math.min(1, m + 1.645 * sd)];
}

export interface ArmPick<K extends string = string> {
  arm: K;
  /** The value drawn from the chosen arm's posterior. */
  sampled: number;
  /** The chosen arm's posterior mean and evidence. */
  mean: number;
  attempts: number;
  /** True when the draw chose an arm other than the one with the best posterior mean. */
  explored: boolean;
  /** Every arm's draw, for the decision's explanation. */
  draws: Record<K, number>;
}

export function thompsonPick<K extends string>(arms: Record<K, Posterior>, random: () => number): ArmPick<K> {
  const names = Object.keys(arms) as K[];
  if (!names.length) throw new Error("No arm to pick from.");
  const draws = {} as Record<K, number>;
  for (const name of names) draws[name] = sampleBeta(arms[name].alpha, arms[name].beta, random);
  const chosen = names.reduce((best, name) => (draws[name] > draws[best] ? name : best));
  const greedy = names.reduce((best, name) => (mean(arms[name]) > mean(arms[best]) ? name : best));
  return {
    arm: chosen,
    sampled: draws[chosen],
    mean: mean(arms[chosen]),
    attempts: arms[chosen].attempts,
    explored: chosen !== greedy && mean(arms[chosen]) < mean(arms[greedy]),
    draws,
  };
}

/** Evidence loses half its weight in this long, so an intervention that wears off is noticed. */
export const HALF_LIFE_DAYS = 30;

/**
 * The posterior after one outcome: the old evidence first decays towards the prior by its age,
 * then the outcome counts in full. The raw counts are kept as they are, for the screens.
 */
export function update(p: Posterior, success: boolean, elapsedMs: number): Posterior {
  const keep = Math.pow(0.5, Math.max(0, elapsedMs) / (HALF_LIFE_DAYS * 86_400_000));
  return {
    alpha: 1 + (p.alpha - 1) * keep + (success ? 1 : 0),
    beta: 1 + (p.beta - 1) * keep + (success ? 0 : 1),
    attempts: p.attempts + 1,
    successes: p.successes + (success ? 1 : 0),
  };
}
