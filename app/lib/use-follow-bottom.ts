import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";

const useIsoLayoutEffect = typeof window === "undefined" ? useEffect : useLayoutEffect;

/**
 * A transcript that follows new messages only while the reader is at the bottom. Someone reading
 * history is not yanked down: `unseen` turns true instead, for a "New messages" pill.
 */
export function useFollowBottom(change: unknown) {
  const ref = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [unseen, setUnseen] = useState(false);

  const scrollToEnd = useCallback(() => {
    const el = ref.current;
    if (!el) return;
    el.scrollTop = el.scrollHeight;
    atBottom.current = true;
    setUnseen(false);
  }, []);

  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const onScroll = () => {
      atBottom.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 48;
      if (atBottom.current) setUnseen(false);
    };
    el.addEventListener("scroll", onScroll, { passive: true });
    return () => el.removeEventListener("scroll", onScroll);
  }, []);

  useIsoLayoutEffect(() => {
    if (atBottom.current) scrollToEnd();
    else setUnseen(true);
  }, [change, scrollToEnd]);

  return { ref, unseen, scrollToEnd };
}

/** "Today", "Yesterday" or the date, in the viewer's language and time zone. */
export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const day = (x: Date) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const diff = Math.round((day(now) - day(d)) / 86_400_000);
  if (diff === 0) return "Today";
  if (diff === 1) return "Yesterday";
  return d.toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long", year: "numeric" });
}

/** The local calendar day of a timestamp, for grouping messages under date separators. */
export const dayKey = (iso: string) => new Date(iso).toDateString();
