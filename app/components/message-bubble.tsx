import { RichText } from "~/components/ui/rich-text.tsx";
import type { ChatMessage, PendingMessage } from "~/lib/transcript.ts";

/** One message, labelled by who wrote it. Text is rendered as text (see RichText). */
export function MessageBubble({
  message,
  viewer = "customer",
  stopped = "Reply stopped.",
}: {
  message: ChatMessage;
  viewer?: "customer" | "operator";
  /** The line shown for a reply that was stopped before it finished (see stoppedReason). */
  stopped?: string;
}) {
  if (message.status === "DISCARDED") {
    return (
      <li className="flex justify-start" data-role="stopped">
        <p className="rounded-2xl border border-dashed border-slate-300 px-4 py-1.5 text-sm italic text-slate-700">
          {message.authorName ?? "Assistant"} (AI): {stopped}
        </p>
      </li>
    );
  }
  if (message.role === "NOTE") {
    // Customers never receive notes; this is a second guard, not the first.
    if (viewer !== "operator") return null;
    return (
      <li className="flex justify-center" data-role="note">
        <div className="w-full max-w-[90%] rounded-lg border border-dashed border-amber-400 bg-amber-50 px-4 py-2 text-amber-950">
          <p className="mb-0.5 text-xs font-semibold">
            Private note · {message.authorName ?? "Operator"} · not shown to the customer ·{" "}
            <MessageTime at={message.createdAt} />
          </p>
          <p className="whitespace-pre-wrap break-words [overflow-wrap:anywhere]">
            <RichText text={message.content} />
          </p>
        </div>
      </li>
    );
  }
  if (message.role === "SYSTEM") {
    return (
      <li className="text-center text-sm italic text-slate-600" data-role="system">
        {message.content} <MessageTime at={message.createdAt} />
      </li>
    );
  }
  const mine = viewer === "customer" ? message.role === "CUSTOMER" : message.role === "OPERATOR";
  const who =
    message.role === "CUSTOMER"
      ? viewer === "customer"
        ? "You"
        : `${message.authorName ?? "Customer"} (customer)`
      : message.role === "OPERATOR"
        ? `${message.authorName ?? "Support"} (support team)`
        : `${message.authorName ?? "Assistant"} (AI)`;
  return (
    <li
      className={`flex ${mine ? "justify-end" : "justify-start"}`}
      data-role={message.role.toLowerCase()}
      data-status={message.status.toLowerCase()}
    >
      <div
        className={`max-w-[80%] rounded-2xl px-4 py-2 ${mine ? "bg-brand-600 text-white" : "border border-slate-200 bg-white"}`}
      >
        <p className={`mb-0.5 text-xs font-medium ${mine ? "text-white/90" : "text-slate-600"}`}>
          {who} · <MessageTime at={message.createdAt} />
        </p>
        <p className="whitespace-pre-wrap break-words [overflow-wrap:anywhere]">
          <RichText text={message.content} />
          {message.status === "STREAMING" ? (
            <span aria-hidden className="ml-0.5 inline-block animate-pulse">
              ▍
            </span>
          ) : null}
        </p>
        {message.status === "FAILED" ? <p className="mt-1 text-xs text-red-700">This reply did not finish.</p> : null}
      </div>
    </li>
  );
}

/** A message not yet stored: sending, waiting for the network (sent by itself later), or refused. */
export function PendingBubble({ pending, onRetry }: { pending: PendingMessage; onRetry: () => void }) {
  const tone = pending.note
    ? "border border-dashed border-amber-400 bg-amber-50 text-amber-950"
    : pending.failed || pending.waiting
      ? "border-2 border-dashed border-amber-600 bg-white text-slate-900"
      : "bg-brand-700 text-white";
  return (
    <li
      className={`flex ${pending.note ? "justify-center" : "justify-end"}`}
      data-pending={pending.waiting ? "waiting" : pending.failed ? "failed" : "sending"}
    >
      <div className={`min-w-0 max-w-[80%] rounded-2xl px-4 py-2 ${tone}`}>
        {pending.note ? <p className="mb-0.5 text-xs font-semibold">Private note</p> : null}
        <p className="whitespace-pre-wrap break-words [overflow-wrap:anywhere]">{pending.content}</p>
        <p className="mt-1 text-xs font-medium">
          {pending.failed ? (
            <button type="button" className="underline" onClick={onRetry}>
              Not sent. Retry
            </button>
          ) : pending.waiting ? (
            "Not sent yet: waiting for the connection. It will be sent by itself."
          ) : (
            "Sending…"
          )}
        </p>
      </div>
    </li>
  );
}

/** When a message was written: the time of day, with the exact date and time on hover, in the viewer's time zone. */
function MessageTime({ at }: { at: string }) {
  const date = new Date(at);
  return (
    <time
      dateTime={at}
      title={date.toLocaleString(undefined, { dateStyle: "full", timeStyle: "medium" })}
      suppressHydrationWarning
      className="font-normal not-italic"
    >
      {date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })}
    </time>
  );
}
