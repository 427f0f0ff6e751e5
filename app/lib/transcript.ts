/**
 * Client-side assembly of a conversation from stored events, deltas and snapshots. Pure and
 * idempotent: replaying an event, or receiving a delta the client already has, changes nothing.
 */
export type Role = "CUSTOMER" | "AGENT" | "OPERATOR" | "SYSTEM" | "NOTE";
export type Status = "STREAMING" | "COMPLETE" | "FAILED" | "DISCARDED";

export interface ChatMessage {
  id: string;
  seq: number;
  role: Role;
  authorName: string | null;
  content: string;
  status: Status;
  clientMessageId: string | null;
  createdAt: string;
}

export interface PendingMessage {
  clientMessageId: string;
  content: string;
  /** The server refused it (the reason is shown); the writer may retry. */
  failed: boolean;
  /** The network is down: it is sent by itself when the connection returns. */
  waiting?: boolean;
  /** An operator's private note rather than a reply. */
  note?: boolean;
}

export interface WireEvent {
  seq: number | null;
  type: string;
  message?: ChatMessage | null;
  delta?: { messageId: string; offset: number; text: string } | null;
  status?: string | null;
  tool?: string | null;
  toolOutput?: string | null;
  note?: string | null;
  agent?: string | null;
  typing?: { role: Role; name: string | null } | null;
  viewing?: { operatorId: string; name: string; composing: boolean } | null;
}

/** Non-message events an operator sees compactly in the transcript (tools, handoffs, escalations). */
export interface Activity {
  seq: number;
  type: string;
  tool: string | null;
  /** A tool's output, or a hand-off's or escalation's reason. */
  detail: string | null;
  /** For hand-offs: the agent now responsible. */
  agent?: string | null;
}

export interface Transcript {
  lastSeq: number;
  status: string;
  messages: ChatMessage[];
  pending: PendingMessage[];
  activity?: Activity[];
  /** The last typing signal, with the local time it arrived. */
  typing?: { role: Role; name: string | null; at: number } | null;
  /** Operators only: who else of the team has the conversation open, by operator id, with the local time last heard. */
  viewers?: Record<string, { name: string; composing: boolean; at: number }>;
}

function upsert(messages: ChatMessage[], message: ChatMessage): ChatMessage[] {
  const index = messages.findIndex((m) => m.id === message.id);
  if (index === -1) return [...messages, message].sort((a, b) => a.seq - b.seq);
  const next = messages.slice();
  next[index] = message;
  return next;
}

/** Text at `offset` onto what we have. A delta past our end is a hole: skip it until a snapshot heals it. */
export function applyDelta(current: string, offset: number, text: string): string {
  if (offset > current.length) return current;
  if (offset + text.length <= current.length) return current;
  return current.slice(0, offset) + text;
}

export function applyEvent(state: Transcript, event: WireEvent): Transcript {
  if (event.seq !== null) {
    if (event.seq <= state.lastSeq) return state;
    state = { ...state, lastSeq: event.seq };
  }
  switch (event.type) {
    case "MESSAGE_CREATED":
    case "MESSAGE_COMPLETED": {
      const message = event.message;
      if (!message) return state;
      const existing = state.messages.find((m) => m.id === message.id);
      // A late MESSAGE_CREATED (content "") must not wipe text that deltas already delivered.
      const merged =
        existing && message.status === "STREAMING" && existing.content.length > message.content.length
          ? { ...message, content: existing.content }
          : message;
      return {
        ...state,
        // Whoever just posted has stopped typing.
        typing: state.typing?.role === message.role ? null : state.typing,
        messages: upsert(state.messages, merged),
        pending: state.pending.filter((p) => p.clientMessageId !== message.clientMessageId),
      };
    }
    case "MESSAGE_DELTA":
    case "MESSAGE_SNAPSHOT": {
      const delta = event.delta;
      const target = delta && state.messages.find((m) => m.id === delta.messageId);
      if (!delta || !target || target.status !== "STREAMING") return state;
      const content =
        event.type === "MESSAGE_SNAPSHOT"
          ? delta.text.length >= target.content.length
            ? delta.text
            : target.content
          : applyDelta(target.content, delta.offset, delta.text);
      return content === target.content
        ? state
        : { ...state, messages: upsert(state.messages, { ...target, content }) };
    }
    case "STATUS_CHANGED":
      return event.status ? { ...state, status: event.status } : state;
    case "VIEWING":
      return event.viewing
        ? {
            ...state,
            viewers: {
              ...state.viewers,
              [event.viewing.operatorId]: {
                name: event.viewing.name,
                composing: event.viewing.composing,
                at: Date.now(),
              },
            },
          }
        : state;
    case "TYPING":
      return event.typing ? { ...state, typing: { ...event.typing, at: Date.now() } } : state;
    case "TOOL_RESULT":
    case "HANDOFF":
    case "ESCALATION":
      // The machinery behind the chat: only operators' streams carry these events.
      return {
        ...state,
        activity: [
          ...(state.activity ?? []),
          {
            seq: event.seq!,
            type: event.type,
            tool: event.tool ?? null,
            detail: event.type === "TOOL_RESULT" ? (event.toolOutput ?? null) : (event.note ?? null),
            agent: event.agent ?? null,
          },
        ],
      };
    default:
      return state;
  }
}

/**
 * What is shown: a discarded reply (the AI was stopped by a takeover or a close) keeps no text and
 * shows as a short "stopped" line instead of vanishing; other discarded rows never show.
 */
export function visibleMessages(state: Transcript): ChatMessage[] {
  return state.messages.filter((m) => m.status !== "DISCARDED" || m.role === "AGENT");
}

/** Why a discarded reply stopped, from the conversation's state: a person took over, or it was closed. */
export function stoppedReason(state: Transcript): string {
  return state.status === "RESOLVED"
    ? "Reply stopped: the conversation was closed."
    : "Reply stopped: a person from our team is taking over.";
}
