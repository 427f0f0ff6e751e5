import winkNLP from "wink-nlp";
import model from "wink-eng-lite-web-model";
// wink's classifier ships without types.
// @ts-expect-error no declaration file
import createClassifier from "wink-naive-bayes-text-classifier";
import { training } from "./training.ts";

/**
 * Language reading for the offline model, on wink-nlp: tokens, entities (emails, money,
 * durations, dates), sentiment, and a naive Bayes topic classifier trained at start-up on the
 * sentences in training.ts. High-precision rules (injection, ticket ids, asking for a person)
 * come first; the classifier decides the topic otherwise.
 */
const nlp = winkNLP(model);
const its = nlp.its;

export type Topic = "technical" | "billing" | "sales" | "knowledge" | "offtopic";

const STOP = new Set([
  "a",
  "an",
  "the",
  "my",
  "i",
  "is",
  "it",
  "to",
  "of",
  "and",
  "or",
  "me",
  "you",
  "your",
  "on",
  "in",
  "for",
  "this",
  "that",
  "do",
  "does",
  "be",
  "with",
  "can",
  "what",
  "how",
  "was",
  "am",
  "are",
]);

function prepare(text: string): string[] {
  return nlp
    .readDoc(text.toLowerCase())
    .tokens()
    .filter((t) => t.out(its.type) === "word")
    .out(its.normal)
    .map((w: string) => w.replace(/n't$/, "not"))
    .filter((w: string) => !STOP.has(w));
}

const classifier = createClassifier();
classifier.definePrepTasks([prepare]);
classifier.defineConfig({ considerOnlyPresence: true, smoothingFactor: 0.5 });
for (const [label, sentences] of Object.entries(training)) for (const s of sentences) classifier.learn(s, label);
classifier.consolidate();

export function classifyTopic(text: string): { topic: Topic; confidence: number } {
  const odds = classifier.computeOdds(text) as Array<[Topic, number]>;
  if (!odds.length) return { topic: "offtopic", confidence: 0 };
  const [best, second] = odds;
  return { topic: best![0], confidence: second ? best![1] - second[1] : best![1] };
}

export interface Entities {
  ticketIds: string[];
  emails: string[];
  amounts: string[];
  invoices: string[];
  devices: string[];
  durations: string[];
}

const DEVICE =
  /\b(?:(?:northwind\s+)?(?:aero|volt|slate|pulse)\s*\d{1,2}\b[\w ]{0,12}?|(?:gaming |work |new |old )?(?:laptop|notebook|computer|pc|macbook|tablet|phone|smartphone|monitor|screen|keyboard|mouse|printer|router|headphones|earbuds|dock|docking station|charger|webcam|speaker|watch))\b/gi;

export function extractEntities(text: string): Entities {
  const doc = nlp.readDoc(text);
  const ents = doc.entities().out(its.detail) as Array<{ value: string; type: string }>;
  const amountRegex = /(?:[€$£]\s?\d[\d,.]*|\b\d[\d,.]*\s?(?:euros?|eur|dollars?|usd|pounds?|gbp)\b)/gi;
  return {
    ticketIds: [...new Set((text.match(/\bTK-\d{5,6}\b/gi) ?? []).map((t) => t.toUpperCase()))],
    emails: ents.filter((e) => e.type === "EMAIL").map((e) => e.value),
    amounts: [
      ...new Set([...ents.filter((e) => e.type === "MONEY").map((e) => e.value), ...(text.match(amountRegex) ?? [])]),
    ],
    invoices: [...new Set((text.match(/\bINV-\d{3,6}\b/gi) ?? []).map((t) => t.toUpperCase()))],
    devices: [...new Set((text.match(DEVICE) ?? []).map((d) => d.trim().toLowerCase()))],
    durations: ents.filter((e) => e.type === "DURATION" || e.type === "DATE" || e.type === "TIME").map((e) => e.value),
  };
}

/** wink's sentiment in [-1, 1]; negative means unhappy. */
export function sentimentOf(text: string): number {
  return nlp.readDoc(text).out(its.sentiment) as number;
}
