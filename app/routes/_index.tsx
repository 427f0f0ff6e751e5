import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { Form, redirect, useLoaderData, useNavigation } from "@remix-run/react";
import { useState } from "react";
import {
  getConversation,
  parseMessageInput,
  sendCustomerMessage,
  startConversation,
} from "#server/conversations/service.ts";
import { AppError } from "#server/errors.ts";
import { clearCustomerCookie, customerCookie, getCustomerActor } from "~/lib/chat.server.ts";
import { MessageBubble, PendingBubble } from "~/components/message-bubble.tsx";
import { NewMessagesPill, withDateSeparators } from "~/components/transcript-parts.tsx";
import { useFollowBottom } from "~/lib/use-follow-bottom.ts";
import { callGraphql } from "~/lib/graphql-client.ts";
import { MessageInput } from "~/components/ui/message-input.tsx";
import type { Transcript } from "~/lib/transcript.ts";
import { loadTranscript } from "~/lib/transcript.server.ts";
import { stoppedReason, visibleMessages } from "~/lib/transcript.ts";
import { connectionText } from "~/lib/live-client.ts";
import {
  useConversationStream,
  useSender,
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
    conversation: {
      id: conversation.id,
      customerName: conversation.customerName,
      // A person can follow up by email: the customer left one, or the account has one.
      emailKnown: conversation.contactEmail !== null || conversation.customerId !== null,
    },
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
      // The customer types first; the conversation starts with that message. Name and email are
      // optional. The demo page may vouch for the email itself (DEMO_ACCOUNTS); a real site signs
      // it (see README).
      const content = form.get("content");
      const deps = context.services.conversationDeps;
      if (typeof content === "string" && content.trim())
        parseMessageInput(deps.maxMessageLength, { content, clientMessageId: "check" });
      const { conversation, token } = await startConversation(
        deps,
        { customerName: form.get("customerName"), customerEmail: form.get("customerEmail") },
        { clientIp: context.clientIp, demoPage: true },
      );
      if (typeof content === "string" && content.trim()) {
        await sendCustomerMessage(
          deps,
          { kind: "customer", conversationId: conversation.id },
          {
            conversationId: conversation.id,
            content,
            clientMessageId: String(form.get("clientMessageId") || crypto.randomUUID()),
          },
        );
      }
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
        <ChatWindow
          conversationId={data.conversation.id}
          initial={data.transcript}
          emailKnown={data.conversation.emailKnown}
        />
      ) : (
        <StartForm demoAccounts={data.demoAccounts} />
      )}
    </div>
  );
}

/**
 * The first screen: the customer types at once. Name and email are optional and tucked away; the
 * conversation starts with the first message.
 */
function StartForm({ demoAccounts }: { demoAccounts: boolean }) {
  const [draft, setDraft] = useState("");
  const [clientMessageId] = useState(() => crypto.randomUUID());
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const field =
    "mt-1 w-full rounded-md border border-slate-300 px-3 py-2 focus:border-brand-600 focus:outline-none focus:ring-2 focus:ring-brand-600/30";
  return (
    <main className="mx-auto mt-12 w-full max-w-xl px-4">
      <h2 className="text-2xl font-semibold">How can we help?</h2>
      <p className="mt-2 text-slate-700">
        Chat with our assistant. A person from our team can join whenever you need one.
      </p>
      <Form method="post" className="mt-6 space-y-3">
        <input type="hidden" name="intent" value="start" />
        <input type="hidden" name="clientMessageId" value={clientMessageId} />
        <div className="flex items-end gap-2">
          <MessageInput
            id="message"
            label="Your message"
            value={draft}
            autoFocus
            placeholder="Describe what you need. Enter sends."
            onChange={setDraft}
          />
          <button
            type="submit"
            disabled={busy}
            className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700 focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600 focus-visible:ring-offset-2 disabled:opacity-70"
          >
            {busy ? "Sending…" : "Send"}
          </button>
        </div>
        <details className="rounded-md border border-slate-200 bg-white px-3 py-2">
          <summary className="cursor-pointer text-sm font-medium text-slate-700">
            Add your name or email (optional)
          </summary>
          <div className="mt-2 space-y-3">
            <div>
              <label htmlFor="customerName" className="block text-sm font-medium text-slate-700">
                Your name (optional)
              </label>
              <input id="customerName" name="customerName" maxLength={100} autoComplete="name" className={field} />
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
                  className={field}
                />
                <p id="customerEmail-hint" className="mt-1 text-xs text-slate-600">
                  Demo: ada@example.com, grace@example.com or alan@example.com links this chat to a sample account.
                </p>
              </div>
            ) : null}
          </div>
        </details>
      </Form>
    </main>
  );
}

