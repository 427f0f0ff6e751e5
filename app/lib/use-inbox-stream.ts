import { useFetchers, useNavigation, useRevalidator } from "@remix-run/react";
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from "react";
import type { Client } from "graphql-ws";
import { createLiveClient, type ConnectionState } from "./live-client.ts";

/** A notice for the signed-in operator (mention, assignment, offer, customer reply), as the socket delivers it. */
export interface Notice {
  type: "MENTION" | "ASSIGNED" | "ESCALATION" | "CUSTOMER_REPLY";
  conversationId: string;
  by: string | null;
  text: string;
  at: string;
}

/** An inbox nudge: something changed in some conversation. */
export interface InboxNudge {
  type: string;
  reason: string;
  conversationId: string | null;
}

interface Live {
  connection: ConnectionState;
  /** Asks for the page's data to be refetched, once, when no other refetch or navigation runs. */
  refresh: () => void;
  /** The dashboard's socket, for a page that listens to more than every page does. */
  client: Client | null;
}

const LiveConnection = createContext<Live>({ connection: "connecting", refresh: () => {}, client: null });
export const LiveConnectionProvider = LiveConnection.Provider;

/** The dashboard's live connection state, for a page's "Connected / Reconnecting…" line. */
export function useInboxStream(): ConnectionState {
  return useContext(LiveConnection).connection;
}

/**
 * Refetches the page's data through the dashboard's one queue. Calling the router's revalidate
 * directly while another refetch runs makes the router abort the first one with an error nobody
 * can catch; the queue waits instead.
 */
export function useRefresh(): () => void {
  return useContext(LiveConnection).refresh;
}

/** Refetches this page's data on every result of `subscription` too, over the dashboard's one socket. */
export function useRefreshOn(subscription: string): void {
  const { client, refresh } = useContext(LiveConnection);
  useEffect(() => {
    if (!client) return;
    return client.subscribe({ query: subscription }, { next: refresh, error: () => {}, complete: () => {} });
  }, [client, subscription, refresh]);
}

/**
 * The dashboard's one live socket, opened by the layout for every page: inbox and decision
 * events (and every reconnect) refetch the page's data from the server, so what is shown is
 * never assembled from a possibly incomplete stream; the operator's own notices are passed to
 * `onNotice`. A refetch never interrupts one already running, a navigation or a form submission
 * (the router would abort it); it waits for them to finish and then runs once.
 */
export function useDashboardLive(handlers: {
  onNotice?: (notice: Notice) => void;
  onInbox?: (nudge: InboxNudge) => void;
}): Live {
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const [client, setClient] = useState<Client | null>(null);
  const revalidator = useRevalidator();
  const navigation = useNavigation();
  const fetchers = useFetchers();
  const busy = revalidator.state !== "idle" || navigation.state !== "idle" || fetchers.some((f) => f.state !== "idle");
  const [wanted, setWanted] = useState(0);
  const done = useRef(0);
  const revalidateRef = useRef(revalidator.revalidate);
  revalidateRef.current = revalidator.revalidate;
  const handlersRef = useRef(handlers);
  handlersRef.current = handlers;

  useEffect(() => {
    if (busy || wanted === done.current) return;
    done.current = wanted;
    // A refetch cut short by a navigation is harmless: the new page loads its own data.
    try {
      Promise.resolve(revalidateRef.current()).catch(() => {});
    } catch {
      // The same, when the router refuses at once.
    }
  }, [busy, wanted]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Bursts of events (a claim writes several) collapse into one refetch.
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(() => setWanted((n) => n + 1), 50);
    };
    // Every connection refetches, the first one too: whatever changed between the loader's read
    // and the subscriptions starting (a page load, a reconnect) sent its nudge to nobody.
    const live = createLiveClient({ onState: setConnection, onConnected: refresh });
    setClient(live.client);
    const ignore = { error: () => {}, complete: () => {} };
    const stops = [
      live.client.subscribe<{ inboxEvents: InboxNudge }>(
        { query: "subscription { inboxEvents { type reason conversationId } }" },
        {
          ...ignore,
          next: (r) => {
            refresh();
            if (r.data) handlersRef.current.onInbox?.(r.data.inboxEvents);
          },
        },
      ),
      // Decisions and autonomy modes show on every operator screen too (queue, counts, inline cards).
      live.client.subscribe(
        { query: "subscription { decisionEvents { type decisionId status } }" },
        { ...ignore, next: refresh },
      ),
      live.client.subscribe<{ myNotices: Notice }>(
        { query: "subscription { myNotices { type conversationId by text at } }" },
        {
          ...ignore,
          next: (r) => {
            refresh();
            if (r.data) handlersRef.current.onNotice?.(r.data.myNotices);
          },
        },
      ),
    ];
    return () => {
      clearTimeout(timer);
      for (const stop of stops) stop();
      setClient(null);
      live.dispose();
    };
  }, []);
  const refresh = useCallback(() => setWanted((n) => n + 1), []);
  return useMemo(() => ({ connection, refresh, client }), [connection, refresh, client]);
}
