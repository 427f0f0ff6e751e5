/**
 * Simulated customers with scripted personalities, for the demo and the load generator. Each reads
 * what the chat shows it (as a customer would) and decides what to write next, or that it is done.
 */

export type PersonaName = "patient" | "frustrated" | "looping" | "silent";

/** What the customer's chat showed since its last message: the lines of agents, people and Tandem. */
export interface Seen {
  lines: string[];
}

export interface Persona {
  name: PersonaName;
  /** The customer's first message. */
  opening: string;
  /** The next message, or null when this customer is done (content, or gone quiet). */
  next(seen: Seen): string | null;
  /** Whether something the team did answered this customer's trouble. */
  readonly helped: boolean;
}

/** The team doing something about the trouble, as the customer reads it. */
function helpIn(lines: string[]): "article" | "person" | "apology" | "follow-up" | "credit" | "specialist" | null {
  const text = lines.join("\n");
  if (/\]\(\/help\//.test(text)) return "article";
  if (/asked a person from our team to join|joined the conversation/i.test(text)) return "person";
  if (/follow up by email/i.test(text)) return "follow-up";
  if (/goodwill credit/i.test(text)) return "credit";
  if (/sorry this is taking longer/i.test(text)) return "apology";
  if (/You're now talking to/.test(text)) return "specialist";
  return null;
}

const thanks: Record<NonNullable<ReturnType<typeof helpIn>>, string> = {
  article: "That article sorted it out, thank you so much!",
  person: "Great, thank you, I really appreciate it!",
  "follow-up": "Yes please, email me at sim.customer@example.com. Thank you, that is great!",
  apology: "OK, thanks for letting me know, I appreciate it.",
  credit: "That is very kind, thank you, I appreciate it!",
  specialist: "Thank you, that is great, this is the right team.",
};

/**
 * A customer in trouble: writes `turns` one by one until the team steps in (from the third
 * message on, what `reads` lets through counts), then says something content and stops.
 */
function troubled(name: PersonaName, turns: string[], reads: (lines: string[]) => string[] = (l) => l): Persona {
  let sent = 1;
  let helped = false;
  let done = false;
  return {
    name,
    opening: turns[0]!,
    get helped() {
      return helped;
    },
    next(seen) {
      if (done) return null;
      const help = sent >= 3 ? helpIn(reads(seen.lines)) : null;
      if (help) {
        helped = true;
        done = true;
        return thanks[help];
      }
      if (sent >= turns.length) return null;
      return turns[sent++]!;
    },
  };
}

/** Asks the same thing until something changes, then moves on, content. */
const looping = () =>
  troubled("looping", [
    "Where is my refund for INV-1042?",
    "When will the refund for INV-1042 arrive?",
    "Any news on INV-1042? Still no refund.",
    "I am asking again: where is the refund for INV-1042?",
    "INV-1042. Refund. Where is it?",
  ]);

/** Gets angrier with every answer that does not help, and calms down when the team steps in. */
const frustrated = () =>
  troubled(
    "frustrated",
    [
      "My laptop screen flickers",
      "That didn't help at all, it is still flickering",
      "This is ridiculous and unacceptable, I am furious. Terrible service!",
      "Still nothing? This is useless, I am fed up!",
    ],
    // Being routed to Technical at the start is not the team stepping in.
    (lines) => lines.filter((l) => !/You're now talking to/.test(l)),
  );

/** Asks, reads the answer, says thanks, leaves. */
function patient(): Persona {
  let sent = 1;
  return {
    name: "patient",
    opening: "Hello, how do I reset my router?",
    helped: false,
    next() {
      if (sent++ >= 2) return null;
      return "Thanks, that worked!";
    },
  };
}

/** Asks for a person, then waits without a word. */
function silent(): Persona {
  return { name: "silent", opening: "I want to talk to a person", helped: false, next: () => null };
}

export function persona(name: PersonaName): Persona {
  return { patient, frustrated, looping, silent }[name]();
}
