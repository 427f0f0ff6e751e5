/** Small statistics for the benchmarks: percentiles, medians and "median (min–max)" spreads. */

export function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export const median = (values: number[]) => quantile(values, 0.5);

/** "median (min–max)" of repeated measurements. */
export function spread(values: number[], digits = 2): string {
  const f = (v: number) => v.toFixed(digits);
  return `${f(median(values))} (${f(Math.min(...values))}–${f(Math.max(...values))})`;
}

export const rounds = () => Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

/** Waits until `check` is true, polling; fails after `ms`. For setup only, never for a measurement. */
export async function until(check: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Runs every measurement `warmups` times, then `rounds` rounds in which they take turns, so a
 * machine that slows down mid-run weighs on each alike. Returns each one's samples, in rounds.
 */
export async function takingTurns(
  measurements: Record<string, () => Promise<number>>,
  rounds: number,
  warmups: number,
): Promise<Record<string, number[]>> {
  for (const measure of Object.values(measurements)) for (let i = 0; i < warmups; i++) await measure();
  const samples: Record<string, number[]> = {};
  for (let i = 0; i < rounds; i++)
    for (const [name, measure] of Object.entries(measurements)) (samples[name] ??= []).push(await measure());
  return samples;
}

/** Prints each measurement's spread and, but for the baseline's, its ratio to the baseline round by round. */
export function printAgainst(
  samples: Record<string, number[]>,
  baseline: string,
  unit: string,
  ratioText: string,
  ratioDigits: number,
): void {
  const base = samples[baseline]!;
  for (const [name, values] of Object.entries(samples)) {
    const ratio = values.map((v, i) => v / base[i]!);
    console.log(
      `  ${name}: ${spread(values, 1)} ${unit}${values === base ? " (baseline)" : `; ${spread(ratio, ratioDigits)}${ratioText}`}`,
    );
  }
}
