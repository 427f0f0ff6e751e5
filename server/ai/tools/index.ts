import { zodSchema, type ToolSet } from "ai";
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

/**
 * Each tool's input schema, converted to JSON Schema once per process: a tool's schema depends on
 * its name alone, while the tool itself is bound to a conversation and built for every answer,
 * and converting the zod schemas on every model call cost about a tenth of an answer's CPU.
 */
const schemas = new Map<string, ReturnType<typeof zodSchema>>();

function withCachedSchema(name: string, built: ToolSet[string]): ToolSet[string] {
  const input = built.inputSchema as Parameters<typeof zodSchema>[0];
  let schema = schemas.get(name);
  if (!schema) schemas.set(name, (schema = zodSchema(input)));
  return { ...built, inputSchema: schema } as ToolSet[string];
}

/**
 * The tools an agent holds, bound to one conversation, plus one transfer tool per allowed handoff.
 * Made for every turn, so each tool's input schema is a module-level constant: building the zod
 * schemas here cost a few percent of the CPU of a burst of replies.
 */
export function buildTools(agent: AgentDefinition, ctx: ToolContext): ToolSet {
  const set: ToolSet = {};
  for (const name of agent.tools) set[name] = withCachedSchema(name, factories[name](ctx));
  for (const target of agent.handoffs) {
    const name = transferToolName(target);
    set[name] = withCachedSchema(name, transferTo(ctx, agents[target]));
  }
  return set;
}
