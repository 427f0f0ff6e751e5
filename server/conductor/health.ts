import type { AnomalyKind } from "../../drizzle/schema.ts";
import { readMessage } from "../ai/offline/read.ts";
import type { StoredConversationEvent } from "../events/types.ts";

/**
 * The conductor's reading of one conversation, folded from its stored events in seq order. It is
 * plain data (kept as JSON beside the conversation), so every instance folds the same events into
 * the same reading, and the fold is a pure function the tests drive with real event sequences.
 */
export interface HealthReading {
  startedAt: string | null;
  /** The agent (department) answering now: the topic bucket. */
  agent: string;
  /** "ai" while an AI agent answers or the customer waits; "human" once a person joined. */
  owner: "ai" | "human";
  status: string;
  /**
   * Sentiment of the customer's recent messages, oldest first (at most SENTIMENT_WINDOW), in
   * [-1, 1]. A frustrated message counts as at most FRUSTRATED_MOOD, whatever its words score.
   */
  sentiments: number[];
  /** For each of the customer's recent messages, whether it shows frustration. */
  frustrated: boolean[];
  /** The customer's recent questions (word sets) and the references they named, to spot repeats. */
  questions: Array<{ words: string[]; refs: string[]; seq: number }>;
  /**
   * How many times the customer's latest question (or an invoice, ticket or device it names) has
   * been asked, this time included: a new, different question brings it back to 1.
   */
  repeats: { count: number; about: string | null };
  /** How many messages the customer has written. */
  turns: number;
  /** The AI agents the conversation was transferred to, in order, with the customer turn of each. */
  route: Array<{ agent: string; turn: number }>;
  /** Consecutive replies of the AI that failed or were cut off. */
  aiFailures: number;
  /** When the customer started waiting for a person (null when nobody is waited for). */
  waitingSince: string | null;
  /** The customer's last message that nobody has answered yet. */
  unansweredSince: string | null;
  lastCustomerAt: string | null;
}

export const SENTIMENT_WINDOW = 5;
export const FRUSTRATED_MOOD = -0.7;
const QUESTION_WINDOW = 8;

export function emptyReading(): HealthReading {
  return {
    startedAt: null,
    agent: "triage",
    owner: "ai",
    status: "open",
    sentiments: [],
    frustrated: [],
    questions: [],
    repeats: { count: 0, about: null },
    turns: 0,
    route: [],
    aiFailures: 0,
    waitingSince: null,
    unansweredSince: null,
    lastCustomerAt: null,
  };
}

const STOP = new Set(
  "a an the i my me is are was it to of and or for on in at do does can could you your please with this that what how why when there have has any about still again just".split(
    " ",
  ),
);
const wordsOf = (text: string) =>
  [...new Set(text.toLowerCase().match(/[a-z0-9-]+/g) ?? [])].filter((w) => w.length > 2 && !STOP.has(w));

function similar(a: string[], b: string[]): boolean {
  if (a.length < 2 || b.length < 2) return false;
  const setB = new Set(b);
  const shared = a.filter((w) => setB.has(w)).length;
  return shared / new Set([...a, ...b]).size >= 0.5;
}

interface MessagePayload {
  message?: { role?: string; content?: string; status?: string; notice?: string | null };
}

const last = <T>(list: T[], n: number) => list.slice(Math.max(0, list.length - n));

function customerMessage(r: HealthReading, text: string, seq: number, at: string): HealthReading {
  const read = readMessage(text);
  const words = wordsOf(text.slice(0, 600));
  const refs = [...read.entities.invoices, ...read.entities.ticketIds, ...read.entities.devices];
  const questions = last([...r.questions, { words, refs, seq }], QUESTION_WINDOW);
  // How often this message's question (or one of its references) has come up, this one included.
  // A reference (an invoice, a ticket, a device) names the question best, so it is tried first.
  let repeats = { count: 1, about: null as string | null };
  for (const ref of refs) {
    const times = questions.filter((q) => q.refs.includes(ref)).length;
    if (times > repeats.count) repeats = { count: times, about: ref };
  }
  const sameQuestion = questions.filter((q) => similar(q.words, words)).length;
  if (sameQuestion > repeats.count) repeats = { count: sameQuestion, about: `“${text.slice(0, 60)}”` };
  return {
    ...r,
    sentiments: last(
      [...r.sentiments, read.frustrated ? Math.min(read.sentiment, FRUSTRATED_MOOD) : read.sentiment],
      SENTIMENT_WINDOW,
    ),
    frustrated: last([...r.frustrated, read.frustrated], SENTIMENT_WINDOW),
    questions,
    repeats,
    turns: r.turns + 1,
    unansweredSince: r.unansweredSince ?? at,
    lastCustomerAt: at,
  };
}

