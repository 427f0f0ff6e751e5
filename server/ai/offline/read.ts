import { classifyTopic, extractEntities, sentimentOf, type Entities, type Topic } from "./nlp.ts";

/** What the offline model makes of one customer message. */
export type Intent =
  | "injection"
  | "offtopic"
  | "human"
  | "authority"
  | "ticket_status"
  | "service_status"
  | "greeting"
  | "thanks"
  | "affirm"
  | "deny"
  | "cancel"
  | "not_helped"
  | "complaint"
  | Exclude<Topic, "offtopic">
  | "unknown";

export interface Reading {
  text: string;
  intent: Intent;
  topic: Topic;
  topicConfidence: number;
  entities: Entities;
  sentiment: number;
  frustrated: boolean;
}

const rules: Array<[Intent, RegExp]> = [
  [
    "injection",
    /\b(ignore|disregard|forget|override)\b.{0,40}\b(instructions?|rules|prompt|guidelines|previous)\b|\b(system prompt|your prompt|your instructions|developer mode|jailbreak|you are now|pretend (to be|you are)|act as (an? )?(admin|developer|system))\b|\breveal\b.{0,30}\b(prompt|instructions|configuration)\b/i,
  ],
  [
    "human",
    /\b(talk|speak|chat|connect me|put me through)\b.{0,25}\b(person|human|someone|somebody|agent|representative|manager|supervisor|real)\b|\b(real|live) (person|human|agent)\b|\bhuman (agent|support|being)\b|\boperator\b/i,
  ],
  [
    "authority",
    /\bshould i (accept|take|sign|sue|invest|sell|buy the)\b|\b(legal advice|lawyer|lawsuit|sue you|contract terms)\b|\b\d{1,3}(,\d{3})+\s*(euros?|eur|dollars?|usd|€|\$)|[€$]\s?\d{1,3}(,\d{3})+\b.*\b(offer|deal|settle)/i,
  ],
  ["cancel", /^\s*(never ?mind|forget it|cancel( that| it)?|stop|don'?t bother|no need)\b/i],
  [
    "not_helped",
    /\b(didn'?t|did not|doesn'?t|does not|hasn'?t|has not|won'?t|wasn'?t)\s+(help|work|fix)\w*|\b(no luck|not helping|nothing (worked|works|helped)|still (the same|broken|doesn'?t work|won'?t (boot|start|turn on)))\b/i,
  ],
  [
    "ticket_status",
    /\bTK-\d{5,6}\b|\b(status|update|progress|news) (of|on|about) (my |that |the |this |our )?(ticket|case|request|repair)\b|\b(my|that|the) ticket\b.{0,20}\b(status|update|progress|going|now)\b|\bmy ticket\b/i,
  ],
  [
    "service_status",
    /\b(is|are) (the |your |our )?(cloud )?(service|services|system|systems|site|website|portal|backups?|activation|payments?|everything|anything)\b.{0,15}\b(down|up|working|broken|offline|out)\b|\b(outage|status page|service status|system status)\b|\bis (it|anything) down\b/i,
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

const keywords: Array<[Intent, RegExp]> = [
  ["billing", /\b(invoices?|bill(s|ing|ed)?|charge[sd]?|refunds?|payments?|paid|receipts?)\b/i],
  ["knowledge", /\b(warranty|return policy|returns?|covered|coverage|protection plan)\b/i],
  [
    "technical",
    /\b(boot|crash\w*|error|wi-?fi|battery|broken|frozen|freez\w*|not working|won'?t (start|turn on|work|charge))\b/i,
  ],
  ["sales", /\b(price|pricing|upgrade|plans?|discount|buy|purchase|quote)\b/i],
];

function keywordTopic(text: string): Intent | null {
  return keywords.find(([, re]) => re.test(text))?.[0] ?? null;
}

const FRUSTRATION =
  /\b(frustrat\w*|fed up|unacceptable|ridiculous|furious|angry|annoyed|terrible|awful|worst|useless|for weeks|for months|third time|again and again|still not (fixed|resolved)|sick of|complain\w*)\b/i;

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
  const { topic, confidence } = classifyTopic(text);
  const frustrated = FRUSTRATION.test(text) || (sentiment <= -0.5 && /!/.test(text));
  let intent: Intent = "unknown";
  for (const [name, pattern] of rules) {
    if (pattern.test(text)) {
      intent = name;
      break;
    }
  }
  if (intent === "unknown") {
    if (frustrated && (confidence < 3 || /\b(weeks|months|again|still)\b/i.test(text))) intent = "complaint";
    else if (confidence >= 1) intent = topic;
    // When the classifier is unsure, a domain word decides: "a question about my invoice".
    else intent = keywordTopic(text) ?? (confidence > 0.3 ? topic : "unknown");
  }
  return { text: full, intent, topic, topicConfidence: confidence, entities, sentiment, frustrated };
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