function ChatWindow({
  conversationId,
  initial,
  emailKnown,
}: {
  conversationId: string;
  initial: Transcript;
  emailKnown: boolean;
}) {
  const { transcript, connection, dispatch } = useConversationStream(conversationId, initial);
  const announceTyping = useTypingAnnouncer(conversationId);
  const typing = useTypingIndicator(transcript, "CUSTOMER");
  const [draft, setDraft] = useState("");
  const { send, error, clearError } = useSender(conversationId, dispatch);
  const messages = visibleMessages(transcript);
  const closed = transcript.status === "RESOLVED";
  const waiting = transcript.status === "WAITING_HUMAN";
  const follow = useFollowBottom(`${messages.length}:${messages.at(-1)?.content.length}:${transcript.pending.length}`);

  function submit(event: React.FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const content = draft.trim();
    if (!content) return;
    clearError();
    setDraft("");
    void send("customer", content, crypto.randomUUID());
  }

  return (
    <main className="mx-auto flex min-h-0 w-full max-w-3xl flex-1 flex-col px-4" data-conversation-id={conversationId}>
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
      <div
        ref={follow.ref}
        role="log"
        aria-live="polite"
        aria-label="Conversation"
        tabIndex={0}
        className="min-h-0 flex-1 overflow-y-auto pb-4"
      >
        <ol className="space-y-3">
          {messages.length === 0 && transcript.pending.length === 0 ? (
            <li className="mt-8 text-center text-slate-500">Say hello, or describe what you need help with.</li>
          ) : null}
          {withDateSeparators(
            messages.map((m) => ({
              at: m.createdAt,
              key: m.id,
              node: <MessageBubble key={m.id} message={m} stopped={stoppedReason(transcript)} />,
            })),
          )}
          {transcript.pending.map((p) => (
            <PendingBubble
              key={p.clientMessageId}
              pending={p}
              onRetry={() => void send("customer", p.content, p.clientMessageId)}
            />
          ))}
        </ol>
        <NewMessagesPill show={follow.unseen} onClick={follow.scrollToEnd} />
      </div>
      <p aria-live="polite" className="h-5 text-sm italic text-slate-500">
        {typing}
      </p>
      {waiting ? (
        <div role="status" className="mb-2 rounded-md bg-sky-50 px-3 py-2 text-sm text-sky-950">
          <p>A member of our support team has been asked to join. You can keep writing; they will see everything.</p>
          {emailKnown ? null : <FollowUpEmail conversationId={conversationId} />}
        </div>
      ) : null}
      {error ? (
        <p role="alert" className="mb-2 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      {closed ? (
        <div className="border-t border-slate-200 py-4 text-center">
          <p className="text-slate-700">This conversation is closed.</p>
          <RateConversation conversationId={conversationId} />
          <Form method="post">
            <input type="hidden" name="intent" value="new" />
            <button type="submit" className="mt-3 rounded-md bg-brand-600 px-4 py-2 font-medium text-white">
              Start a new conversation
            </button>
          </Form>
        </div>
      ) : (
        <form method="post" onSubmit={submit} className="flex items-end gap-2 border-t border-slate-200 py-4">
          <input type="hidden" name="intent" value="send" />
          <input type="hidden" name="conversationId" value={conversationId} />
          <MessageInput
            id="message"
            label="Your message"
            value={draft}
            autoFocus
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

/** While waiting for a person: an email, so the team can reply even if the customer has left. */
function FollowUpEmail({ conversationId }: { conversationId: string }) {
  const [state, setState] = useState<{ sent?: string; error?: string; busy?: boolean }>({});
  if (state.sent)
    return <p className="mt-1">Thanks. If you are not here when someone answers, we will write to {state.sent}.</p>;
  return (
    <form
      className="mt-2 flex flex-wrap items-end gap-2"
      onSubmit={async (event) => {
        event.preventDefault();
        const email = String(new FormData(event.currentTarget).get("email") ?? "").trim();
        setState({ busy: true });
        const failure = await callGraphql(
          "mutation ($id: ID!, $email: String!) { leaveFollowUpEmail(conversationId: $id, email: $email) }",
          { id: conversationId, email },
        );
        setState(failure === null ? { sent: email } : { error: failureText(failure) });
      }}
    >
      <label htmlFor="follow-up-email" className="w-full">
        Leave your email (optional) and we will reply there if you are not here.
      </label>
      <input
        id="follow-up-email"
        name="email"
        type="email"
        required
        autoComplete="email"
        className="min-w-0 flex-1 rounded-md border border-slate-300 bg-white px-2 py-1"
      />
      <button type="submit" disabled={state.busy} className="rounded-md bg-brand-700 px-3 py-1 font-medium text-white">
        {state.busy ? "Saving…" : "Save email"}
      </button>
      {state.error ? (
        <p role="alert" className="w-full text-red-800">
          {state.error}
        </p>
      ) : null}
    </form>
  );
}

/** CSAT: once the conversation is resolved the customer may rate it, 1 to 5, with an optional comment. */
function RateConversation({ conversationId }: { conversationId: string }) {
  const [score, setScore] = useState<number | null>(null);
  const [state, setState] = useState<{ done?: boolean; error?: string; busy?: boolean }>({});
  if (state.done)
    return (
      <p className="mt-2 text-slate-700" role="status">
        Thank you for your rating.
      </p>
    );
  return (
    <form
      className="mx-auto mt-3 max-w-md space-y-2 text-left"
      onSubmit={async (event) => {
        event.preventDefault();
        if (!score) return;
        const comment = String(new FormData(event.currentTarget).get("comment") ?? "").trim();
        setState({ busy: true });
        const failure = await callGraphql(
          "mutation ($input: RateConversationInput!) { rateConversation(input: $input) { id } }",
          { input: { conversationId, score, comment: comment || null } },
        );
        setState(failure === null ? { done: true } : { error: failureText(failure) });
      }}
    >
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">How did we do?</legend>
        <div className="mt-1 flex justify-center gap-1">
          {[1, 2, 3, 4, 5].map((n) => (
            <button
              key={n}
              type="button"
              aria-pressed={score === n}
              aria-label={`${n} out of 5`}
              onClick={() => setScore(n)}
              className={`h-10 w-10 rounded-md border text-lg ${score !== null && n <= score ? "border-amber-500 bg-amber-100 text-amber-900" : "border-slate-300 bg-white text-slate-700"}`}
            >
              ★
            </button>
          ))}
        </div>
      </fieldset>
      {score ? (
        <>
          <label htmlFor="csat-comment" className="block text-sm text-slate-800">
            Anything to add? (optional)
          </label>
          <textarea
            id="csat-comment"
            name="comment"
            maxLength={1000}
            rows={2}
            className="w-full rounded-md border border-slate-300 px-2 py-1"
          />
          <button
            type="submit"
            disabled={state.busy}
            className="rounded-md bg-brand-700 px-3 py-1.5 font-medium text-white disabled:opacity-70"
          >
            {state.busy ? "Sending…" : "Send rating"}
          </button>
        </>
      ) : null}
      {state.error ? (
        <p role="alert" className="text-sm text-red-800">
          {state.error}
        </p>
      ) : null}
    </form>
  );
}

const failureText = (failure: string) =>
  failure === "offline" ? "Could not send it: check your connection and try again." : failure;