/** Folds one stored event into the reading. Events must come in seq order, each once. */
export function fold(reading: HealthReading, event: StoredConversationEvent): HealthReading {
  const r: HealthReading = { ...reading, startedAt: reading.startedAt ?? event.at };
  const p = event.payload;
  switch (event.type) {
    case "message_created": {
      const m = (p as MessagePayload).message;
      if (m?.role === "customer" && m.content) return customerMessage(r, m.content, event.seq, event.at);
      // Tandem telling the customer the AI's reply failed or was cut off (nothing, or only part, was streamed).
      if (m?.role === "system" && m.notice) return { ...r, aiFailures: r.aiFailures + 1 };
      // A person's reply answers, and so does an AI line written whole (a sent draft, an
      // intervention); a streamed AI reply answers once it completes.
      if (m?.role === "operator" || (m?.role === "agent" && m.status === "complete" && m.content))
        return { ...r, unansweredSince: null };
      return r;
    }
    case "message_completed": {
      const m = (p as MessagePayload).message;
      if (m?.role !== "agent") return r;
      // A failed reply is counted by the notice Tandem posts with it (also when nothing was streamed).
      if (m.status === "complete" && m.content) return { ...r, aiFailures: 0, unansweredSince: null };
      return r;
    }
    case "handoff": {
      const to = typeof p.agent === "string" ? p.agent : r.agent;
      const byPerson = typeof p.from === "string" && p.from.startsWith("operator:");
      // A person handing back starts the AI's part afresh: the old route is not ping-pong.
      return {
        ...r,
        agent: to,
        owner: byPerson ? "ai" : r.owner,
        route: byPerson ? [] : [...last(r.route, 9), { agent: to, turn: r.turns }],
      };
    }
    case "agent_changed":
      return typeof p.agent === "string" ? { ...r, agent: p.agent } : r;
    case "operator_joined":
      return { ...r, owner: "human", waitingSince: null };
    case "status_changed": {
      const status = String(p.status ?? r.status);
      return {
        ...r,
        status,
        owner: status === "with_human" ? "human" : status === "open" ? "ai" : r.owner,
        waitingSince: status === "waiting_human" ? (r.waitingSince ?? event.at) : null,
      };
    }
    default:
      return r;
  }
}

/** Thresholds, named so the tests and the decision record speak of the same numbers. */
export const THRESHOLDS = {
  /** Sentiment at or below this, having fallen by at least `sentimentDrop` over the window. */
  negativeSentiment: -0.5,
  sentimentDrop: 0.5,
  /** Frustration in this many of the customer's last three messages. */
  frustratedMessages: 2,
  /** The same question (or reference) asked this many times. */
  repeatedQuestion: 3,
  /** This many AI transfers within three customer turns, coming back to an agent already visited. */
  pingPongTransfers: 3,
  /** Failed or cut-off AI replies in a row. */
  aiFailures: 2,
  /** Waiting for a person, or for any answer to the customer's last message, this long (milliseconds). */
  waitingMs: 5 * 60_000,
};

export interface Signals {
  sentiment: number | null;
  /** Latest minus the oldest in the window (negative: falling). */
  trend: number;
  frustratedRecent: number;
  repeats: { count: number; about: string | null };
  pingPong: boolean;
  aiFailures: number;
  waitingMs: number;
  unansweredMs: number;
  runningMs: number;
}

export function signalsOf(r: HealthReading, now: Date): Signals {
  const since = (iso: string | null) => (iso ? Math.max(0, now.getTime() - Date.parse(iso)) : 0);
  const s = r.sentiments;
  // Transfers over the customer's last three turns; bounced when one lands where it already was.
  const recent = r.route.filter((h) => h.turn >= r.turns - 2).map((h) => h.agent);
  return {
    sentiment: s.length ? s[s.length - 1]! : null,
    trend: s.length >= 2 ? s[s.length - 1]! - Math.max(...s.slice(0, -1)) : 0,
    frustratedRecent: last(r.frustrated, 3).filter(Boolean).length,
    repeats: r.repeats,
    // Bounced: enough transfers, and the last lands on an agent it already passed through.
    pingPong: recent.length >= THRESHOLDS.pingPongTransfers && recent.slice(0, -1).includes(recent[recent.length - 1]!),
    aiFailures: r.aiFailures,
    waitingMs: since(r.waitingSince),
    unansweredMs: since(r.unansweredSince),
    runningMs: since(r.startedAt),
  };
}

