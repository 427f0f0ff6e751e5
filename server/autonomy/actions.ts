import { eq } from "drizzle-orm";
import { customers, type Conversation, type Decision } from "../../drizzle/schema.ts";
import { formatMoney } from "../accounts/service.ts";
import { issueRefund, refundablePayment, RefundRefused } from "../accounts/refunds.ts";
import {
  AccountChangeRefused,
  cancelSubscription,
  changePlan,
  creditThisMonth,
  customerById,
  grantCredit,
  plans,
  sendReplacement,
  type Plan,
} from "../accounts/changes.ts";
import type { Queryable, Transaction } from "../db/client.ts";
import { amountBucket } from "./learning.ts";
import { ActionRefused } from "./refusal.ts";
import type { EventBatch } from "../conversations/log.ts";
import { closeConversation } from "../conversations/operator-actions.ts";
import { confirmedCase, openCaseTicket } from "../ai/case-ticket.ts";
import type { Department, Priority } from "../../drizzle/schema.ts";
import { interventionActions } from "../conductor/interventions.ts";

/** An action the AI may want to take, described before anyone decides on it. */
export interface PreparedAction {
  arguments: Record<string, unknown>;
  summary: string;
  /** One live decision per real-world effect. */
  dedupeKey: string;
  /** What Auto's limit is compared with (0 for actions without an amount). */
  amountCents: number;
  context: Record<string, string>;
}

export interface ActionDefinition {
  name: string;
  risk: "low" | "medium" | "high";
  /**
   * The team's own move (the conductor's interventions): the customer hears only its effect,
   * never that it was proposed, rejected, expired or failed.
   */
  internal?: boolean;
  /** Validates the request against real data; throws ActionRefused with a message the model relays. */
  prepare(
    db: Queryable,
    conversation: Conversation,
    agent: string,
    args: Record<string, unknown>,
  ): Promise<PreparedAction>;
  /**
   * Does the real thing inside the decision's transaction; returns the result and what the
   * customer is told (null: nothing beyond what the action itself writes to the conversation).
   */
  execute(
    tx: Transaction,
    decision: Decision,
    conversation: Conversation,
    batch: EventBatch,
  ): Promise<{ result: Record<string, unknown>; customerMessage: string | null }>;
}

export { ActionRefused };

const refundPayment: ActionDefinition = {
  name: "refund_payment",
  risk: "high",
  async prepare(db, conversation, agent, args) {
    if (!conversation.customerId) throw new ActionRefused("No customer account is linked to this conversation.");
    const paymentId = String(args.paymentId ?? "")
      .trim()
      .toUpperCase();
    const payment = await refundablePayment(db, conversation.customerId, paymentId).catch((err: unknown) => {
      throw err instanceof RefundRefused ? new ActionRefused(err.message) : err;
    });
    const amount = typeof args.amount === "number" ? args.amount : payment.amountCents / 100;
    const amountCents = Math.round(amount * 100);
    if (!(amountCents > 0) || amountCents > payment.amountCents) {
      throw new ActionRefused(
        `The refund must be more than 0 and at most ${formatMoney(payment.amountCents, payment.currency)}.`,
      );
    }
    const reason =
      String(args.reason ?? "")
        .trim()
        .slice(0, 200) || "refund requested";
    const [customer] = await db
      .select({ plan: customers.plan })
      .from(customers)
      .where(eq(customers.id, conversation.customerId));
    return {
      arguments: { paymentId: payment.id, amountCents, currency: payment.currency, reason },
      summary: `Refund ${formatMoney(amountCents, payment.currency)} of payment ${payment.id}${payment.invoiceId ? ` on ${payment.invoiceId}` : ""} (${reason})`,
      dedupeKey: `refund_payment:${payment.id}`,
      amountCents,
      context: { agent, plan: customer?.plan ?? "none", amount: amountBucket(amountCents) },
    };
  },
  async execute(tx, decision, conversation) {
    const args = decision.arguments as { paymentId: string; amountCents: number; currency: string; reason: string };
    const refund = await issueRefund(tx, {
      decisionId: decision.id,
      customerId: conversation.customerId!,
      paymentId: args.paymentId,
      amountCents: args.amountCents,
      reason: args.reason,
    });
    return {
      result: { refundId: refund.id, paymentId: refund.paymentId, amountCents: refund.amountCents },
      customerMessage: `Your refund of ${formatMoney(refund.amountCents, refund.currency)} for payment ${refund.paymentId} has been issued. It reaches your account in 3–5 business days.`,
    };
  },
};

