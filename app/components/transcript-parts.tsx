import { dayKey, dayLabel } from "~/lib/use-follow-bottom.ts";

/** A line between messages from different days. */
export function DateSeparator({ at }: { at: string }) {
  return (
    <li className="flex items-center gap-3 text-xs text-slate-600" data-role="date">
      <span aria-hidden className="h-px flex-1 bg-slate-200" />
      <span suppressHydrationWarning>{dayLabel(at)}</span>
      <span aria-hidden className="h-px flex-1 bg-slate-200" />
    </li>
  );
}

/** Puts a date separator before the first item of each day. Items must be in order. */
export function withDateSeparators<T extends { at: string; key: string; node: React.ReactNode }>(items: T[]) {
  const out: React.ReactNode[] = [];
  let last: string | null = null;
  for (const item of items) {
    const day = dayKey(item.at);
    if (day !== last) out.push(<DateSeparator key={`day-${item.key}`} at={item.at} />);
    last = day;
    out.push(item.node);
  }
  return out;
}

/** Shown when new messages arrived while the reader was scrolled up; a click goes to them. */
export function NewMessagesPill({ show, onClick }: { show: boolean; onClick: () => void }) {
  if (!show) return null;
  return (
    <button
      type="button"
      onClick={onClick}
      className="sticky bottom-2 left-1/2 z-10 mx-auto block -translate-x-0 rounded-full bg-brand-700 px-3 py-1 text-sm font-medium text-white shadow"
    >
      New messages ↓
    </button>
  );
}