/** The anomalies a reading shows now. A person's conversation has none: the conductor stands back. */
export function anomaliesOf(r: HealthReading, now: Date): AnomalyKind[] {
  if (r.owner === "human" || r.status === "resolved") return [];
  const s = signalsOf(r, now);
  const found: AnomalyKind[] = [];
  const falling =
    s.sentiment !== null && s.sentiment <= THRESHOLDS.negativeSentiment && s.trend <= -THRESHOLDS.sentimentDrop;
  // Frustration on top of an already unhappy message is rising too.
  const moods = r.sentiments;
  const angrier =
    r.frustrated[r.frustrated.length - 1] === true &&
    moods.length >= 2 &&
    moods[moods.length - 2]! <= THRESHOLDS.negativeSentiment;
  // Frustration in recent messages counts while the latest is not content.
  const stillUnhappy = s.frustratedRecent >= THRESHOLDS.frustratedMessages && (s.sentiment ?? 0) <= 0;
  if (falling || angrier || stillUnhappy) found.push("frustration_rising");
  if (s.repeats.count >= THRESHOLDS.repeatedQuestion || s.pingPong) found.push("stuck_in_loop");
  // Waiting for a person, or for any answer at all (a draft nobody sends, a reply that never came).
  if ((r.waitingSince && s.waitingMs >= THRESHOLDS.waitingMs) || s.unansweredMs >= THRESHOLDS.waitingMs)
    found.push("waiting_too_long");
  if (s.aiFailures >= THRESHOLDS.aiFailures) found.push("ai_failing");
  return found;
}

/** One number for the screens: 1 is healthy, 0 is as bad as it gets. */
export function scoreOf(r: HealthReading, now: Date): number {
  const s = signalsOf(r, now);
  let score = 1;
  if (s.sentiment !== null) score -= Math.max(0, -s.sentiment) * 0.35;
  score -= Math.min(3, s.frustratedRecent) * 0.1;
  score -= Math.max(0, s.repeats.count - 1) * 0.1;
  if (s.pingPong) score -= 0.15;
  score -= Math.min(3, s.aiFailures) * 0.1;
  if (r.waitingSince)
    score -= Math.min(0.3, s.waitingMs / THRESHOLDS.waitingMs / 10) + (s.waitingMs >= THRESHOLDS.waitingMs ? 0.1 : 0);
  return Math.round(Math.max(0, Math.min(1, score)) * 1000) / 1000;
}

const sentimentWord = (v: number) =>
  v <= -0.6 ? "very negative" : v <= -0.2 ? "negative" : v < 0.2 ? "neutral" : v < 0.6 ? "positive" : "very positive";

/** The anomaly in plain words, built from the signals (the decision's reasoning starts with it). */
export function explain(kind: AnomalyKind, r: HealthReading, now: Date): string {
  const s = signalsOf(r, now);
  const parts: string[] = [];
  if (s.sentiment !== null && r.sentiments.length >= 2) {
    const from = sentimentWord(Math.max(...r.sentiments.slice(0, -1)));
    const to = sentimentWord(s.sentiment);
    if (from !== to)
      parts.push(
        `sentiment ${s.trend < 0 ? "fell" : "rose"} from ${from} to ${to} over ${r.sentiments.length} messages`,
      );
    else if (s.sentiment <= -0.2) parts.push(`sentiment ${to} for ${r.sentiments.length} messages`);
  }
  if (s.frustratedRecent)
    parts.push(`frustration in ${s.frustratedRecent} of the last ${Math.min(3, r.frustrated.length)} messages`);
  if (s.repeats.count >= 2) parts.push(`asked about ${s.repeats.about} ${s.repeats.count} times`);
  if (s.pingPong)
    parts.push(
      `transferred between ${[...new Set(last(r.route, 4).map((h) => h.agent))].join(", ")} ${r.route.length} times`,
    );
  if (s.aiFailures) parts.push(`${s.aiFailures} AI ${s.aiFailures === 1 ? "reply" : "replies"} in a row failed`);
  if (r.waitingSince) parts.push(`waiting for a person for ${Math.round(s.waitingMs / 60_000)} min`);
  else if (s.unansweredMs >= 60_000)
    parts.push(`last message unanswered for ${Math.round(s.unansweredMs / 60_000)} min`);
  const lead: Record<AnomalyKind, string> = {
    frustration_rising: "Frustration rising",
    stuck_in_loop: "Stuck in a loop",
    waiting_too_long: "Waiting too long",
    ai_failing: "The AI is failing",
  };
  return `${lead[kind]}: ${parts.join("; ") || "no further signals"}.`;
}
