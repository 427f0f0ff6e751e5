import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useFetcher, useLoaderData } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { getAccountSummary, formatMoney } from "#server/accounts/service.ts";
import { agents } from "#server/ai/agents.ts";
import {
  handBackToAgent,
  listHandBackNotes,
  resolveConversation,
  sendOperatorMessage,
  takeOverConversation,
} from "#server/conversations/operator-actions.ts";
import { getConversation } from "#server/conversations/service.ts";
import { listDecisions } from "#server/autonomy/decisions.ts";
import { discardDraft, listDrafts, sendDraft } from "#server/autonomy/drafts.ts";
import { DraftCard } from "~/components/draft-card.tsx";
import { getAutonomySettings } from "#server/autonomy/settings.ts";
import { DecisionCard } from "~/components/decision-card.tsx";
import { ModeSelect } from "~/components/mode-select.tsx";
import { decisionCards } from "~/lib/decisions.server.ts";
import { listTicketsForConversation } from "#server/tickets/service.ts";
import { MessageBubble } from "~/components/message-bubble.tsx";
import { MessageInput } from "~/components/ui/message-input.tsx";
import { runAction } from "~/lib/action-error.server.ts";
import { connectionText } from "~/lib/live-client.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { visibleMessages } from "~/lib/transcript.ts";
import { loadTranscript } from "~/lib/transcript.server.ts";
import { useConversationStream, useTypingAnnouncer, useTypingIndicator } from "~/lib/use-conversation-stream.ts";
import { useInboxStream } from "~/lib/use-inbox-stream.ts";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const { db } = context.services;
  const conversation = await getConversation(db, actor, params.id);
  const account = conversation.customerId ? await getAccountSummary(db, conversation.customerId) : null;
  const customerTickets = await listTicketsForConversation(db, conversation);
  const transcript = await loadTranscript(db, actor, conversation);
  return {
    conversation: {
      id: conversation.id,
      status: conversation.status,
      currentAgent: conversation.currentAgent,
      ownedByMe: conversation.owner === actor.operatorId,
      ownedByAi: conversation.owner === "ai",
      customer: conversation.customerName ?? account?.customer.email ?? "Anonymous customer",
    },
    transcript,
    account: account && {
      name: account.customer.name,
      email: account.customer.email,
      plan: account.customer.plan,
      protection: account.customer.protectionPlan,
      invoices: account.invoices.map((i) => ({
        id: i.id,
        amount: formatMoney(i.amountCents, i.currency),
        status: i.status,
        issuedAt: i.issuedAt.toISOString().slice(0, 10),
      })),
      duplicates: account.duplicateCharges.map((d) => d.invoiceId),
    },
    tickets: customerTickets.map((t) => ({ id: t.id, subject: t.subject, status: t.status, priority: t.priority })),
    notes: await listHandBackNotes(context.services, actor, conversation.id),
    decisions: await decisionCards(
      db,
      await listDecisions(db, actor, { conversationId: conversation.id, status: "proposed" }, 20),
    ),
    autonomy: { own: conversation.autonomyMode, global: (await getAutonomySettings(db)).mode },
    drafts: (await listDrafts(db, actor, conversation.id)).map((d) => ({
      id: d.id,
      agentName: d.agentName,
      content: d.content,
    })),
    agents: Object.values(agents).map((a) => ({ key: a.key, name: a.name })),
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const form = await request.formData();
  const deps = context.services.conversationDeps;
  const conversationId = String(params.id);
  return runAction(async () => {
    switch (form.get("intent")) {
      case "reply":
        await sendOperatorMessage(deps, actor, {
          conversationId,
          content: form.get("content"),
          clientMessageId: form.get("clientMessageId"),
        });
        return { ok: "reply" };
      case "takeover":
        await takeOverConversation(deps, actor, conversationId);
        return { ok: "takeover" };
      case "send-draft":
        await sendDraft(deps, actor, { id: form.get("draftId"), content: form.get("content") });
        return { ok: "Draft sent." };
      case "discard-draft":
        await discardDraft(deps, actor, form.get("draftId"));
        return { ok: "Draft discarded." };
      case "handback":
        await handBackToAgent(deps, actor, {
          conversationId,
          agent: String(form.get("agent")),
          note: String(form.get("note") ?? ""),
        });
        return { ok: "handback" };
      case "resolve":
        await resolveConversation(deps, actor, conversationId);
        return { ok: "resolve" };
      default:
        return Response.json({ error: "Unknown action." }, { status: 400 });
    }
  });
}

