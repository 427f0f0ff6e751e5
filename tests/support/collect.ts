import type { Client } from "graphql-ws";
import { applyEvent, type ChatMessage, type Transcript, type WireEvent } from "../../app/lib/transcript.ts";
import { EVENTS } from "./app.ts";

export interface Collector {
  events: WireEvent[];
  errors: unknown[];
  stop(): void;
  done: Promise<void>;
}

/** Subscribes to conversationEvents and records everything that arrives. */
export function collect(client: Client, conversationId: string, after = 0): Collector {
  const events: WireEvent[] = [];
  const errors: unknown[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  const stop = client.subscribe<{ conversationEvents: WireEvent }>(
    { query: EVENTS, variables: { conversationId, after } },
    {
      next: (r) => {
        if (r.errors) errors.push(...r.errors);
        if (r.data) events.push(r.data.conversationEvents);
      },
      error: (e) => {
        errors.push(e);
        resolve();
      },
      complete: () => resolve(),
    },
  );
  return { events, errors, stop, done };
}

export function assemble(events: WireEvent[], initial?: Transcript): Transcript {
  return events.reduce(applyEvent, initial ?? { lastSeq: 0, status: "OPEN", messages: [], pending: [] });
}

export const storedSeqs = (events: WireEvent[]) => events.filter((e) => e.seq !== null).map((e) => e.seq!);

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export type { ChatMessage };
