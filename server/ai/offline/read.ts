import { classifier } from "./classifier.ts";
import type { CorpusIntent } from "./corpus.ts";
import { extractEntities, sentimentOf, type Entities } from "./nlp.ts";

/** What the offline model makes of one customer message. */
export type Intent = CorpusIntent | "affirm" | "deny" | "cancel" | "not_helped" | "presence" | "unknown";

export interface Reading {
  text: string;
  intent: Intent;
  /** How sure the reading is: 1 for a rule, else the classifier's calibrated probability. */
  confidence: number;
  /** The classifier's best guesses, best first (for a clarifying question). */
  ranked: Array<{ intent: CorpusIntent; p: number }>;
  entities: Entities;
  sentiment: number;
  frustrated: boolean;
}

/** Below this probability the model asks rather than guesses (fitted on the development set). */
export const UNSURE_BELOW = 0.4;

/** High-precision rules, tried in order before the classifier. Dialogue acts must be the whole message. */
const rules: Array<[Intent, RegExp]> = [
  [
    "injection",
    /\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompt|guidelines|previous|above|(you were|you've been|you have been) (told|given))\b|\b(system prompt|your prompt|your instructions|developer mode|jailbreak|you are now|pretend (to be|you are)|act as (an? |the )?(admin|developer|system))\b|\breveal\b.{0,30}\b(prompt|instructions|configuration)\b|^\s*system\s*:/i,
  ],
  [
    "safety",
    /\b(smok(e|es|ed|ing|y)|sparks?|sparking|sparked|on fire|caught fire|flames?|burn(ing|t|ed)? (smell|marks?)|smells? (of |like )?(burn\w*|smoke|melting)|swell(ing|ed|s)?|swollen|bulg(e|es|ed|ing)|puff(ed|y|ing)? up|puffy|bloated|melt(ed|ing|s)?|explod(e|ed|es|ing)|electric(al)? shock|too hot to (touch|hold)|leaking (liquid|fluid))\b/i,
  ],
  ["cancel", /^\s*(never ?mind|forget it|cancel( that| it)?|stop|don'?t bother|no need)[\s!.,]*$/i],
  [
    "not_helped",
    /\b(didn'?t|did not|doesn'?t|does not|hasn'?t|has not|won'?t|wasn'?t)\s+(help|work|fix)\w*|\b(no luck|not helping|nothing (worked|works|helped)|still (the same|broken|doesn'?t work|won'?t (boot|start|turn on)))\b/i,
  ],
  ["presence", /^\s*(are you|r u|you) (still )?(there|here|around)\s*\??\s*$|^\s*(hello|hi)\s*\?+\s*$/i],
  [
    "human",
    /\b(talk|speak|chat|connect me|put me through)\b.{0,25}\b(person|human|someone|somebody|agent|representative|manager|supervisor|real)\b|\b(real|live) (person|human|agent)\b|\bhuman (agent|support|being)\b|\boperator\b|\b(call|ring|phone) me( back)?\b|\bcall ?back\b/i,
  ],
  [
    "authority",
    /\b(should i|is it (a )?(good idea|wise|smart|safe) to|would you) (accept|take|sign|sue|invest|sell|buy the)\b|\b(legal advice|legal action|lawyer|lawsuit|sue you|contract terms|solicitor)\b|\b\d{1,3}(,\d{3})+\s*(euros?|eur|dollars?|usd|€|\$)|[€$]\s?\d{1,3}(,\d{3})+\b.*\b(offer|deal|settle)/i,
  ],
  ["ticket_status", /\bTK-\d{5,6}\b/i],
  [
    "service_status",
    /\b(is|are) (the |your |our )?(cloud )?(service|services|system|systems|site|website|portal|platform|backups?|sync|login|activation|payments?|everything|anything|servers?)\b.{0,15}\b(down|up|working|broken|offline|out|operational|running)\b|\ball (your |the )?(services|systems)\b.{0,15}\b(operational|up|running|working)\b|\b(outage|status page|service status|system status)\b|\bis (it|anything) down\b/i,
  ],
  [
    "greeting",
    /^\s*(hi|hello|hey|good (morning|afternoon|evening)|hiya|greetings)( there| team| all| tandem)?[\s!.,]*$/i,
  ],
  ["thanks", /^\s*(thanks|thank you|thx|cheers|great,? thanks|perfect,? thanks)\b[^?]*$/i],
  [
    "affirm",
    /^\s*(yes|yeah|yep|yup|sure|correct|that'?s (right|correct)|right|ok(ay)?|please do|go ahead|confirm(ed)?|sounds good|do it)\b[\s!.,]*(please|thanks|thank you)?[\s!.]*$/i,
  ],
  ["deny", /^\s*(no|nope|nah|not quite|that'?s (wrong|not right|incorrect)|wrong)\b/i],
];

const FRUSTRATION =
  /\b(frustrat\w*|fed up|unacceptable|ridiculous|furious|angry|annoyed|terrible|awful|worst|useless|for weeks|for months|third time|again and again|still not (fixed|resolved)|sick of|complain\w*|unhappy|disappointed|unbelievable|losing my (mind|patience)|had enough|nobody (helps|helped|has helped|answers|replies|gets back)|every (single )?(week|time)|same (useless )?(problem|issue|answer))\b/i;

/**
 * How much of one message the model reads. Intent shows in the first lines of a message; a
 * 4,000-character paste of digits or logs must not hold the event loop (the worst case is in
 * bench/offline-worst-case.ts). Each message is read once: readings are cached by text.
 */
export const MAX_ANALYSED_CHARS = 600;
const readings = new Map<string, Reading>();
const MAX_CACHED = 500;

export function readMessage(text: string): Reading {
  const cached = readings.get(text);
  if (cached) return cached;
  const reading = analyse(text);
  readings.set(text, reading);
  if (readings.size > MAX_CACHED) readings.delete(readings.keys().next().value!);
  return reading;
}

function analyse(full: string): Reading {
  const text = full.length > MAX_ANALYSED_CHARS ? full.slice(0, MAX_ANALYSED_CHARS) : full;
  const entities = extractEntities(text);
  const sentiment = sentimentOf(text);
  const frustrated = FRUSTRATION.test(text) || (sentiment <= -0.5 && /!/.test(text));
  const prediction = classifier().predict(text);
  const ranked = prediction.ranked.slice(0, 4);
  const base = { text: full, ranked, entities, sentiment, frustrated };
  const rule = rules.find(([, pattern]) => pattern.test(text));
  const longRunning = frustrated && /\b(weeks?|months?|years?|again|still|times)\b/i.test(text);
  // Long-running frustration is a complaint even when the words name a topic or say "still broken".
  if (longRunning && (!rule || rule[0] === "not_helped")) return { ...base, intent: "complaint", confidence: 1 };
  if (rule) return { ...base, intent: rule[0], confidence: 1 };
  const intent: Intent =
    prediction.confidence >= UNSURE_BELOW && prediction.intent !== "vague" ? prediction.intent : "unknown";
  return { ...base, intent, confidence: prediction.confidence };
}

/** Fields of the escalation workflow that a message answers, if any. */
export function readCaseDetails(full: string, entities: Entities): { device?: string; since?: string; tried?: string } {
  const text = full.slice(0, MAX_ANALYSED_CHARS);
  const out: { device?: string; since?: string; tried?: string } = {};
  const device = entities.devices[0] ?? entities.invoices[0];
  if (device) out.device = device;
  const since =
    /\b(since (?:last |this |the )?\w+|(?:for|about|around) (?:a |an |\d+ |two |three |several |a few )?(?:day|week|month|hour)s?|(?:yesterday|today|last (?:night|week|month|monday|tuesday|wednesday|thursday|friday|saturday|sunday))|\d+ (?:day|week|month|hour)s? ago|(?:this|last) (?:morning|week|month))\b/i.exec(
      text,
    );
  if (since) out.since = since[0];
  else if (entities.durations[0]) out.since = entities.durations[0];
  const tried =
    /\b(?:i(?:'ve| have)? (?:already )?)?(tried|restarted|rebooted|reinstalled|reset|updated|charged|unplugged|replaced|cleaned|removed|held|pressed|called|checked)\b[^.!?]{0,80}/i.exec(
      text,
    );
  if (tried) out.tried = tried[0].trim();
  else if (/\b(nothing|haven'?t tried|not yet)\b/i.test(text)) out.tried = "nothing yet";
  return out;
}
