import { and, desc, eq, inArray } from "drizzle-orm";
import { escalations, messages, type AnomalyKind, type Conversation, type Priority } from "../../drizzle/schema.ts";
import { agents, getAgent, type AgentDefinition } from "../ai/agents.ts";
import { readMessage } from "../ai/offline/read.ts";
import { recordHandoff } from "../ai/tools/transfer.ts";
import type { ActionDefinition, PreparedAction } from "../autonomy/actions.ts";
import { ActionRefused } from "../autonomy/refusal.ts";
import type { Queryable, Transaction } from "../db/client.ts";
import { insertMessage } from "../conversations/messages.ts";
import type { EventBatch } from "../conversations/log.ts";
import { escalateConversation } from "../escalations/service.ts";
import { raisePriority } from "../escalations/lifecycle.ts";
import { searchKnowledge } from "../knowledge/service.ts";
import { creditThisMonth, customerById, grantCredit } from "../accounts/changes.ts";
import { formatMoney } from "../accounts/service.ts";

/**
 * The conductor's interventions. Each is an autonomy action (server/autonomy/actions.ts), so it is
 * a decision like any other: the mode decides whether it runs, waits for an operator, or stays a
 * suggestion, and it runs exactly once, through the same domain functions an operator or an agent
 * uses, and never once a person has the conversation (requestAction and approval both refuse).
 */

export const interventionNames = [
  "offer_human",
  "raise_priority",
  "apologise_with_status",
  "switch_specialist",
  "send_article",
  "offer_callback",
  "goodwill_credit",
] as const;
export type InterventionName = (typeof interventionNames)[number];

/** Which interventions may answer which anomaly. */
export const eligibleFor: Record<AnomalyKind, InterventionName[]> = {
  frustration_rising: ["offer_human", "apologise_with_status", "send_article", "goodwill_credit"],
  stuck_in_loop: ["offer_human", "switch_specialist", "send_article", "offer_callback"],
  waiting_too_long: ["raise_priority", "apologise_with_status", "offer_callback"],
  ai_failing: ["offer_human", "offer_callback"],
};

/** What the conductor passes with every intervention it asks for. */
export interface InterventionArgs {
  anomaly: AnomalyKind;
  episodeSeq: number;
  /** The context bucket the pick was made in (the bandit's key, also the decision's context). */
  bucket: Record<string, string>;
  /** How it was picked: the draw, the posterior's mean and evidence, and whether it explored. */
  pick: { sampled: number; mean: number; attempts: number; successes: number; explored: boolean };
}

function conductorArgs(conversation: Conversation, args: Record<string, unknown>) {
  const a = args as unknown as InterventionArgs;
  if (!a.anomaly || !Number.isInteger(a.episodeSeq) || !a.bucket) throw new ActionRefused("Not a conductor request.");
  return {
    // One intervention per anomaly episode, whichever it is and whichever instance asks.
    dedupeKey: `conductor:${conversation.id}:${a.anomaly}:${a.episodeSeq}`,
    context: a.bucket,
    base: { anomaly: a.anomaly, episodeSeq: a.episodeSeq, bucket: a.bucket, pick: a.pick },
  };
}

async function pendingEscalation(db: Queryable, conversationId: string) {
  const [row] = await db
    .select()
    .from(escalations)
    .where(and(eq(escalations.conversationId, conversationId), inArray(escalations.status, ["pending", "claimed"])))
    .orderBy(desc(escalations.createdAt))
    .limit(1);
  return row ?? null;
}

/** A line in the current agent's voice. */
async function say(tx: Transaction, batch: EventBatch, conversation: Conversation, content: string) {
  const agent = getAgent(conversation.currentAgent);
  await insertMessage(tx, batch, conversation.id, {
    role: "agent",
    author: agent.key,
    authorName: agent.name,
    content,
  });
}

/**
 * Builds an intervention's action. Calls to it are marked pure so the browser bundle can drop this
 * module (route modules import the action registry for their loaders only).
 */
