import { useEffect, useState } from "react";
import { fillPlaceholders, type PlaceholderValues } from "#server/canned/placeholders.ts";
import { MessageInput } from "~/components/ui/message-input.tsx";
import { COMPOSE_EVENT } from "~/lib/use-conversation-keys.ts";
import { useTypingAnnouncer, type SendKind } from "~/lib/use-conversation-stream.ts";

/** A saved reply as the composer offers it. */
export interface Saved {
  id: string;
  shortcut: string;
  title: string;
  body: string;
}

/**
 * The composer: Reply goes to the customer (only for the operator who owns the conversation);
 * Note stays with the team and the AI agent, and any operator may write one at any time. Sending
 * shows the message at once and survives a dropped network (see useSender): the page never
 * leaves, and the text is never lost.
 */
export function Composer({
  conversationId,
  canReply,
  send,
  error,
  canned,
  values,
  onComposing,
}: {
  conversationId: string;
  canReply: boolean;
  send: (kind: SendKind, content: string, clientMessageId: string) => Promise<void>;
  error: string | null;
  /** Saved replies, offered when the writer types "/". */
  canned: Saved[];
  /** What the placeholders of a saved reply are filled with. */
  values: PlaceholderValues;
  /** Called as the operator writes: tells the rest of the team (the collision cue). */
  onComposing?: () => void;
}) {
  const announceTyping = useTypingAnnouncer(conversationId);
  const [mode, setMode] = useState<"reply" | "note">(canReply ? "reply" : "note");
  const [draft, setDraft] = useState("");
  const kind = canReply ? mode : "note";
  const [picked, setPicked] = useState(0);
  const [dismissed, setDismissed] = useState<string | null>(null);
  // "/" at the start or after a space opens the saved replies; what follows filters them.
  const slash = /(^|\s)\/([\w-]*)$/.exec(draft);
  const query = slash && slash[0] !== dismissed ? slash[2]!.toLowerCase() : null;
  const matches =
    query === null
      ? []
      : canned.filter((c) => c.shortcut.startsWith(query) || c.title.toLowerCase().includes(query)).slice(0, 6);
  const insert = (c: Saved) => {
    const token = slash![0];
    const lead = token.startsWith("/") ? "" : token[0];
    setDraft(draft.slice(0, draft.length - token.length) + lead + fillPlaceholders(c.body, values));
    setPicked(0);
  };
  // Taking over opens the reply; losing the conversation leaves notes only.
  useEffect(() => setMode(canReply ? "reply" : "note"), [canReply]);
  // r and n (see useConversationKeys) pick the mode and put the cursor in the box.
  useEffect(() => {
    const onCompose = (event: Event) => {
      const wanted = (event as CustomEvent<"reply" | "note">).detail;
      setMode(wanted === "reply" && canReply ? "reply" : "note");
      requestAnimationFrame(() => document.querySelector<HTMLTextAreaElement>("#composer")?.focus());
    };
    window.addEventListener(COMPOSE_EVENT, onCompose);
    return () => window.removeEventListener(COMPOSE_EVENT, onCompose);
  }, [canReply]);
  const tab = (value: "reply" | "note", label: string, enabled: boolean) => (
    <button
      type="button"
      role="tab"
      aria-selected={kind === value}
      disabled={!enabled}
      onClick={() => setMode(value)}
      className={`rounded-t-md px-3 py-1 text-sm font-medium disabled:cursor-not-allowed disabled:text-slate-500 ${
        kind === value
          ? value === "note"
            ? "bg-amber-100 text-amber-950"
            : "bg-brand-50 text-brand-800"
          : "text-slate-700 hover:bg-slate-100"
      }`}
    >
      {label}
    </button>
  );
  return (
    <form
      className="mt-3"
      data-mode={kind}
      onSubmit={(event) => {
        event.preventDefault();
        const content = draft.trim();
        if (!content) return;
        setDraft("");
        void send(kind, content, crypto.randomUUID());
      }}
    >
      <div role="tablist" aria-label="Write" className="flex gap-1">
        {tab("reply", "Reply", canReply)}
        {tab("note", "Private note", true)}
        {!canReply ? (
          <span className="ml-2 self-center text-xs text-slate-600">Take over or claim the conversation to reply.</span>
        ) : null}
      </div>
      <div
        className={`relative flex items-end gap-2 rounded-b-md rounded-tr-md border p-2 ${kind === "note" ? "border-amber-400 bg-amber-50" : "border-slate-200 bg-white"}`}
      >
        {matches.length ? (
          <ul
            id="saved-replies"
            role="listbox"
            aria-label="Saved replies"
            className="absolute bottom-full left-0 z-20 mb-1 max-h-64 w-full overflow-y-auto rounded-md border border-slate-300 bg-white py-1 shadow-lg"
          >
            {matches.map((c, i) => (
              <li
                key={c.id}
                id={`saved-reply-${i}`}
                role="option"
                aria-selected={i === picked}
                onMouseDown={(e) => {
                  e.preventDefault();
                  insert(c);
                }}
                className={`cursor-pointer px-3 py-1.5 text-sm ${i === picked ? "bg-brand-50" : ""}`}
              >
                <span className="font-mono text-xs text-slate-600">/{c.shortcut}</span> {c.title}
                <span className="block truncate text-xs text-slate-600">{c.body}</span>
              </li>
            ))}
          </ul>
        ) : null}
        <MessageInput
          id="composer"
          aria={{
            role: "combobox",
            "aria-expanded": matches.length > 0,
            "aria-controls": "saved-replies",
            "aria-activedescendant": matches.length ? `saved-reply-${picked}` : undefined,
            "aria-autocomplete": "list",
          }}
          onKeyDown={(e) => {
            if (!matches.length) return;
            if (e.key === "ArrowDown" || e.key === "ArrowUp") {
              e.preventDefault();
              setPicked((i) => (i + (e.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
            } else if (e.key === "Enter" || e.key === "Tab") {
              e.preventDefault();
              insert(matches[Math.min(picked, matches.length - 1)]!);
            } else if (e.key === "Escape") {
              e.preventDefault();
              e.stopPropagation();
              setDismissed(slash![0]);
            }
          }}
          label={kind === "note" ? "Private note for your team and the AI agent" : "Reply to the customer"}
          value={draft}
          placeholder={
            kind === "note"
              ? "Private note: only your team and the AI agent see it. @name notifies a teammate."
              : "Reply to the customer. Enter sends, Shift+Enter adds a line, / inserts a saved reply."
          }
          onChange={(value) => {
            setDraft(value);
            onComposing?.();
            if (kind === "reply") announceTyping();
          }}
        />
        <button
          type="submit"
          className={`rounded-md px-4 py-2 font-medium ${kind === "note" ? "bg-amber-800 text-white hover:bg-amber-900" : "bg-brand-600 text-white hover:bg-brand-700"}`}
        >
          {kind === "note" ? "Add note" : "Send reply"}
        </button>
      </div>
      <p className="mt-1 text-xs text-slate-600">
        {kind === "note" ? (
          <span className="mr-2 font-medium text-amber-900">The customer never sees notes.</span>
        ) : null}
        Keys: r reply · n note · h hand back · e resolve · ] next · [ previous · Esc leaves the box
      </p>
      {error ? (
        <p role="alert" className="mt-2 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </form>
  );
}
