/**
 * The offline model's intent classifier: multinomial logistic regression over sparse features,
 * trained deterministically at start-up on the corpus (server/ai/offline/corpus.ts).
 *
 * Features beyond a bag of words, so that paraphrases and typos still land:
 * - word stems and stem bigrams, with negation marked ("not working" differs from "working");
 * - character n-grams (3 and 4) inside each word, so "disconects" still shares most of
 *   "disconnects";
 * - placeholders for ids, emails, amounts and numbers, so "TK-31415" reads like any ticket id.
 * Confidence is the softmax probability at a temperature chosen on the development set, so that
 * "0.8" means right about 8 times in 10 there; below a threshold the agent asks instead of guessing.
 */
import { corpus, intents, type CorpusIntent } from "./corpus.ts";

const NEGATORS = new Set(["not", "no", "never", "without", "nothing", "nobody", "cannot", "cant", "none"]);
const STOP = new Set(["a", "an", "the", "to", "of", "and", "or", "in", "on", "for", "at", "is", "be", "it", "this"]);

function stem(w: string): string {
  if (w.length <= 4) return w;
  return w.replace(/(ingly|edly|ing|ed|ies|es|s|ly)$/, (suffix) => (suffix === "ies" ? "y" : ""));
}

/** Lower-cased word tokens with placeholders for ids, emails, amounts and numbers. */
export function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, " zzemail ")
    .replace(/\btk-\d+\b/g, " zzticket ")
    .replace(/\binv-\d+\b/g, " zzinvoice ")
    .replace(/[€$£]\s?\d[\d,.]*/g, " zzmoney ")
    .replace(/\d[\d,.]*/g, " zznum ")
    .replace(/n['’]t\b/g, " not")
    .replace(/['’](s|re|m|ve|ll|d)\b/g, " ")
    .split(/[^a-z]+/)
    .filter(Boolean);
}

/** The features of a text, each with weight 1, scaled so that long messages do not dominate. */
export function features(text: string): Map<string, number> {
  const out = new Map<string, number>();
  const add = (f: string, w = 1) => out.set(f, (out.get(f) ?? 0) + w);
  const words = tokens(text);
  let negated = 0;
  const stems: string[] = [];
  for (const w of words) {
    if (NEGATORS.has(w)) {
      negated = 3;
      stems.push("NOT");
      add("w:NOT");
      continue;
    }
    const s = stem(w);
    stems.push(s);
    if (!STOP.has(w)) add(negated > 0 ? `w:!${s}` : `w:${s}`);
    if (negated > 0) negated--;
    if (w.length >= 3 && !w.startsWith("zz")) {
      const padded = `<${w}>`;
      for (const n of [3, 4]) for (let i = 0; i + n <= padded.length; i++) add(`c:${padded.slice(i, i + n)}`, 0.35);
    }
  }
  for (let i = 0; i + 1 < stems.length; i++) add(`b:${stems[i]}_${stems[i + 1]}`);
  if (words.length <= 3) add("len:short");
  let norm = 0;
  for (const v of out.values()) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  for (const [k, v] of out) out.set(k, v / norm);
  return out;
}

/** A deterministic pseudo-random sequence (mulberry32), for the training order. */
function random(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Prediction {
  intent: CorpusIntent;
  /** Calibrated probability of the top intent. */
  confidence: number;
  /** Every intent with its probability, best first. */
  ranked: Array<{ intent: CorpusIntent; p: number }>;
}

export class IntentClassifier {
  private readonly vocabulary = new Map<string, number>();
  private weights: Float64Array = new Float64Array(0);
  private readonly bias = new Float64Array(intents.length);

  private readonly temperature: number;
  constructor(
    data: Record<CorpusIntent, string[]>,
    temperature = TEMPERATURE,
    { epochs = 30, rate = 0.5, l2 = 1e-5 } = {},
  ) {
    this.temperature = temperature;
    const examples = intents.flatMap((label, k) =>
      data[label].map((text) => ({ k, x: this.encode(features(text), true) })),
    );
    const K = intents.length;
    this.weights = new Float64Array(this.vocabulary.size * K);
    const next = random(20261125);
    const order = examples.map((_, i) => i);
    const p = new Float64Array(K);
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      const lr = rate / (1 + epoch * 0.1);
      for (const index of order) {
        const { k, x } = examples[index]!;
        this.scores(x, p, 1);
        for (let c = 0; c < K; c++) {
          const g = p[c]! - (c === k ? 1 : 0);
          this.bias[c] = this.bias[c]! - lr * g;
          for (const [f, v] of x) {
            const at = f * K + c;
            this.weights[at] = this.weights[at]! * (1 - lr * l2) - lr * g * v;
          }
        }
      }
    }
  }

  private encode(fs: Map<string, number>, grow: boolean): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (const [name, v] of fs) {
      let index = this.vocabulary.get(name);
      if (index === undefined && grow) {
        index = this.vocabulary.size;
        this.vocabulary.set(name, index);
      }
      if (index !== undefined) out.push([index, v]);
    }
    return out;
  }

  /** Softmax of the linear scores at temperature t, written into p. */
  private scores(x: Array<[number, number]>, p: Float64Array, t: number): void {
    const K = intents.length;
    for (let c = 0; c < K; c++) p[c] = this.bias[c]!;
    for (const [f, v] of x) for (let c = 0; c < K; c++) p[c] = p[c]! + (this.weights[f * K + c] ?? 0) * v;
    let max = -Infinity;
    for (let c = 0; c < K; c++) max = Math.max(max, p[c]! / t);
    let sum = 0;
    for (let c = 0; c < K; c++) {
      p[c] = Math.exp(p[c]! / t - max);
      sum += p[c]!;
    }
    for (let c = 0; c < K; c++) p[c] = p[c]! / sum;
  }

  predict(text: string, temperature = this.temperature): Prediction {
    const p = new Float64Array(intents.length);
    this.scores(this.encode(features(text), false), p, temperature);
    const ranked = intents.map((intent, c) => ({ intent, p: p[c]! })).sort((a, b) => b.p - a.p);
    return { intent: ranked[0]!.intent, confidence: ranked[0]!.p, ranked };
  }
}

/** The softmax temperature, fitted on the development set (`npm run eval` prints the fit). */
export const TEMPERATURE = 0.65;

// Trained when the module loads (a few hundred milliseconds at start-up), never on a customer's message.
const trained = new IntentClassifier(corpus);
/** The classifier trained on the corpus. */
export const classifier = (): IntentClassifier => trained;