const text = (value: unknown, max: number, fallback: string) =>
  String(value ?? "")
    .trim()
    .slice(0, max) || fallback;

/** Wraps an account module's refusal as one the model relays. */
async function account<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw err instanceof AccountChangeRefused ? new ActionRefused(err.message) : err;
  }
}

async function linkedCustomer(db: Queryable, conversation: Conversation) {
  if (!conversation.customerId) throw new ActionRefused("No customer account is linked to this conversation.");
  return account(() => customerById(db, conversation.customerId!));
}

const issueCredit: ActionDefinition = {
  name: "issue_credit",
  risk: "medium",
  async prepare(db, conversation, agent, args) {
    const customer = await linkedCustomer(db, conversation);
    const amountCents = Math.round(Number(args.amount) * 100);
    if (!(amountCents > 0) || amountCents > 50_000)
      throw new ActionRefused("A goodwill credit is more than 0 and at most €500.");
    const reason = text(args.reason, 200, "goodwill");
    // Auto's limit applies to the customer's credit this month, this one included.
    const monthTotal = (await creditThisMonth(db, customer.id)) + amountCents;
    return {
      arguments: { amountCents, reason },
      summary: `Goodwill credit of ${formatMoney(amountCents, "EUR")} for ${customer.name} (${reason})`,
      dedupeKey: `issue_credit:${conversation.id}`,
      amountCents: monthTotal,
      context: { agent, plan: customer.plan, amount: amountBucket(amountCents) },
    };
  },
  async execute(tx, decision, conversation) {
    const args = decision.arguments as { amountCents: number; reason: string };
    const credit = await account(() =>
      grantCredit(tx, { decisionId: decision.id, customerId: conversation.customerId!, ...args }),
    );
    return {
      result: { creditId: credit.id, amountCents: credit.amountCents },
      customerMessage: `A goodwill credit of ${formatMoney(credit.amountCents, credit.currency)} has been added to your account. It comes off your next invoice.`,
    };
  },
};

const changePlanAction: ActionDefinition = {
  name: "change_plan",
  risk: "medium",
  async prepare(db, conversation, agent, args) {
    const customer = await linkedCustomer(db, conversation);
    const toPlan = plans.find(
      (p) =>
        p.toLowerCase() ===
        String(args.plan ?? "")
          .trim()
          .toLowerCase(),
    );
    if (!toPlan) throw new ActionRefused(`Choose one of the plans: ${plans.join(", ")}.`);
    if (toPlan === customer.plan) throw new ActionRefused(`The account is already on the ${toPlan} plan.`);
    return {
      arguments: { plan: toPlan, reason: text(args.reason, 200, "customer request") },
      summary: `Change ${customer.name}'s plan from ${customer.plan} to ${toPlan}`,
      dedupeKey: `change_plan:${customer.id}`,
      amountCents: 0,
      context: { agent, plan: customer.plan, to: toPlan },
    };
  },
  async execute(tx, decision, conversation) {
    const args = decision.arguments as { plan: Plan; reason: string };
    const change = await account(() =>
      changePlan(tx, {
        decisionId: decision.id,
        customerId: conversation.customerId!,
        toPlan: args.plan,
        reason: args.reason,
      }),
    );
    return {
      result: { changeId: change.id, fromPlan: change.fromPlan, toPlan: change.toPlan },
      customerMessage: `Your plan is now ${change.toPlan} (it was ${change.fromPlan}). The change is prorated on your next invoice.`,
    };
  },
};

const cancelSubscriptionAction: ActionDefinition = {
  name: "cancel_subscription",
  risk: "high",
  async prepare(db, conversation, agent, args) {
    const customer = await linkedCustomer(db, conversation);
    if (customer.status === "cancelled") throw new ActionRefused("The subscription is already cancelled.");
    return {
      arguments: { reason: text(args.reason, 200, "customer request") },
      summary: `Cancel ${customer.name}'s ${customer.plan} subscription`,
      dedupeKey: `cancel_subscription:${customer.id}`,
      amountCents: 0,
      context: { agent, plan: customer.plan },
    };
  },
  async execute(tx, decision, conversation) {
    const args = decision.arguments as { reason: string };
    const change = await account(() =>
      cancelSubscription(tx, { decisionId: decision.id, customerId: conversation.customerId!, reason: args.reason }),
    );
    return {
      result: { changeId: change.id, fromPlan: change.fromPlan },
      customerMessage: `Your ${change.fromPlan} subscription is cancelled. You will not be charged again.`,
    };
  },
};