function define(
  name: InterventionName,
  risk: ActionDefinition["risk"],
  prepare: (
    db: Queryable,
    conversation: Conversation,
    base: Record<string, unknown>,
  ) => Promise<Pick<PreparedAction, "arguments" | "summary"> & { amountCents?: number }>,
  execute: ActionDefinition["execute"],
): ActionDefinition {
  return {
    name,
    risk,
    internal: true,
    async prepare(db, conversation, _agent, args) {
      const { dedupeKey, context, base } = conductorArgs(conversation, args);
      const prepared = await prepare(db, conversation, base);
      return { amountCents: 0, ...prepared, dedupeKey, context };
    },
    execute,
  };
}

const offerHuman = /* @__PURE__ */ define(
  "offer_human",
  "low",
  async (db, conversation, base) => {
    if (conversation.status === "waiting_human" || (await pendingEscalation(db, conversation.id)))
      throw new ActionRefused("A person has already been asked to join.");
    return { arguments: base, summary: "Bring in a person now, before the customer has to ask" };
  },
  async (tx, decision, conversation, batch) => {
    const escalation = await escalateConversation(tx, batch, {
      conversationId: conversation.id,
      reason: decision.reasoning.slice(0, 300),
      summary: decision.reasoning.slice(0, 500),
      priority: "high",
      agent: "conductor",
    });
    await say(
      tx,
      batch,
      conversation,
      "I've asked a person from our team to join this conversation. They'll be with you shortly.",
    );
    return { result: { escalationId: escalation.id }, customerMessage: null };
  },
);

const nextPriority: Partial<Record<Priority, Priority>> = { low: "medium", medium: "high", high: "urgent" };

const raisePriorityAction = /* @__PURE__ */ define(
  "raise_priority",
  "low",
  async (db, conversation, base) => {
    const escalation = await pendingEscalation(db, conversation.id);
    if (!escalation || escalation.status !== "pending") throw new ActionRefused("Nobody is waited for.");
    const to = nextPriority[escalation.priority];
    if (!to) throw new ActionRefused("The request is already urgent.");
    return {
      arguments: { ...base, escalationId: escalation.id, from: escalation.priority, to },
      summary: `Raise the waiting request from ${escalation.priority} to ${to} priority`,
    };
  },
  async (tx, decision, conversation, batch) => {
    const args = decision.arguments as { escalationId: string; to: Priority };
    const row = await raisePriority(tx, args.escalationId, args.to);
    if (!row) throw new ActionRefused("The request was picked up or changed meanwhile.");
    batch.publishAfterCommit("inbox", "all", {
      type: "conversation_changed",
      conversationId: conversation.id,
      reason: "priority",
      at: new Date().toISOString(),
    });
    return { result: { escalationId: row.id, priority: row.priority }, customerMessage: null };
  },
);

async function statusLine(db: Queryable, conversation: Conversation): Promise<string> {
  const escalation = await pendingEscalation(db, conversation.id);
  const parts: string[] = [];
  if (conversation.summary?.wants) parts.push(`You asked about: ${conversation.summary.wants.replace(/\.$/, "")}.`);
  if (escalation?.ticketId) parts.push(`Your request is saved as ticket ${escalation.ticketId}.`);
  if (escalation?.status === "pending")
    parts.push("A person from our team has your request and will join as soon as they are free.");
  else parts.push("I'm still working on this with you.");
  return parts.join(" ");
}

const apologise = /* @__PURE__ */ define(
  "apologise_with_status",
  "low",
  async (db, conversation, base) => ({
    arguments: { ...base, status: await statusLine(db, conversation) },
    summary: "Apologise and tell the customer where things stand",
  }),
  async (tx, decision, conversation, batch) => {
    const { status } = decision.arguments as { status: string };
    await say(
      tx,
      batch,
      conversation,
      `I'm sorry this is taking longer than it should. Here is where things stand: ${status}`,
    );
    return { result: { said: true }, customerMessage: null };
  },
);

/** The specialist the customer's words point to most, other than the one answering now. */
function otherSpecialist(conversation: Conversation, lastCustomerText: string): AgentDefinition | null {
  const specialists: ReadonlyArray<string> = ["technical", "billing", "sales"];
  const next = readMessage(lastCustomerText).ranked.find(
    (r) => specialists.includes(r.intent) && r.intent !== conversation.currentAgent && r.p >= 0.2,
  );
  return next ? agents[next.intent as "technical" | "billing" | "sales"] : null;
}

