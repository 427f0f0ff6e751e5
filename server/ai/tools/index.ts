import type { ToolSet } from "ai";
import { agents, type AgentDefinition, type ToolName } from "../agents.ts";
import { checkSystemStatus } from "./check-system-status.ts";
import type { ToolContext } from "./context.ts";
import { createTicketTool } from "./create-ticket.ts";
import { escalateToHuman } from "./escalate-to-human.ts";
import { getTicketStatus } from "./get-ticket-status.ts";
import { lookupAccount } from "./lookup-account.ts";
import { searchKnowledgeTool } from "./search-knowledge.ts";
import { transferTo, transferToolName } from "./transfer.ts";
import { updateCase } from "./update-case.ts";
import { updateTicket } from "./update-ticket.ts";
import {
  cancelSubscription,
  changePlan,
  issueCredit,
  refundPayment,
  resolveConversationTool,
  sendReplacementTool,
} from "./gated.ts";

const factories: Record<ToolName, (ctx: ToolContext) => ToolSet[string]> = {
  lookup_account: lookupAccount,
  check_system_status: checkSystemStatus,
  create_ticket: createTicketTool,
  get_ticket_status: getTicketStatus,
  update_ticket: updateTicket,
  search_knowledge: searchKnowledgeTool,
  escalate_to_human: escalateToHuman,
  update_case: updateCase,
  refund_payment: refundPayment,
  issue_credit: issueCredit,
  change_plan: changePlan,
  cancel_subscription: cancelSubscription,
  send_replacement: sendReplacementTool,
  resolve_conversation: resolveConversationTool,
};

/** The tools an agent holds, bound to one conversation, plus one transfer tool per allowed handoff. */
export function buildTools(agent: AgentDefinition, ctx: ToolContext): ToolSet {
  const set: ToolSet = {};
  for (const name of agent.tools) set[name] = factories[name](ctx);
  for (const target of agent.handoffs) set[transferToolName(target)] = transferTo(ctx, agents[target]);
  return set;
}
