import { useEffect, useReducer, useRef, useState } from "react";
import { callGraphql, signal } from "./graphql-client.ts";
import { createLiveClient, type ConnectionState } from "./live-client.ts";
import { useRefresh } from "./use-inbox-stream.ts";
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
      note
      agent
      typing {
        role
        name
      }
      viewing {
        operatorId
        name
        composing
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

export type Action =
  | { kind: "event"; event: WireEvent }
  | { kind: "pending"; pending: PendingMessage }
  | { kind: "pending-waiting"; clientMessageId: string }
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
    case "pending-waiting":
      return {
        ...state,
        pending: state.pending.map((p) => (p.clientMessageId === action.clientMessageId ? { ...p, waiting: true } : p)),
      };
    case "pending-failed":
      return {
        ...state,
        pending: state.pending.map((p) =>
          p.clientMessageId === action.clientMessageId ? { ...p, failed: action.failed, waiting: false } : p,
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

/** What a composer sends: the customer's message, an operator's reply, or an operator's private note. */
export type SendKind = "customer" | "reply" | "note";

const SEND: Record<SendKind, string> = {
  customer: /* GraphQL */ `
    mutation Send($input: SendMessageInput!) {
      sendMessage(input: $input) {
        duplicate
      }
    }
  `,
  reply: /* GraphQL */ `
    mutation Reply($input: SendMessageInput!) {
      sendOperatorMessage(input: $input) {
        duplicate
      }
    }
  `,
  note: /* GraphQL */ `
    mutation Note($input: AddPrivateNoteInput!) {
      addPrivateNote(input: $input) {
        id
      }
    }
  `,
};

/**
 * Sends over HTTP with the session cookie. The client-generated id makes retries safe: the
 * server returns the first message for a repeated id instead of posting twice. Returns null when
 * sent, "offline" when the request never got an answer, or the server's error message.
 */
export async function postMessage(
  kind: SendKind,
  conversationId: string,
  content: string,
  clientMessageId: string,
): Promise<string | null> {
  const input =
    kind === "note" ? { conversationId, body: content, clientMessageId } : { conversationId, content, clientMessageId };
  return callGraphql(SEND[kind], { input });
}

/**
 * A composer's sending: the message shows at once as pending; while the network is down it
 * stays in view marked "waiting for the connection" and is sent by itself when the browser is
 * back online (retries reuse the message's id, so nothing is posted twice). A refusal from the
 * server marks it failed, with the reason, for the writer to retry or copy.
 */
export function useSender(conversationId: string, dispatch: (action: Action) => void) {
  const [error, setError] = useState<string | null>(null);
  // One message at a time, in the order written: a quick second message never overtakes the first.
  const queue = useRef<Promise<void>>(Promise.resolve());
  function send(kind: SendKind, content: string, clientMessageId: string): Promise<void> {
    dispatch({
      kind: "pending",
      pending: { clientMessageId, content, failed: false, waiting: false, note: kind === "note" },
    });
    const next = queue.current.then(() => deliver(kind, content, clientMessageId));
    queue.current = next;
    return next;
  }
  async function deliver(kind: SendKind, content: string, clientMessageId: string) {
    setError(null);
    for (let attempt = 0; ; attempt++) {
      const failure = await postMessage(kind, conversationId, content, clientMessageId);
      if (failure === null) return;
      if (failure !== "offline") {
        setError(failure);
        dispatch({ kind: "pending-failed", clientMessageId, failed: true });
        return;
      }
      dispatch({ kind: "pending-waiting", clientMessageId });
      await waitToRetry(attempt);
    }
  }
  return { send, error, clearError: () => setError(null) };
}

/** Backs off up to 8 s, and wakes at once when the browser says it is online again. */
function waitToRetry(attempt: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      window.removeEventListener("online", done);
      resolve();
    };
    const timer = setTimeout(done, Math.min(8000, 500 * 2 ** attempt));
    window.addEventListener("online", done);
  });
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
    void signal("mutation ($id: ID!) { setTyping(conversationId: $id) }", { id: conversationId });
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

/**
 * Tells the server the operator has read the conversation up to `lastSeq`, whenever it grows while
 * the page is visible (and once more when the tab becomes visible again). Losing one is harmless.
 */
export function useMarkRead(conversationId: string, lastSeq: number): void {
  const refresh = useRefresh();
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const mark = () => {
      if (document.visibilityState !== "visible") return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        void signal("mutation ($id: ID!, $seq: Int) { markConversationRead(conversationId: $id, seq: $seq) }", {
          id: conversationId,
          seq: lastSeq,
        })
          // The title badge and the list follow (through the dashboard's one refetch queue).
          .then(() => refreshRef.current());
      }, 300);
    };
    mark();
    document.addEventListener("visibilitychange", mark);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", mark);
    };
  }, [conversationId, lastSeq]);
}

/** A keystroke counts as writing for this long; more keystrokes within it send nothing new. */
const COMPOSING_MS = 3000;

const SET_VIEWING = "mutation ($id: ID!, $c: Boolean) { setViewing(conversationId: $id, composing: $c) }";

/**
 * Tells the team this operator has the conversation open (every 15 s while the page is visible)
 * and, through the returned callback, that they are writing. Returns the others seen in the last
 * 30 s: the collision cue.
 */
export function useViewing(conversationId: string, me: string, transcript: Transcript) {
  const lastComposing = useRef(0);
  const lastAnnounced = useRef(0);
  const [, tick] = useState(0);
  // Set by the effect below, once per conversation; until then there is nothing to announce to.
  const announce = useRef<(composing: boolean) => void>(() => {});
  // Every announcement tells whether this operator wrote in the last few seconds: a beat that
  // said "not writing" right after a keystroke would wipe the cue the keystroke had just shown.
  const writing = () => Date.now() - lastComposing.current < COMPOSING_MS;
  useEffect(() => {
    const say = (composing: boolean) => {
      if (document.visibilityState !== "visible") return;
      lastAnnounced.current = Date.now();
      void signal(SET_VIEWING, { id: conversationId, c: composing });
    };
    announce.current = say;
    say(writing());
    // Once more when this page's own subscription is surely live, to hear the others' answers.
    const again = setTimeout(() => say(writing()), 1500);
    const beat = setInterval(() => {
      say(writing());
      tick((n) => n + 1);
    }, 15_000);
    const onVisible = () => say(writing());
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      clearTimeout(again);
      clearInterval(beat);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [conversationId]);
  const composing = () => {
    if (writing()) return;
    lastComposing.current = Date.now();
    announce.current(true);
  };
  // Someone else spoke up: answer, so they learn of us without waiting for our next beat. An
  // answer within 2 s of our last word is skipped, so two viewers never echo each other.
  const latest = Math.max(
    0,
    ...Object.entries(transcript.viewers ?? {})
      .filter(([id]) => id !== me)
      .map(([, v]) => v.at),
  );
  useEffect(() => {
    if (latest && Date.now() - lastAnnounced.current > 2000) announce.current(writing());
  }, [latest]);
  const now = Date.now();
  const others = Object.entries(transcript.viewers ?? {})
    .filter(([id, v]) => id !== me && now - v.at < 30_000)
    .map(([id, v]) => ({ id, name: v.name, composing: v.composing && now - v.at < 6000 }));
  return { others, composing };
}
