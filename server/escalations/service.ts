import type { Escalation, Priority } from "../../drizzle/schema.ts";
import { markWaitingForHuman } from "../conversations/transitions.ts";
import { offer, openEscalation } from "./lifecycle.ts";
import type { Transaction } from "../db/client.ts";
import type { EventBatch } from "../conversations/log.ts";
import {
  anyOperatorOnline,
  availableOperators,
  getAssignmentSettings,
  keepForLater,
  noticeOfOffer,
} from "./assignment.ts";

/**
 * Hands a conversation to the humans: an escalation row, the conversation waiting for a human,
 * and the events every inbox and the customer's chat react to.
 */
export async function escalateConversation(
  tx: Transaction,
  batch: EventBatch,
  input: {
    conversationId: string;
    reason: string;
    summary: string;
    priority: Priority;
    agent: string;
    ticketId?: string | null;
  },
): Promise<Escalation> {
  const row = await openEscalation(tx, input);
  const conversation = await markWaitingForHuman(tx, input.conversationId);
  await batch.append(tx, input.conversationId, "escalation", {
    escalationId: row.id,
    note: input.reason,
    priority: input.priority,
  });
  await batch.append(tx, input.conversationId, "status_changed", { status: "waiting_human" });
  // No line for the customer here: the agent tells them in its own words, and their chat shows
  // that a person has been asked to join. Reason and priority are the team's.

  const { mode } = await getAssignmentSettings(tx);
  const [assignee] = mode === "auto" ? await availableOperators(tx) : [];
  if (assignee) {
    await offer(tx, row.id, assignee.id);
    await batch.append(tx, input.conversationId, "assignment", {
      escalationId: row.id,
      operatorId: assignee.id,
      note: `Assigned to ${assignee.name}`,
    });
    await noticeOfOffer(tx, batch, row, assignee.id);
  } else if (!(await anyOperatorOnline(tx))) {
    await keepForLater(tx, batch, row, conversation.customerId);
  }
  return row;
}