export default function ConversationView() {
  const data = useLoaderData<typeof loader>();
  const { transcript, connection } = useConversationStream(data.conversation.id, data.transcript);
  const typing = useTypingIndicator(transcript, "OPERATOR");
  useInboxStream();
  const messages = visibleMessages(transcript);
  const bottom = useRef<HTMLDivElement>(null);
  useEffect(() => {
    bottom.current?.scrollIntoView({ block: "end" });
  }, [messages.length, messages.at(-1)?.content]);
  const c = data.conversation;
  const resolved = transcript.status === "RESOLVED" || c.status === "resolved";

  return (
    <main className="mx-auto grid w-full max-w-6xl flex-1 gap-6 px-4 py-6 lg:grid-cols-[1fr_20rem]">
      <section aria-labelledby="conversation-heading" className="flex min-h-0 flex-col">
        <div className="flex flex-wrap items-center gap-3">
          <Link to="/dashboard" className="text-sm text-brand-700 underline">
            Back to inbox
          </Link>
          <h1 id="conversation-heading" className="text-xl font-semibold">
            Conversation with {c.customer}
          </h1>
          <span className="rounded bg-slate-100 px-2 py-0.5 text-xs font-medium uppercase text-slate-700">
            {transcript.status.replace("_", " ")}
          </span>
          <span className="text-sm text-slate-500">agent: {c.currentAgent}</span>
          <ModeSelect
            label="Autonomy"
            current={data.autonomy.own}
            conversationId={c.id}
            globalMode={data.autonomy.global}
          />
          <p role="status" className="ml-auto text-xs text-slate-500">
            {connectionText[connection]}
          </p>
        </div>
        {data.drafts.length ? (
          <section aria-label="Drafts" className="mt-3 space-y-2">
            {data.drafts.map((d) => (
              <DraftCard key={d.id} draft={d} />
            ))}
          </section>
        ) : null}
        {data.decisions.length ? (
          <section aria-label="Decisions waiting" className="mt-3 space-y-2">
            {data.decisions.map((d) => (
              <DecisionCard key={d.id} decision={d} showConversationLink={false} />
            ))}
          </section>
        ) : null}
        <div
          role="log"
          aria-live="polite"
          aria-label="Transcript"
          className="mt-4 max-h-[60vh] min-h-64 overflow-y-auto rounded-lg border border-slate-200 bg-slate-50 p-4"
        >
          <ol className="space-y-3">
            {messages.map((m) => (
              <MessageBubble key={m.id} message={m} viewer="operator" />
            ))}
            {(transcript.activity ?? []).map((a) => (
              <li key={a.seq} className="text-xs text-slate-500" data-role="tool">
                Tool used: <code>{a.tool}</code>
              </li>
            ))}
          </ol>
          <div ref={bottom} />
        </div>
        <p aria-live="polite" className="mt-1 h-5 text-sm italic text-slate-500">
          {typing}
        </p>
        {resolved ? (
          <p className="mt-4 text-slate-600">This conversation is closed.</p>
        ) : (
          <Controls conversationId={c.id} ownedByMe={c.ownedByMe} ownedByAi={c.ownedByAi} agents={data.agents} />
        )}
      </section>
      <aside aria-label="Customer" className="space-y-4">
        <section className="rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="font-semibold">Account</h2>
          {data.account ? (
            <>
              <p className="mt-1 text-sm">
                {data.account.name} · {data.account.email}
              </p>
              <p className="text-sm text-slate-600">
                {data.account.plan} plan{data.account.protection ? " + Device Protection" : ""}
              </p>
              <h3 className="mt-3 text-sm font-medium">Invoices</h3>
              <ul className="mt-1 space-y-1 text-sm">
                {data.account.invoices.map((i) => (
                  <li key={i.id}>
                    {i.id} · {i.amount} · {i.status} · {i.issuedAt}
                    {data.account!.duplicates.includes(i.id) ? (
                      <span className="ml-1 font-medium text-red-700">paid twice</span>
                    ) : null}
                  </li>
                ))}
              </ul>
            </>
          ) : (
            <p className="mt-1 text-sm text-slate-600">No verified account is linked.</p>
          )}
        </section>
        {data.notes.length ? (
          <section aria-labelledby="notes-heading" className="rounded-lg border border-amber-300 bg-amber-50 p-4">
            <h2 id="notes-heading" className="font-semibold">
              Notes for the agent
            </h2>
            <p className="text-xs text-amber-900">
              Only your team and the AI agent see these; the customer never does.
            </p>
            <ul className="mt-2 space-y-2 text-sm">
              {data.notes.map((n) => (
                <li key={n.seq}>
                  <span className="font-medium">{n.by}</span> to {n.agent}:{" "}
                  <span className="whitespace-pre-wrap break-words">{n.note}</span>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        <section className="rounded-lg border border-slate-200 bg-white p-4">
          <h2 className="font-semibold">Tickets</h2>
          {data.tickets.length === 0 ? <p className="mt-1 text-sm text-slate-600">None.</p> : null}
          <ul className="mt-1 space-y-1 text-sm">
            {data.tickets.map((t) => (
              <li key={t.id}>
                {t.id} · {t.subject} · {t.status.replace(/_/g, " ")} · {t.priority}
              </li>
            ))}
          </ul>
        </section>
      </aside>
    </main>
  );
}

function Controls({
  conversationId,
  ownedByMe,
  ownedByAi,
  agents,
}: {
  conversationId: string;
  ownedByMe: boolean;
  ownedByAi: boolean;
  agents: Array<{ key: string; name: string }>;
}) {
  const announceTyping = useTypingAnnouncer(conversationId);
  const reply = useFetcher<{ ok?: string; error?: string }>();
  const control = useFetcher<{ ok?: string; error?: string }>();
  const [clientMessageId, setClientMessageId] = useState(() => crypto.randomUUID());
  const [draft, setDraft] = useState("");
  useEffect(() => {
    if (reply.state === "idle" && reply.data?.ok) {
      setDraft("");
      setClientMessageId(crypto.randomUUID());
    }
  }, [reply.state, reply.data]);
  const error = reply.data?.error ?? control.data?.error;

  if (!ownedByMe) {
    return (
      <div className="mt-4 flex items-center gap-3">
        {ownedByAi ? (
          <control.Form method="post">
            <input type="hidden" name="intent" value="takeover" />
            <button
              type="submit"
              className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700"
            >
              Take over
            </button>
          </control.Form>
        ) : (
          <p className="text-slate-600">Another operator is handling this conversation.</p>
        )}
        {error ? (
          <p role="alert" className="text-sm text-red-700">
            {error}
          </p>
        ) : null}
      </div>
    );
  }
  return (
    <div className="mt-4 space-y-3">
      <reply.Form method="post" className="flex items-end gap-2">
        <input type="hidden" name="intent" value="reply" />
        <input type="hidden" name="clientMessageId" value={clientMessageId} />
        <MessageInput
          id="reply"
          label="Reply to the customer"
          value={draft}
          placeholder="Reply to the customer. Enter sends."
          onChange={(value) => {
            setDraft(value);
            announceTyping();
          }}
        />
        <button type="submit" className="rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          Send reply
        </button>
      </reply.Form>
      <control.Form
        method="post"
        className="flex flex-wrap items-end gap-2 rounded-lg border border-slate-200 bg-white p-3"
      >
        <input type="hidden" name="intent" value="handback" />
        <div>
          <label htmlFor="agent" className="block text-xs font-medium text-slate-600">
            Hand back to
          </label>
          <select
            id="agent"
            name="agent"
            defaultValue="triage"
            className="rounded-md border border-slate-300 px-2 py-1.5"
          >
            {agents.map((a) => (
              <option key={a.key} value={a.key}>
                {a.name}
              </option>
            ))}
          </select>
        </div>
        <div className="flex-1">
          <label htmlFor="note" className="block text-xs font-medium text-slate-600">
            Note for the agent
          </label>
          <input
            id="note"
            name="note"
            maxLength={1000}
            className="w-full rounded-md border border-slate-300 px-2 py-1.5"
          />
        </div>
        <button
          type="submit"
          className="rounded-md border border-brand-600 px-3 py-1.5 font-medium text-brand-700 hover:bg-brand-50"
        >
          Hand back
        </button>
      </control.Form>
      <control.Form method="post">
        <input type="hidden" name="intent" value="resolve" />
        <button
          type="submit"
          className="rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-100"
        >
          Resolve conversation
        </button>
      </control.Form>
      {error ? (
        <p role="alert" className="text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
