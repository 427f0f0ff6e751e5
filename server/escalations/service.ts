import type { Escalation, Priority } from "../../drizzle/schema.ts";
import { markWaitingForHuman } from "../conversations/transitions.ts";
import { offer, openEscalation } from "./lifecycle.ts";
import type { Transaction } from "../db/client.ts";
import type { EventBatch } from "../conversations/log.ts";
import { insertMessage } from "../conversations/messages.ts";
import { anyOperatorOnline, availableOperators, getAssignmentSettings, keepForLater } from "./assignment.ts";

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
  await insertMessage(tx, batch, input.conversationId, {
    role: "system",
    content: `Escalated to a human (${input.priority} priority): ${input.reason}`,
  });

  const { mode } = await getAssignmentSettings(tx);
  const [assignee] = mode === "auto" ? await availableOperators(tx) : [];
  if (assignee) {
    await offer(tx, row.id, assignee.id);
    await batch.append(tx, input.conversationId, "assignment", {
      escalationId: row.id,
      operatorId: assignee.id,
      note: `Assigned to ${assignee.name}`,
    });
  } else if (!(await anyOperatorOnline(tx))) {
    await keepForLater(tx, batch, row, conversation.customerId);
  }
  return row;
}
