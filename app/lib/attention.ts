import { useNavigate } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState } from "react";
import type { InboxNudge, Notice } from "./use-inbox-stream.ts";

/** The document title with the count of unread conversations in Mine, e.g. "(2) Inbox · Tandem". */
export function badgeTitle(matches: ReadonlyArray<{ id: string; data: unknown }>, base: string): string {
  const unread = (matches.find((m) => m.id === "routes/dashboard")?.data as { unreadMine?: number } | undefined)
    ?.unreadMine;
  return unread ? `(${unread}) ${base}` : base;
}

export interface Alert {
  key: string;
  text: string;
  conversationId: string | null;
}

/** A customer waiting for a person: such alerts share one banner, so they never push out the rest. */
export interface Waiting {
  conversationId: string;
  /** The customer's name when the alert came with it (offers do; plain inbox nudges do not). */
  name: string | null;
}

const noticeText: Record<Exclude<Notice["type"], "ESCALATION">, (n: Notice) => string> = {
  MENTION: (n) => `${n.by ?? "A teammate"} mentioned you in a note: ${n.text}`,
  ASSIGNED: (n) => n.text,
  CUSTOMER_REPLY: (n) => `${n.by ?? "The customer"} replied: ${n.text}`,
};

/** "Cy is waiting…", "Cy and Dan are waiting…", "Cy, Dan and 2 others are waiting…" (newest first). */
export function waitingText(waiting: readonly Waiting[]): string {
  const named = waiting.map((w) => w.name).filter((n): n is string => Boolean(n));
  const unnamed = waiting.length - named.length;
  const shown = named.slice(0, 2);
  const others = waiting.length - shown.length;
  if (!shown.length)
    return unnamed === 1 ? "A customer is waiting for a person." : `${unnamed} customers are waiting for a person.`;
  const who =
    others === 0 ? shown.join(" and ") : `${shown.join(", ")} and ${others} ${others === 1 ? "other" : "others"}`;
  return `${who} ${waiting.length === 1 ? "is" : "are"} waiting for a person.`;
}

const SOUND_KEY = "tandem.sound";

/** A short, quiet two-tone chime made in the browser: no audio file to download. */
function chime() {
  try {
    const audio = new AudioContext();
    for (const [i, frequency] of [660, 880].entries()) {
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.frequency.value = frequency;
      gain.gain.value = 0.05;
      osc.connect(gain).connect(audio.destination);
      osc.start(audio.currentTime + i * 0.12);
      osc.stop(audio.currentTime + i * 0.12 + 0.1);
    }
    setTimeout(() => void audio.close(), 500);
  } catch {
    // No audio here: the banner and the title still say it.
  }
}

/**
 * What gets an operator's attention on every dashboard page: a banner for each notice (and for
 * any new escalation while they are elsewhere), an optional chime, and a desktop notification
 * when permission was given (it is asked for on a click, never on load).
 */
export function useAttention(currentPath: string) {
  const navigate = useNavigate();
  const [alerts, setAlerts] = useState<Alert[]>([]);
  const [waiting, setWaiting] = useState<Waiting[]>([]);
  const offered = useRef(new Set<string>());
  const [sound, setSound] = useState(false);
  const [permission, setPermission] = useState<NotificationPermission | "unsupported">("unsupported");
  useEffect(() => {
    setSound(localStorage.getItem(SOUND_KEY) === "on");
    setPermission(typeof Notification === "undefined" ? "unsupported" : Notification.permission);
  }, []);

  // Opening a conversation answers every alert about it.
  useEffect(() => {
    const open = /\/conversations\/([^/?]+)/.exec(currentPath)?.[1];
    if (!open) return;
    setAlerts((list) => list.filter((a) => a.conversationId !== open));
    setWaiting((list) => list.filter((w) => w.conversationId !== open));
  }, [currentPath]);

  const looking = useCallback(
    (conversationId: string | null) =>
      Boolean(conversationId) && currentPath.endsWith(`/conversations/${conversationId}`) && !document.hidden,
    [currentPath],
  );
  const signal = useCallback(
    (key: string, text: string, conversationId: string | null) => {
      if (localStorage.getItem(SOUND_KEY) === "on") chime();
      if (typeof Notification === "undefined" || Notification.permission !== "granted") return;
      const n = new Notification("Tandem", { body: text, tag: key });
      n.onclick = () => {
        window.focus();
        if (conversationId) navigate(`/dashboard/conversations/${conversationId}`);
        n.close();
      };
    },
    [navigate],
  );

  /** A customer is waiting: one shared banner; a desktop notification only the first time it is offered to me. */
  const raiseWaiting = useCallback(
    (entry: Waiting, offeredToMe: string | null) => {
      if (looking(entry.conversationId)) return;
      setWaiting((list) => {
        const before = list.find((w) => w.conversationId === entry.conversationId);
        return [{ ...entry, name: entry.name ?? before?.name ?? null }, ...list.filter((w) => w !== before)].slice(
          0,
          50,
        );
      });
      // An offer that comes round again (the sweep re-offers what nobody claimed) is not a new signal.
      if (offeredToMe === null || offered.current.has(entry.conversationId)) return;
      offered.current.add(entry.conversationId);
      signal(`waiting:${entry.conversationId}`, `${waitingText([entry])} ${offeredToMe}`, entry.conversationId);
    },
    [looking, signal],
  );

  const onNotice = useCallback(
    (n: Notice) => {
      if (n.type === "ESCALATION") {
        raiseWaiting({ conversationId: n.conversationId, name: n.by }, `It was offered to you: ${n.text}`);
        return;
      }
      if (looking(n.conversationId)) return;
      const alert = {
        key: `${n.type}:${n.conversationId}:${n.at}`,
        text: noticeText[n.type](n),
        conversationId: n.conversationId,
      };
      setAlerts((list) => [alert, ...list.filter((a) => a.key !== alert.key)].slice(0, 3));
      signal(alert.key, alert.text, alert.conversationId);
    },
    [looking, raiseWaiting, signal],
  );
  const onInbox = useCallback(
    (e: InboxNudge) => {
      if (!e.conversationId) return;
      if (e.reason === "escalation") raiseWaiting({ conversationId: e.conversationId, name: null }, null);
      // A person joined (claimed or took over): nobody is waiting there any more.
      if (e.reason === "operator_joined")
        setWaiting((list) => list.filter((w) => w.conversationId !== e.conversationId));
    },
    [raiseWaiting],
  );

  return {
    alerts,
    waiting,
    dismiss: (key: string) => setAlerts((list) => list.filter((a) => a.key !== key)),
    dismissWaiting: () => setWaiting([]),
    onNotice,
    onInbox,
    sound,
    toggleSound: () => {
      const next = !sound;
      localStorage.setItem(SOUND_KEY, next ? "on" : "off");
      setSound(next);
      if (next) chime();
    },
    permission,
    askPermission: async () => {
      if (typeof Notification === "undefined") return;
      setPermission(await Notification.requestPermission());
    },
  };
}