async function lastCustomerText(db: Queryable, conversationId: string): Promise<string> {
  const [row] = await db
    .select({ content: messages.content })
    .from(messages)
    .where(and(eq(messages.conversationId, conversationId), eq(messages.role, "customer")))
    .orderBy(desc(messages.seq))
    .limit(1);
  return row?.content ?? "";
}

const switchSpecialist = /* @__PURE__ */ define(
  "switch_specialist",
  "medium",
  async (db, conversation, base) => {
    const target = otherSpecialist(conversation, await lastCustomerText(db, conversation.id));
    if (!target) throw new ActionRefused("No other specialist fits what the customer asks.");
    return { arguments: { ...base, to: target.key }, summary: `Hand the conversation to ${target.name}` };
  },
  async (tx, decision, conversation, batch) => {
    const { to } = decision.arguments as { to: AgentDefinition["key"] };
    await recordHandoff(
      tx,
      batch,
      conversation.id,
      conversation.currentAgent,
      agents[to],
      decision.reasoning.slice(0, 200),
    );
    return { result: { to }, customerMessage: null };
  },
);

const sendArticle = /* @__PURE__ */ define(
  "send_article",
  "low",
  async (db, conversation, base) => {
    const [hit] = await searchKnowledge(db, await lastCustomerText(db, conversation.id), 1);
    if (!hit) throw new ActionRefused("No help article matches what the customer asks.");
    return {
      arguments: { ...base, slug: hit.slug, title: hit.title, url: hit.url },
      summary: `Send the help article “${hit.title}”`,
    };
  },
  async (tx, decision, conversation, batch) => {
    const { title, url, slug } = decision.arguments as { title: string; url: string; slug: string };
    await say(
      tx,
      batch,
      conversation,
      `This article walks through it step by step: [${title}](${url}). Tell me where it stops matching what you see.`,
    );
    return { result: { slug }, customerMessage: null };
  },
);

const offerCallback = /* @__PURE__ */ define(
  "offer_callback",
  "low",
  async (_db, _conversation, base) => ({
    arguments: base,
    summary: "Offer a follow-up by email, so the customer need not wait here",
  }),
  async (tx, _decision, conversation, batch) => {
    await say(
      tx,
      batch,
      conversation,
      'You don\'t have to wait here: reply "yes" and leave your email, and a person from our team will follow up by email.',
    );
    return { result: { offered: true }, customerMessage: null };
  },
);

/** Goodwill for a customer having a bad time: a credit on their account, within Auto's monthly limit. */
export const GOODWILL_CENTS = 1000;

const goodwillCredit = /* @__PURE__ */ define(
  "goodwill_credit",
  "medium",
  async (db, conversation, base) => {
    if (!conversation.customerId) throw new ActionRefused("No customer account is linked to this conversation.");
    const customer = await customerById(db, conversation.customerId).catch(() => {
      throw new ActionRefused("No customer account is linked to this conversation.");
    });
    return {
      arguments: { ...base, amountCents: GOODWILL_CENTS },
      summary: `Goodwill credit of ${formatMoney(GOODWILL_CENTS, "EUR")} for ${customer.name}, for the trouble`,
      // Auto's limit applies to the customer's credit this month, this one included.
      amountCents: (await creditThisMonth(db, customer.id)) + GOODWILL_CENTS,
    };
  },
  async (tx, decision, conversation, batch) => {
    const credit = await grantCredit(tx, {
      decisionId: decision.id,
      customerId: conversation.customerId!,
      amountCents: GOODWILL_CENTS,
      reason: "goodwill: a difficult conversation",
    });
    await say(
      tx,
      batch,
      conversation,
      `I'm sorry for the trouble. I've added a goodwill credit of ${formatMoney(credit.amountCents, credit.currency)} to your account; it comes off your next invoice.`,
    );
    return { result: { creditId: credit.id, amountCents: credit.amountCents }, customerMessage: null };
  },
);

export const interventionActions: Record<InterventionName, ActionDefinition> = {
  offer_human: offerHuman,
  raise_priority: raisePriorityAction,
  apologise_with_status: apologise,
  switch_specialist: switchSpecialist,
  send_article: sendArticle,
  offer_callback: offerCallback,
  goodwill_credit: goodwillCredit,
};
