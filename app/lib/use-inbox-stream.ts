import { useFetchers, useNavigation, useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { createLiveClient, type ConnectionState } from "./live-client.ts";

/**
 * Keeps operator screens true: every inbox or decision event (and every reconnect) refetches the page's
 * data from the server, so what is shown is never assembled from a possibly incomplete stream.
 * A refetch never interrupts one already running, a navigation or a form submission (the router
 * would abort it); it waits for them to finish and then runs once.
 */
export function useInboxStream(): ConnectionState {
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const revalidator = useRevalidator();
  const navigation = useNavigation();
  const fetchers = useFetchers();
  const busy = revalidator.state !== "idle" || navigation.state !== "idle" || fetchers.some((f) => f.state !== "idle");
  const [wanted, setWanted] = useState(0);
  const done = useRef(0);
  const revalidateRef = useRef(revalidator.revalidate);
  revalidateRef.current = revalidator.revalidate;

  useEffect(() => {
    if (busy || wanted === done.current) return;
    done.current = wanted;
    revalidateRef.current();
  }, [busy, wanted]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Bursts of events (a claim writes several) collapse into one refetch.
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(() => setWanted((n) => n + 1), 50);
    };
    const live = createLiveClient({ onState: setConnection, onConnected: (count) => count > 1 && refresh() });
    const stopInbox = live.client.subscribe(
      { query: "subscription { inboxEvents { type reason conversationId } }" },
      { next: refresh, error: () => {}, complete: () => {} },
    );
    // Decisions and autonomy modes show on every operator screen too (queue, counts, inline cards).
    const stopDecisions = live.client.subscribe(
      { query: "subscription { decisionEvents { type decisionId status } }" },
      { next: refresh, error: () => {}, complete: () => {} },
    );
    return () => {
      clearTimeout(timer);
      stopInbox();
      stopDecisions();
      live.dispose();
    };
  }, []);
  return connection;
}
