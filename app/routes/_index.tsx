import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, redirect, useLoaderData } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { getConversation, sendCustomerMessage, startConversation } from "#server/conversations/service.ts";
import { AppError } from "#server/errors.ts";
import { clearCustomerCookie, customerCookie, getCustomerActor } from "~/lib/chat.server.ts";
import { MessageBubble } from "~/components/message-bubble.tsx";
import { MessageInput } from "~/components/ui/message-input.tsx";
import type { Transcript } from "~/lib/transcript.ts";
import { loadTranscript } from "~/lib/transcript.server.ts";
import { visibleMessages } from "~/lib/transcript.ts";
import { connectionText } from "~/lib/live-client.ts";
import {
  postMessage,
  useConversationStream,
  useTypingAnnouncer,
  useTypingIndicator,
} from "~/lib/use-conversation-stream.ts";

export { keepRetryAfter as headers } from "~/lib/retry-after.ts";

export const meta: MetaFunction = () => [{ title: "Tandem support" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const actor = await getCustomerActor(request, context);
  const model = context.services.model;
  const demoAccounts = context.services.config.identity.demoAccounts;
  if (actor.kind !== "customer") return { conversation: null, transcript: null, model, demoAccounts };
  const conversation = await getConversation(context.services.db, actor, actor.conversationId);
  const transcript = await loadTranscript(context.services.db, actor, conversation);
  return {
    conversation: { id: conversation.id, customerName: conversation.customerName },
    transcript,
    model,
    demoAccounts,
  };
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = form.get("intent");
  const secure = context.services.config.cookies.secure;
  try {
    if (intent === "start") {
      // The demo page may vouch for the email itself (DEMO_ACCOUNTS); a real site signs it (see README).
      const { token } = await startConversation(
        context.services.conversationDeps,
        { customerName: form.get("customerName"), customerEmail: form.get("customerEmail") },
        { clientIp: context.clientIp, demoPage: true },
      );
      return redirect("/", { headers: { "Set-Cookie": customerCookie(token, secure) } });
    }
    if (intent === "new") {
      return redirect("/", { headers: { "Set-Cookie": clearCustomerCookie() } });
    }
    if (intent === "send") {
      // The no-JavaScript path; with JavaScript the page sends through GraphQL instead.
      const actor = await getCustomerActor(request, context);
      await sendCustomerMessage(context.services.conversationDeps, actor, {
        conversationId: form.get("conversationId"),
        content: form.get("content"),
        clientMessageId: form.get("clientMessageId"),
      });
      return redirect("/");
    }
  } catch (error) {
    if (error instanceof AppError) {
      const retryAfter = error.extensions.retryAfter;
      return new Response(error.message, {
        status: error.status,
        headers: retryAfter ? { "Retry-After": String(retryAfter) } : {},
      });
    }
    throw error;
  }
  return new Response("Unknown action.", { status: 400 });
}

export default function Chat() {
  const data = useLoaderData<typeof loader>();
  return (
    <div className="flex h-full flex-col">
      <header className="border-b border-slate-200 bg-white">
        <div className="mx-auto flex max-w-3xl items-center justify-between px-4 py-3">
          <h1 className="text-lg font-semibold text-brand-700">Tandem support</h1>
          {data.model.offline ? (
            <span className="rounded-full bg-amber-100 px-3 py-1 text-xs font-medium text-amber-900">
              Replies by the built-in offline model
            </span>
          ) : (
            <span className="text-xs text-slate-500">AI model: {data.model.label}</span>
          )}
        </div>
      </header>
      {data.conversation && data.transcript ? (
        <ChatWindow conversationId={data.conversation.id} initial={data.transcript} />
      ) : (
        <StartForm demoAccounts={data.demoAccounts} />
      )}
    </div>
  );
}

function StartForm({ demoAccounts }: { demoAccounts: boolean }) {
  return (
    <main className="mx-auto mt-16 w-full max-w-md px-4">
      <h2 className="text-2xl font-semibold">How can we help?</h2>
      <p className="mt-2 text-slate-600">
        Chat with our assistant. A person from our team can join whenever you need one.
      </p>
      <Form method="post" className="mt-6 space-y-4">
        <input type="hidden" name="intent" value="start" />
        <div>
          <label htmlFor="customerName" className="block text-sm font-medium text-slate-700">
            Your name (optional)
          </label>
          <input
            id="customerName"
            name="customerName"
            maxLength={100}
            autoComplete="name"
            className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600/30"
          />
        </div>
        {demoAccounts ? (
          <div>
            <label htmlFor="customerEmail" className="block text-sm font-medium text-slate-700">
              Email (optional)
            </label>
            <input
              id="customerEmail"
              name="customerEmail"
              type="email"
              autoComplete="email"
              aria-describedby="customerEmail-hint"
              className="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600/30"
            />
            <p id="customerEmail-hint" className="mt-1 text-xs text-slate-500">
              Demo: ada@example.com, grace@example.com or alan@example.com links this chat to a sample account.
            </p>
          </div>
        ) : null}
        <button
          type="submit"
          className="w-full rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600 focus-visible:ring-offset-2"
        >
          Start chatting
        </button>
      </Form>
    </main>
  );
}

function ChatWindow({ conversationId, initial }: { conversationId: string; initial: Transcript }) {
  const { transcript, connection, dispatch } = useConversationStream(conversationId, initial);
  const announceTyping = useTypingAnnouncer(conversationId);
  const typing = useTypingIndicator(transcript, "CUSTOMER");
  const [draft, setDraft] = useState("");
  const [error, setError] = useState<string | null>(null);
  const bottom = useRef<HTMLDivElement>(null);
  const messages = visibleMessages(transcript);
  const closed = transcript.status === "RESOLVED";
  const waiting = transcript.status === "WAITING_HUMAN";

  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [messages.length, messages.at(-1)?.content]);

  async function send(content: string, clientMessageId: string) {
    dispatch({ kind: "pending", pending: { clientMessageId, content, failed: false } });
    // Retries reuse the same id, so a send that reached the server before the network dropped
    // is never posted twice.
    for (let attempt = 0; attempt < 6; attempt++) {
      const failure = await postMessage(conversationId, content, clientMessageId);
      if (failure === null) return;
      if (failure !== "offline") {
        setError(failure);
        dispatch({ kind: "pending-failed", clientMessageId, failed: true });
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(8000, 500 * 2 ** attempt)));
    }
    dispatch({ kind: "pending-failed", clientMessageId, failed: true });
  }

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const content = draft.trim();
    if (!content) return;
    setError(null);
    setDraft("");
    void send(content, crypto.randomUUID());
  }

  return (
    <main className="mx-auto flex min-h-0 w-full max-w-3xl flex-1 flex-col px-4">
      <p
        role="status"
        aria-live="polite"
        className="py-2 text-right text-xs text-slate-500"
        data-connection={connection}
      >
        <span
          aria-hidden
          className={`mr-1 inline-block h-2 w-2 rounded-full ${connection === "live" ? "bg-emerald-500" : "animate-pulse bg-amber-500"}`}
        />
        {connectionText[connection]}
      </p>
      <div role="log" aria-live="polite" aria-label="Conversation" className="min-h-0 flex-1 overflow-y-auto pb-4">
        <ol className="space-y-3">
          {messages.length === 0 && transcript.pending.length === 0 ? (
            <li className="mt-8 text-center text-slate-500">Say hello, or describe what you need help with.</li>
          ) : null}
          {messages.map((m) => (
            <MessageBubble key={m.id} message={m} />
          ))}
          {transcript.pending.map((p) => (
            <li key={p.clientMessageId} className="flex justify-end">
              <div className="max-w-[80%] rounded-2xl bg-brand-600/70 px-4 py-2 text-white">
                <p className="whitespace-pre-wrap break-words">{p.content}</p>
                <p className="mt-1 text-xs text-white/80">
                  {p.failed ? (
                    <button type="button" className="underline" onClick={() => void send(p.content, p.clientMessageId)}>
                      Not sent. Retry
                    </button>
                  ) : (
                    "Sending…"
                  )}
                </p>
              </div>
            </li>
          ))}
        </ol>
        <div ref={bottom} />
      </div>
      <p aria-live="polite" className="h-5 text-sm italic text-slate-500">
        {typing}
      </p>
      {waiting ? (
        <p role="status" className="mb-2 rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-900">
          A member of our support team has been asked to join. You can keep writing; they will see everything.
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="mb-2 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {closed ? (
        <Form method="post" className="border-t border-slate-200 py-4 text-center">
          <input type="hidden" name="intent" value="new" />
          <p className="text-slate-600">This conversation is closed.</p>
          <button type="submit" className="mt-2 rounded-md bg-brand-600 px-4 py-2 font-medium text-white">
            Start a new conversation
          </button>
        </Form>
      ) : (
        <form method="post" onSubmit={submit} className="flex items-end gap-2 border-t border-slate-200 py-4">
          <input type="hidden" name="intent" value="send" />
          <input type="hidden" name="conversationId" value={conversationId} />
          <MessageInput
            id="message"
            label="Your message"
            value={draft}
            placeholder="Type your message. Enter sends, Shift+Enter adds a line."
            onChange={(value) => {
              setDraft(value);
              announceTyping();
            }}
          />
          <button
            type="submit"
            className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600 focus-visible:ring-offset-2"
          >
            Send
          </button>
        </form>
      )}
    </main>
  );
}
