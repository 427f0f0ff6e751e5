import { useRevalidator } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { createLiveClient, type ConnectionState } from "./live-client.ts";

/**
 * Keeps operator screens true: every inbox event (and every reconnect) refetches the page's
 * data from the server, so what is shown is never assembled from a possibly incomplete stream.
 */
export function useInboxStream(): ConnectionState {
  const [connection, setConnection] = useState<ConnectionState>("connecting");
  const { revalidate } = useRevalidator();
  const revalidateRef = useRef(revalidate);
  revalidateRef.current = revalidate;

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Bursts of events (a claim writes several) collapse into one refetch.
    const refresh = () => {
      clearTimeout(timer);
      timer = setTimeout(() => revalidateRef.current(), 50);
    };
    const live = createLiveClient({ onState: setConnection, onConnected: (count) => count > 1 && refresh() });
    const stop = live.client.subscribe({ query: "subscription { inboxEvents { type reason conversationId } }" }, { next: refresh, error: () => {}, complete: () => {} });
    return () => {
      clearTimeout(timer);
      stop();
      live.dispose();
    };
  }, []);
  return connection;
}