const sendReplacementAction: ActionDefinition = {
  name: "send_replacement",
  risk: "high",
  async prepare(db, conversation, agent, args) {
    const customer = await linkedCustomer(db, conversation);
    const device = text(args.device, 100, "");
    if (!device) throw new ActionRefused("Say which device to replace.");
    return {
      arguments: { device, reason: text(args.reason, 200, "faulty device") },
      summary: `Send ${customer.name} a replacement ${device}`,
      dedupeKey: `send_replacement:${conversation.id}:${device.toLowerCase()}`,
      amountCents: 0,
      context: { agent, plan: customer.plan, protection: customer.protectionPlan ? "yes" : "no" },
    };
  },
  async execute(tx, decision, conversation) {
    const args = decision.arguments as { device: string; reason: string };
    const { replacement } = await account(() =>
      sendReplacement(tx, { decisionId: decision.id, customerId: conversation.customerId!, ...args }),
    );
    return {
      result: { replacementId: replacement.id },
      customerMessage: `A replacement ${replacement.device} is on its way: your return reference is ${replacement.id}. You'll get the shipping label by email.`,
    };
  },
};

const createTicketAction: ActionDefinition = {
  name: "create_ticket",
  risk: "medium",
  async prepare(db, conversation, agent, args) {
    const { state } = await confirmedCase(db, conversation.id);
    const priority = String(args.priority) as Priority;
    const department = String(args.department) as Department;
    return {
      arguments: { description: text(args.description, 2000, state.reason), department, priority },
      summary: `Open a ${priority} ${department} ticket: ${state.reason}${state.escalate ? " (and bring in a person)" : ""}`,
      dedupeKey: `create_ticket:${conversation.id}:${state.summaryAtSeq ?? 0}`,
      amountCents: 0,
      context: { agent, priority, department },
    };
  },
  async execute(tx, decision, conversation, batch) {
    const args = decision.arguments as { description: string; department: Department; priority: Priority };
    const result = await openCaseTicket(
      tx,
      batch,
      { conversationId: conversation.id, customerId: conversation.customerId, agent: decision.agent },
      args,
    );
    return {
      result,
      // When a person approved it later, the model is not there to say so: Tandem tells the customer.
      customerMessage: decision.decidedBy
        ? `Your ticket ${result.ticketId} is open with our ${result.department} team (${result.priority} priority).`
        : null,
    };
  },
};

const resolveConversationAction: ActionDefinition = {
  name: "resolve_conversation",
  risk: "low",
  async prepare(_db, conversation, agent, args) {
    const reason = text(args.reason, 200, "the customer's question is answered");
    return {
      arguments: { reason },
      summary: `Close this conversation (${reason})`,
      dedupeKey: `resolve_conversation:${conversation.id}`,
      amountCents: 0,
      context: { agent },
    };
  },
  async execute(tx, _decision, conversation, batch) {
    await closeConversation(
      tx,
      batch,
      conversation.id,
      "This conversation is now closed. If you need anything else, start a new one at any time.",
    );
    return { result: { resolved: true }, customerMessage: null };
  },
};

export const actions: Record<string, ActionDefinition> = {
  create_ticket: createTicketAction,
  resolve_conversation: resolveConversationAction,
  refund_payment: refundPayment,
  issue_credit: issueCredit,
  change_plan: changePlanAction,
  cancel_subscription: cancelSubscriptionAction,
  send_replacement: sendReplacementAction,
};

/** The agents' actions and the conductor's interventions, by name. */
export function getAction(name: string): ActionDefinition | undefined {
  if (Object.hasOwn(actions, name)) return actions[name];
  return Object.hasOwn(interventionActions, name)
    ? interventionActions[name as keyof typeof interventionActions]
    : undefined;
}

/** Every action's name: the agents' first, then the conductor's. */
export const actionNames = () => [...Object.keys(actions), ...Object.keys(interventionActions)];
