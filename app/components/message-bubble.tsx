import { RichText } from "~/components/ui/rich-text.tsx";
import type { ChatMessage } from "~/lib/transcript.ts";

/** One message, labelled by who wrote it. Text is rendered as text (see RichText). */
export function MessageBubble({
  message,
  viewer = "customer",
}: {
  message: ChatMessage;
  viewer?: "customer" | "operator";
}) {
  if (message.role === "SYSTEM") {
    return (
      <li className="text-center text-sm italic text-slate-500" data-role="system">
        {message.content}
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
        <p className={`mb-0.5 text-xs font-medium ${mine ? "text-white/80" : "text-slate-500"}`}>{who}</p>
        <p className="whitespace-pre-wrap break-words">
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
