import { HealthBar, StatusBadge } from "~/components/conductor.tsx";
import { conversationHealthOf } from "#server/conductor/view.ts";
import { keepLastData } from "~/lib/keep-last-data.ts";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { Link, useFetcher, useLoaderData } from "@remix-run/react";
import { getAccountSummary } from "#server/accounts/service.ts";
import { agents } from "#server/ai/agents.ts";
import {
  handBackToAgent,
  reassignConversation,
  resolveConversation,
  takeOverConversation,
} from "#server/conversations/operator-actions.ts";
import { listOperators } from "#server/operators/service.ts";
import type { CaseSummary } from "#drizzle/schema.ts";
import { earlierConversations } from "#server/conversations/inbox.ts";
import { listCannedResponses } from "#server/canned/service.ts";
import { firstName } from "#server/canned/placeholders.ts";
import { Composer } from "~/components/composer.tsx";
import { exactTime } from "~/lib/use-now.ts";
import { getConversation } from "#server/conversations/service.ts";
import { listDecisions } from "#server/autonomy/decisions.ts";
import { discardDraft, listDrafts, sendDraft } from "#server/autonomy/drafts.ts";
import { DraftCard } from "~/components/draft-card.tsx";
import { getAutonomySettings } from "#server/autonomy/settings.ts";
import { DecisionCard } from "~/components/decision-card.tsx";
import { ModeSelect } from "~/components/mode-select.tsx";
import { decisionCards } from "~/lib/decisions.server.ts";
import { listTicketsForConversation } from "#server/tickets/service.ts";
import { MessageBubble, PendingBubble } from "~/components/message-bubble.tsx";
import { runAction, runLoader } from "~/lib/action-error.server.ts";
import { DashboardErrorBoundary } from "~/components/dashboard-error.tsx";
import { connectionText } from "~/lib/live-client.ts";
import { requireOperatorSession } from "~/lib/operator.server.ts";
import { stoppedReason, visibleMessages, type Activity, type ChatMessage } from "~/lib/transcript.ts";
import { NewMessagesPill, withDateSeparators } from "~/components/transcript-parts.tsx";
import { useFollowBottom } from "~/lib/use-follow-bottom.ts";
import { useConversationKeys } from "~/lib/use-conversation-keys.ts";
import { loadTranscript } from "~/lib/transcript.server.ts";
import {
  useConversationStream,
  useMarkRead,
  useSender,
  useTypingIndicator,
  useViewing,
} from "~/lib/use-conversation-stream.ts";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const { db } = context.services;
  const conversation = await runLoader(() => getConversation(db, actor, params.id));
  const account = conversation.customerId ? await getAccountSummary(db, conversation.customerId) : null;
  const customerTickets = await listTicketsForConversation(db, conversation);
  const transcript = await loadTranscript(db, actor, conversation);
  return {
    conversation: {
      id: conversation.id,
      status: conversation.status,
      currentAgent: conversation.currentAgent,
      integration: conversation.integrationName,
      externalContact: conversation.externalContact,
      ownedByMe: conversation.owner === actor.operatorId,
      ownedByAi: conversation.owner === "ai",
      customer: conversation.customerName ?? account?.customer.email ?? "Anonymous customer",
      summary: conversation.summary,
    },
    transcript,
    account: account && {
      name: account.customer.name,
      email: account.customer.email,
      plan: account.customer.plan,
      protection: account.customer.protectionPlan,
      invoices: account.invoices.map((i) => ({
        id: i.id,
        amountCents: i.amountCents,
        currency: i.currency,
        status: i.status,
        issuedAt: i.issuedAt.toISOString().slice(0, 10),
      })),
      duplicates: account.duplicateCharges.map((d) => d.invoiceId),
    },
    earlier: (await earlierConversations(db, actor, conversation)).map((e) => ({
      id: e.id,
      status: e.status,
      createdAt: e.createdAt.toISOString(),
      wants: e.summary?.wants ?? null,
      rating: e.csatScore,
    })),
    known: {
      name: conversation.customerName,
      contactEmail: conversation.contactEmail,
      channel: conversation.integrationName ? `${conversation.integrationName} (API)` : "Web chat",
      startedAt: conversation.createdAt.toISOString(),
      rating: conversation.csatScore,
      ratingComment: conversation.csatComment,
    },
    tickets: customerTickets.map((t) => ({ id: t.id, subject: t.subject, status: t.status, priority: t.priority })),
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
    health: await conversationHealthOf(db, actor, conversation.id),
    conductorLatest:
      (await listDecisions(db, actor, { conversationId: conversation.id, agent: "conductor" }, 1)).map((d) => ({
        summary: d.summary,
        status: d.status,
        reasoning: d.reasoning,
      }))[0] ?? null,
    me: actor.operatorId,
    agents: Object.values(agents).map((a) => ({ key: a.key, name: a.name })),
    canned: (await listCannedResponses(db, actor)).map((r) => ({
      id: r.id,
      shortcut: r.shortcut,
      title: r.title,
      body: r.body,
    })),
    placeholderValues: {
      "customer.first_name": firstName(conversation.customerName ?? account?.customer.name),
      "customer.name": conversation.customerName ?? account?.customer.name ?? null,
      "operator.first_name": firstName(actor.name),
      "operator.name": actor.name,
    },
    team: (await listOperators(db, actor))
      .filter((o) => !o.disabled && o.id !== conversation.owner)
      .map((o) => ({ id: o.id, name: o.name, availability: o.availability })),
    canReassign: conversation.owner === "ai" || conversation.owner === actor.operatorId || actor.role === "admin",
  };
}

