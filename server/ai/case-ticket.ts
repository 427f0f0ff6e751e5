import type { Department, Priority } from "../../drizzle/schema.ts";
import type { Queryable, Transaction } from "../db/client.ts";
import type { EventBatch } from "../conversations/log.ts";
import { lockConversation, setWorkflow } from "../conversations/transitions.ts";
import { escalateConversation } from "../escalations/service.ts";
import { createTicket, departmentLabels } from "../tickets/service.ts";
import { ActionRefused } from "../autonomy/refusal.ts";
import { customerConfirmed, readCase, summarise, type CaseState } from "./case.ts";
import { customerRepliesAfter } from "./tools/update-case.ts";

/**
 * The case the customer confirmed, checked from the stored messages (their own "yes" after the
 * summary), with the conversation locked; otherwise ActionRefused with what to do first.
 */
export async function confirmedCase(
  tx: Queryable,
  conversationId: string,
): Promise<{ state: CaseState; workflow: Record<string, unknown> }> {
  const conversation = await lockConversation(tx as Transaction, conversationId);
  const state = readCase(conversation.workflow);
  const confirmed =
    !!state && customerConfirmed(state, await customerRepliesAfter(tx, conversationId, state.summaryAtSeq));
  if (!state || state.step !== "confirm" || !confirmed) {
    throw new ActionRefused(
      "The customer has not confirmed the case summary yet. Summarise it and ask them to confirm first.",
    );
  }
  return { state, workflow: conversation.workflow ?? {} };
}

/** Opens the confirmed case's ticket (and escalates it when the case says so), closing the case. */
export async function openCaseTicket(
  tx: Transaction,
  batch: EventBatch,
  who: { conversationId: string; customerId: string | null; agent: string },
  input: { description: string; department: Department; priority: Priority },
) {
  const { state, workflow } = await confirmedCase(tx, who.conversationId);
  const ticket = await createTicket(tx, {
    customerId: who.customerId,
    conversationId: who.conversationId,
    department: input.department,
    priority: input.priority,
    subject: state.reason,
    description: `${summarise(state)}. ${input.description}`,
    actor: `agent:${who.agent}`,
  });
  if (state.escalate) {
    await escalateConversation(tx, batch, {
      conversationId: who.conversationId,
      reason: state.reason,
      summary: summarise(state),
      priority: input.priority,
      agent: who.agent,
      ticketId: ticket.id,
    });
  }
  await setWorkflow(tx, who.conversationId, {
    ...workflow,
    case: { ...state, step: "done", ticketId: ticket.id, confirmed: true },
  });
  return {
    ticketId: ticket.id,
    department: departmentLabels[ticket.department],
    priority: ticket.priority,
    status: ticket.status,
    escalated: state.escalate,
  };
}
