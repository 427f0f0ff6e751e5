import { useEffect, useReducer, useRef, useState } from "react";
import { createLiveClient, type ConnectionState } from "./live-client.ts";
import { applyEvent, type PendingMessage, type Transcript, type WireEvent } from "./transcript.ts";

export type { ConnectionState };

const EVENTS = /* GraphQL */ `
  subscription Events($conversationId: ID!, $after: Int) {
    conversationEvents(conversationId: $conversationId, after: $after) {
      seq
      type
      status
      tool
      toolOutput
      typing {
        role
        name
      }
      delta {
        messageId
        offset
        text
      }
      message {
        id
        seq
        role
        authorName
        content
        status
        clientMessageId
        createdAt
      }
    }
  }
`;

type Action =
  | { kind: "event"; event: WireEvent }
  | { kind: "pending"; pending: PendingMessage }
  | { kind: "pending-failed"; clientMessageId: string; failed: boolean };

function reducer(state: Transcript, action: Action): Transcript {
  switch (action.kind) {
    case "event":
      return applyEvent(state, action.event);
    case "pending":
      return {
        ...state,
        pending: [...state.pending.filter((p) => p.clientMessageId !== action.pending.clientMessageId), action.pending],
      };
    case "pending-failed":
      return {
        ...state,
        pending: state.pending.map((p) =>
          p.clientMessageId === action.clientMessageId ? { ...p, failed: action.failed } : p,
        ),
      };
  }
}

/**
 * Keeps a transcript live over graphql-ws. The socket reconnects forever with backoff; every
 * (re)subscription asks for events after the highest seq held, and the transcript drops any
 * it already has, so a dropped connection loses nothing and duplicates nothing.
 */
export function useConversationStream(conversationId: string | null, initial: Transcript) {
  const [transcript, dispatch] = useReducer(reducer, initial);
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const lastSeq = useRef(initial.lastSeq);
  lastSeq.current = transcript.lastSeq;

  useEffect(() => {
    if (!conversationId) return;
    let disposed = false;
    let unsubscribe = () => {};
    const subscribe = () => {
      unsubscribe();
      unsubscribe = live.client.subscribe<{ conversationEvents: WireEvent }>(
        { query: EVENTS, variables: { conversationId, after: lastSeq.current } },
        {
          next: (result) => {
            if (result.data) dispatch({ kind: "event", event: result.data.conversationEvents });
          },
          error: () => {
            if (!disposed) setTimeout(subscribe, 1000);
          },
          complete: () => {},
        },
      );
    };
    // Resubscribe on every reconnect so `after` is the seq we hold now, not the one we started with.
    const live = createLiveClient({ onState: setConnection, onConnected: (count) => count > 1 && subscribe() });
    subscribe();
    return () => {
      disposed = true;
      unsubscribe();
      live.dispose();
    };
  }, [conversationId]);

  return { transcript, connection, dispatch };
}

const SEND = /* GraphQL */ `
  mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) {
      duplicate
      message {
        id
      }
    }
  }
`;

/**
 * Sends over HTTP with the conversation cookie. The client-generated id makes retries safe:
 * the server returns the first message for a repeated id instead of posting twice.
 */
export async function postMessage(
  conversationId: string,
  content: string,
  clientMessageId: string,
): Promise<string | null> {
  try {
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "x-tandem-csrf": "1" },
      body: JSON.stringify({ query: SEND, variables: { input: { conversationId, content, clientMessageId } } }),
    });
    const body = (await response.json()) as { errors?: Array<{ message: string }> };
    return body.errors?.[0]?.message ?? null;
  } catch {
    return "offline";
  }
}

/**
 * Returns a callback for every keystroke that tells the other side "typing", at most once every
 * few seconds. Losing one is harmless, so failures are ignored.
 */
export function useTypingAnnouncer(conversationId: string): () => void {
  const last = useRef(0);
  return () => {
    const now = Date.now();
    if (now - last.current < 2500) return;
    last.current = now;
    void fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", "x-tandem-csrf": "1" },
      body: JSON.stringify({
        query: "mutation ($id: ID!) { setTyping(conversationId: $id) }",
        variables: { id: conversationId },
      }),
    }).catch(() => {});
  };
}

/** Who is typing on the other side right now, if anyone (signals expire after a few seconds). */
export function useTypingIndicator(transcript: Transcript, viewer: "CUSTOMER" | "OPERATOR"): string | null {
  const [, tick] = useState(0);
  const typing = transcript.typing;
  const fresh = typing && typing.role !== viewer && Date.now() - typing.at < 4000;
  useEffect(() => {
    if (!fresh) return;
    const timer = setTimeout(() => tick((n) => n + 1), 4000 - (Date.now() - typing!.at));
    return () => clearTimeout(timer);
  }, [fresh, typing]);
  if (!fresh) return null;
  return `${typing!.name ?? (typing!.role === "CUSTOMER" ? "The customer" : "Support")} is typing…`;
}
