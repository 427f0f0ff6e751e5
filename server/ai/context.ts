import { eq } from "drizzle-orm";
import { customers, type Conversation, type Message } from "../../drizzle/schema.ts";
import type { Queryable } from "../db/client.ts";
import type { AgentDefinition } from "./agents.ts";
import { isOpenCase, missingDetails, readCase, summarise } from "./case.ts";

/**
 * The agent's instructions plus facts Tandem knows about the conversation. The same text goes
 * to a hosted LLM and to the offline model; it comes from the database, never from the
 * customer's messages.
 */
export async function buildSystemPrompt(
  db: Queryable,
  agent: AgentDefinition,
  conversation: Conversation,
  history: Message[] = [],
): Promise<string> {
  const lines = [`Current agent: ${agent.key}`];
  if (conversation.customerId) {
    const [c] = await db.select().from(customers).where(eq(customers.id, conversation.customerId)).limit(1);
    lines.push(c ? `Customer: ${c.name} <${c.email}>, ${c.plan} plan, protection plan: ${c.protectionPlan ? "yes" : "no"}` : "Customer: none linked");
  } else {
    lines.push("Customer: none linked (account tools will not find an account)");
  }
  const c = readCase(conversation.workflow);
  if (c && isOpenCase(c)) {
    const confirmed = (conversation.workflow as { case?: { confirmed?: boolean } }).case?.confirmed === true;
    lines.push(
      `Open case: step=${confirmed ? "ticket" : c.step}; department=${c.department}; priority=${c.priority}; escalate=${c.escalate}; missing=${missingDetails(c).join(",") || "none"}; summary=${summarise(c)}`,
    );
  } else if (c?.step === "done" && c.ticketId) {
    lines.push(`Last case: ticket ${c.ticketId} created`);
  }
  // System lines (transfers, escalations, operator notes) are not chat turns; the model learns
  // of the recent ones here.
  const lastCustomer = history.findLastIndex((m) => m.role === "customer");
  for (const m of history.slice(Math.max(0, lastCustomer - 2)).filter((x) => x.role === "system")) lines.push(`Notice: ${m.content}`);
  const last = history.at(-1);
  const handBack = last?.role === "system" ? /^(.+) handed the conversation back to .+?(?:\. Note: (.*))?$/s.exec(last.content) : null;
  if (handBack) {
    lines.push(`Hand-back from operator ${handBack[1]}: ${handBack[2] ?? "(no note)"}. Acknowledge the note to the customer and continue from it.`);
  }
  return `${agent.instructions}\n\nConversation facts (from Tandem, not from the customer):\n${lines.map((l) => `- ${l}`).join("\n")}`;
}
