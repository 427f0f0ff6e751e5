import winkNLP from "wink-nlp";
import model from "wink-eng-lite-web-model";

/**
 * Language reading for the offline model, on wink-nlp: entities (emails, money, durations,
 * dates) and sentiment. What the customer wants is the intent classifier's job (classifier.ts).
 */
const nlp = winkNLP(model);
const its = nlp.its;

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
