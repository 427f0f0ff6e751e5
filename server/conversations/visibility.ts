import { seesAsTeam } from "../auth/access.ts";
import type { Actor } from "../auth/actor.ts";
import type { ConversationEvent, StoredConversationEvent } from "../events/types.ts";

/**
 * What each kind of reader may see of a conversation's log, decided in one place. Operators see
 * everything. A customer sees the chat (messages other than private notes, the text of replies
 * as they stream, typing, status) and who joined, and nothing of the machinery behind it: tool
 * results, escalation reasons and priorities, hand-offs between agents, decisions, notes.
 */

/** Stored event types a customer reads, each reduced to the fields they may read. */
const customerFields: Partial<Record<StoredConversationEvent["type"], readonly string[]>> = {
  message_created: ["message"],
  message_completed: ["message"],
  status_changed: ["status"],
  agent_changed: ["agent"],
  operator_joined: ["note"],
};

export function isPrivateMessage(message: unknown): boolean {
  return typeof message === "object" && message !== null && (message as { role?: unknown }).role === "note";
}

/** The event as `actor` may read it, or null when it is not theirs to read at all. */
export function visibleEvent(actor: Actor, event: ConversationEvent): ConversationEvent | null {
  if (seesAsTeam(actor)) return event;
  // Deltas, snapshots and typing belong to the visible chat; who of the team is viewing does not.
  if (event.seq === null) return event.type === "viewing" ? null : event;
  const fields = customerFields[event.type];
  if (!fields) return null;
  if (isPrivateMessage(event.payload.message)) return null;
  const payload: Record<string, unknown> = {};
  for (const field of fields) if (field in event.payload) payload[field] = event.payload[field];
  return { ...event, payload };
}

/** Message roles a customer reads; notes are left out of every customer-facing read. */
export const customerRoles = ["customer", "agent", "operator", "system"] as const;
