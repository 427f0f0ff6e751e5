/**
 * How well the classifier's confidence matches how often it is right, on a labelled set: the
 * temperature that fits best (lowest negative log-likelihood), and the reliability at that
 * temperature (expected calibration error over ten bins).
 */
import { classifier } from "../../server/ai/offline/classifier.ts";
import type { CorpusIntent } from "../../server/ai/offline/corpus.ts";
import type { Utterance } from "./evaluate.ts";

/** The intents that are a right reading of each evaluation category. */
export const intentsOf: Record<string, CorpusIntent[]> = {
  technical: ["technical"],
  billing: ["billing", "cancel_subscription"],
  sales: ["sales"],
  knowledge: ["knowledge"],
  ticket_status: ["ticket_status"],
  service_status: ["service_status"],
  escalation: ["human", "authority"],
  complaint: ["complaint"],
  guardrail: ["offtopic", "injection"],
  greeting: ["greeting"],
  safety: ["safety"],
  other_account: ["other_account"],
};

export interface Calibration {
  temperature: number;
  ece: number;
  accuracy: number;
  bins: Array<{ from: number; count: number; meanConfidence: number; accuracy: number }>;
}

function score(utterances: Utterance[], temperature: number) {
  return utterances.map((u) => {
    const p = classifier().predict(u.text, temperature);
    const right = intentsOf[u.category] ?? [];
    const pRight = p.ranked.filter((r) => right.includes(r.intent)).reduce((s, r) => s + r.p, 0);
    return { confidence: p.confidence, correct: right.includes(p.intent), pRight };
  });
}

export function calibrate(utterances: Utterance[]): Calibration {
  let best = { temperature: 1, nll: Infinity };
  for (let t = 0.2; t <= 2.001; t += 0.05) {
    const nll = score(utterances, t).reduce((s, x) => s - Math.log(Math.max(x.pRight, 1e-9)), 0);
    if (nll < best.nll) best = { temperature: Math.round(t * 100) / 100, nll };
  }
  const scored = score(utterances, best.temperature);
  const bins = Array.from({ length: 10 }, (_, i) => {
    const inBin = scored.filter((x) => Math.min(9, Math.floor(x.confidence * 10)) === i);
    return {
      from: i / 10,
      count: inBin.length,
      meanConfidence: inBin.reduce((s, x) => s + x.confidence, 0) / (inBin.length || 1),
      accuracy: inBin.filter((x) => x.correct).length / (inBin.length || 1),
    };
  });
  const ece = bins.reduce((s, b) => s + (b.count / scored.length) * Math.abs(b.meanConfidence - b.accuracy), 0);
  const accuracy = scored.filter((x) => x.correct).length / scored.length;
  return { temperature: best.temperature, ece, accuracy, bins };
}

export function formatCalibration(c: Calibration): string {
  const rows = c.bins
    .filter((b) => b.count > 0)
    .map(
      (b) =>
        `  ${b.from.toFixed(1)}–${(b.from + 0.1).toFixed(1)}  ${String(b.count).padStart(3)} messages, mean confidence ${b.meanConfidence.toFixed(2)}, right ${(b.accuracy * 100).toFixed(0)}%`,
    );
  return [
    `Classifier alone: ${(c.accuracy * 100).toFixed(1)}% right; best temperature ${c.temperature}; expected calibration error ${c.ece.toFixed(3)}`,
    ...rows,
  ].join("\n");
}