export async function action({ request, params, context }: ActionFunctionArgs) {
  const actor = await requireOperatorSession(request, context);
  const form = await request.formData();
  const deps = context.services.conversationDeps;
  const conversationId = String(params.id);
  return runAction(async () => {
    switch (form.get("intent")) {
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
      case "reassign":
        await reassignConversation(deps, actor, { conversationId, operatorId: form.get("operatorId") });
        return { ok: "reassign" };
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
  const { transcript, connection, dispatch } = useConversationStream(data.conversation.id, data.transcript);
  const sender = useSender(data.conversation.id, dispatch);
  const typing = useTypingIndicator(transcript, "OPERATOR");
  useMarkRead(data.conversation.id, transcript.lastSeq);
  useConversationKeys(data.conversation.id);
  const viewing = useViewing(data.conversation.id, data.me, transcript);
  const messages = visibleMessages(transcript);
  const follow = useFollowBottom(
    `${messages.length}:${messages.at(-1)?.content.length}:${transcript.pending.length}:${transcript.activity?.length}`,
  );
  const c = data.conversation;
  const resolved = transcript.status === "RESOLVED" || c.status === "resolved";

  return (
    <main className="grid w-full min-w-0 flex-1 content-start gap-6 px-4 py-4 2xl:grid-cols-[minmax(0,1fr)_18rem]">
      <section aria-labelledby="conversation-heading" className="flex min-h-0 min-w-0 flex-col">
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
          {c.integration ? (
            <span
              data-testid="integration"
              className="rounded bg-violet-100 px-2 py-0.5 text-xs font-medium text-violet-900"
              title={c.externalContact ? `Reach the customer at ${c.externalContact}` : undefined}
            >
              via {c.integration}
              {c.externalContact ? ` · ${c.externalContact}` : ""}
            </span>
          ) : (
            <span className="text-sm text-slate-500">agent: {c.currentAgent}</span>
          )}
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
        {viewing.others.length ? (
          <p className="mt-2 text-sm text-amber-900" role="status" data-testid="collision">
            Also here: {viewing.others.map((o) => `${o.name}${o.composing ? " (writing…)" : ""}`).join(", ")}
          </p>
        ) : null}
        {c.summary ? <SummaryCard summary={c.summary} /> : null}
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
          ref={follow.ref}
          role="log"
          aria-live="polite"
          aria-label="Transcript"
          tabIndex={0}
          className="mt-4 max-h-[60vh] min-h-64 overflow-y-auto rounded-lg border border-slate-200 bg-slate-50 p-4"
        >
          <ol className="space-y-3">
            {/* Messages and the machinery behind them (tools, hand-offs, escalations), in log order. */}
            {withDateSeparators(inLogOrder(messages, transcript.activity ?? [], stoppedReason(transcript)))}
            {transcript.pending.map((p) => (
              <PendingBubble
                key={p.clientMessageId}
                pending={p}
                onRetry={() => void sender.send(p.note ? "note" : "reply", p.content, p.clientMessageId)}
              />
            ))}
          </ol>
          <NewMessagesPill show={follow.unseen} onClick={follow.scrollToEnd} />
        </div>
        <p aria-live="polite" className="mt-1 h-5 text-sm italic text-slate-500">
          {typing}
        </p>
        {resolved ? (
          <p className="mt-4 text-slate-600">This conversation is closed. Notes can still be added.</p>
        ) : null}
        <Composer
          conversationId={c.id}
          canReply={c.ownedByMe && !resolved}
          send={sender.send}
          error={sender.error}
          canned={data.canned}
          values={data.placeholderValues}
          onComposing={viewing.composing}
        />
        {resolved ? null : (
          <Controls
            conversationId={c.id}
            ownedByMe={c.ownedByMe}
            ownedByAi={c.ownedByAi}
            agents={data.agents}
            integration={c.integration}
          />
        )}
        {!resolved && data.canReassign && data.team.length ? <ReassignForm team={data.team} /> : null}
      </section>
      <aside aria-label="Customer" className="min-w-0 space-y-4 break-words">
        <HealthPanel health={data.health} latest={data.conductorLatest} />
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
                    {i.id} · <Money cents={i.amountCents} currency={i.currency} /> · {i.status} · {i.issuedAt}
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
          <dl className="mt-3 grid grid-cols-[6rem_minmax(0,1fr)] gap-x-2 gap-y-0.5 text-sm">
            <dt className="text-slate-600">Name given</dt>
            <dd>{data.known.name ?? "none"}</dd>
            <dt className="text-slate-600">Follow-up email</dt>
            <dd className="break-all">{data.known.contactEmail ?? "none"}</dd>
            <dt className="text-slate-600">Channel</dt>
            <dd>{data.known.channel}</dd>
            <dt className="text-slate-600">Started</dt>
            <dd>
              <time dateTime={data.known.startedAt} title={exactTime(data.known.startedAt)} suppressHydrationWarning>
                {exactTime(data.known.startedAt)}
              </time>
            </dd>
            {data.known.rating ? (
              <>
                <dt className="text-slate-600">Rating</dt>
                <dd data-testid="csat">
                  {data.known.rating}/5{data.known.ratingComment ? `: “${data.known.ratingComment}”` : ""}
                </dd>
              </>
            ) : null}
          </dl>
        </section>
        {data.earlier.length ? (
          <section aria-labelledby="earlier-heading" className="rounded-lg border border-slate-200 bg-white p-4">
            <h2 id="earlier-heading" className="font-semibold">
              Earlier conversations
            </h2>
            <ul className="mt-1 space-y-1 text-sm">
              {data.earlier.map((e) => (
                <li key={e.id}>
                  <Link to={`/dashboard/conversations/${e.id}`} className="text-brand-700 underline">
                    {exactTime(e.createdAt)}
                  </Link>{" "}
                  · {e.status.replace("_", " ")}
                  {e.rating ? ` · rated ${e.rating}/5` : ""}
                  {e.wants ? <span className="block truncate text-slate-600">{e.wants}</span> : null}
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

/** A submit button that says it is working while its form is in flight, and cannot be pressed twice. */
function BusyButton({
  busy,
  busyText,
  children,
  className,
  ...rest
}: {
  busy: boolean;
  busyText: string;
  children: string;
  className: string;
  "data-resolve"?: boolean;
}) {
  return (
    <button type="submit" disabled={busy} aria-busy={busy} className={`${className} disabled:opacity-70`} {...rest}>
      {busy ? busyText : children}
    </button>
  );
}

function Controls({
  ownedByMe,
  ownedByAi,
  agents,
  integration,
}: {
  conversationId: string;
  ownedByMe: boolean;
  ownedByAi: boolean;
  agents: Array<{ key: string; name: string }>;
  /** Set when another system's agent handed the conversation over: it cannot go to Tandem's agents. */
  integration: string | null;
}) {
  const control = useFetcher<{ ok?: string; error?: string }>();
  const busyWith = control.state !== "idle" ? String(control.formData?.get("intent") ?? "") : null;
  const error = control.data?.error;
  const alert = error ? (
    <p role="alert" className="text-sm text-red-700">
      {error}
    </p>
  ) : null;
  /** A form that only says what to do: one button, busy while its intent is under way. */
  const intentButton = (intent: string, busyText: string, className: string, label: string, resolve = false) => (
    <control.Form method="post">
      <input type="hidden" name="intent" value={intent} />
      <BusyButton
        data-resolve={resolve || undefined}
        busy={busyWith === intent}
        busyText={busyText}
        className={className}
      >
        {label}
      </BusyButton>
    </control.Form>
  );

  if (!ownedByMe) {
    return (
      <div className="mt-4 flex items-center gap-3">
        {ownedByAi ? (
          intentButton(
            "takeover",
            "Taking over…",
            "rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700",
            "Take over",
          )
        ) : (
          <p className="text-slate-600">Another operator is handling this conversation.</p>
        )}
        {alert}
      </div>
    );
  }
  return (
    <div className="mt-4 space-y-3">
      {integration ? (
        <p className="rounded-lg border border-slate-200 bg-white p-3 text-sm text-slate-600">
          {integration} handed this conversation over and relays your replies. Resolve it when you are done:{" "}
          {integration} hears that at once.
        </p>
      ) : (
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
          <div className="min-w-[12rem] flex-1">
            <label htmlFor="note" className="block text-xs font-medium text-slate-600">
              Note for the agent (private: the customer never sees it)
            </label>
            <input
              id="note"
              name="note"
              maxLength={4000}
              className="w-full rounded-md border border-slate-300 px-2 py-1.5"
            />
          </div>
          <BusyButton
            busy={busyWith === "handback"}
            busyText="Handing back…"
            className="rounded-md border border-brand-600 px-3 py-1.5 font-medium text-brand-700 hover:bg-brand-50"
          >
            Hand back
          </BusyButton>
        </control.Form>
      )}
      {intentButton(
        "resolve",
        "Resolving…",
        "rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-100",
        "Resolve conversation",
        true,
      )}
      {alert}
    </div>
  );
}

/** Messages and the machinery behind them (tools, hand-offs, escalations), in log order. */
function inLogOrder(messages: ChatMessage[], activity: Activity[], stopped: string) {
  const items = [
    ...messages.map((m) => ({
      seq: m.seq,
      at: m.createdAt as string | null,
      key: m.id,
      node: <MessageBubble key={m.id} message={m} viewer="operator" stopped={stopped} />,
    })),
    ...activity.map((a) => ({
      seq: a.seq,
      at: null,
      key: `a${a.seq}`,
      node: <ActivityLine key={`a${a.seq}`} activity={a} />,
    })),
  ].sort((a, b) => a.seq - b.seq);
  // An activity line belongs to the day of the message before it.
  let day = items.find((i) => i.at)?.at ?? new Date().toISOString();
  return items.map((i) => ({ ...i, at: (day = i.at ?? day) }));
}

/** An amount in the viewer's own number format (the server renders one, the browser its locale's). */
function Money({ cents, currency }: { cents: number; currency: string }) {
  return (
    <span suppressHydrationWarning>
      {new Intl.NumberFormat(undefined, { style: "currency", currency }).format(cents / 100)}
    </span>
  );
}

/** A tool the AI used, a hand-off between agents, an escalation: shown to the team, never to customers. */
function ActivityLine({ activity: a }: { activity: Activity }) {
  return (
    <li className="break-words text-xs text-slate-600" data-role="activity">
      {a.type === "TOOL_RESULT" ? (
        <>
          Tool used: <code>{a.tool}</code>
        </>
      ) : a.type === "HANDOFF" ? (
        `Handed to ${a.agent ?? "another agent"}${a.detail ? `: ${a.detail}` : ""}`
      ) : (
        `Escalated${a.detail ? `: ${a.detail}` : ""}`
      )}
    </li>
  );
}

/** The conductor's reading of this conversation and its latest decision about it. */
function HealthPanel({
  health,
  latest,
}: {
  health: { score: number; status: string; anomalies: Array<{ kind: string; explanation: string }> } | null;
  latest: { summary: string; status: string; reasoning: string } | null;
}) {
  return (
    <section aria-labelledby="health-heading" className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 id="health-heading" className="flex items-center justify-between gap-2 font-semibold">
        Health
        {health ? <StatusBadge status={health.status} /> : null}
      </h2>
      {health ? (
        <div className="mt-2 space-y-2 text-sm">
          <HealthBar score={health.score} label="Health of this conversation" />
          {health.anomalies.length ? (
            <ul className="space-y-1 text-slate-800">
              {health.anomalies.map((a) => (
                <li key={a.kind}>{a.explanation}</li>
              ))}
            </ul>
          ) : (
            <p className="text-slate-600">Nothing wrong that the conductor can see.</p>
          )}
          {latest ? (
            <p className="text-slate-700" data-testid="conductor-latest">
              <span className="font-medium">Conductor:</span> {latest.summary} ({latest.status.replace("_", " ")})
            </p>
          ) : null}
        </div>
      ) : (
        <p className="mt-1 text-sm text-slate-600">Not read yet.</p>
      )}
    </section>
  );
}

/** The model's summary of the case: what the customer wants, facts, what was tried, what is pending. */
function SummaryCard({ summary }: { summary: CaseSummary }) {
  return (
    <section aria-labelledby="summary-heading" className="mt-3 rounded-lg border border-slate-200 bg-white p-3 text-sm">
      <h2 id="summary-heading" className="text-xs font-semibold uppercase tracking-wide text-slate-600">
        Case summary <span className="font-normal normal-case">· by {summary.model}</span>
      </h2>
      <dl className="mt-1 grid grid-cols-[6rem_minmax(0,1fr)] gap-x-3 gap-y-1 break-words">
        <dt className="font-medium text-slate-700">Wants</dt>
        <dd>{summary.wants}</dd>
        {summary.facts.length ? (
          <>
            <dt className="font-medium text-slate-700">Facts</dt>
            <dd>{summary.facts.map((f) => `${f.label}: ${f.value}`).join(" · ")}</dd>
          </>
        ) : null}
        <dt className="font-medium text-slate-700">Tried</dt>
        <dd>{summary.tried.join(" · ")}</dd>
        <dt className="font-medium text-slate-700">Pending</dt>
        <dd>{summary.pending}</dd>
      </dl>
    </section>
  );
}

/** Gives the conversation to a teammate, who is notified on every screen they have open. */
function ReassignForm({ team }: { team: Array<{ id: string; name: string; availability: string }> }) {
  const fetcher = useFetcher<{ ok?: string; error?: string }>();
  const busy = fetcher.state !== "idle";
  return (
    <fetcher.Form method="post" className="mt-3 flex flex-wrap items-end gap-2">
      <input type="hidden" name="intent" value="reassign" />
      <div>
        <label htmlFor="reassign-to" className="block text-xs font-medium text-slate-600">
          Assign to a teammate
        </label>
        <select id="reassign-to" name="operatorId" className="rounded-md border border-slate-300 px-2 py-1.5">
          {team.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name} ({o.availability})
            </option>
          ))}
        </select>
      </div>
      <BusyButton
        busy={busy}
        busyText="Assigning…"
        className="rounded-md border border-slate-300 px-3 py-1.5 text-slate-700 hover:bg-slate-100"
      >
        Assign
      </BusyButton>
      {fetcher.data?.error ? (
        <p role="alert" className="text-sm text-red-700">
          {fetcher.data.error}
        </p>
      ) : null}
    </fetcher.Form>
  );
}

export const ErrorBoundary = DashboardErrorBoundary;

/** A network blip during a refetch keeps the page as it was (see keep-last-data.ts). */
export const clientLoader = keepLastData("routes/dashboard._inbox.conversations.$id");
