import { extractEntities } from "./nlp.ts";
import type { SummaryLine, SummarySource } from "../summary.ts";
import { readCaseDetails, readMessage, type Intent } from "./read.ts";

/**
 * The offline model's case summary. It reads the same transcript a hosted model would get (one
 * line per message or tool result) and answers with the same JSON shape, built from what it can
 * find: the customer's first real request, entities (invoice, amount, device, ticket), the tools
 * the agents used and what the customer said they tried, and who must act next.
 */

type Line = SummaryLine;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text);

const smallTalk = new Set<Intent>(["greeting", "thanks", "affirm", "deny", "cancel", "human", "injection"]);

const wantsByIntent: Partial<Record<Intent, string>> = {
  billing: "Help with billing",
  technical: "Technical help",
  sales: "Help with plans or pricing",
  knowledge: "An answer from the help centre",
  ticket_status: "An update on a ticket",
  service_status: "To know whether a service is down",
  complaint: "To make a complaint",
  not_helped: "A fix that works (earlier help did not)",
  authority: "Advice the team must give in person",
};

const toolDone: Record<string, string> = {
  lookup_account: "Looked up the account",
  check_system_status: "Checked the service status",
  search_knowledge: "Searched the help centre",
  get_ticket_status: "Checked the ticket's status",
  create_ticket: "Created a ticket",
  update_ticket: "Updated the ticket",
  update_case: "Collected the case details",
  escalate_to_human: "Asked for a person",
  refund_payment: "Asked for a refund",
  issue_credit: "Asked for a credit",
  change_plan: "Asked to change the plan",
  cancel_subscription: "Asked to cancel the subscription",
  send_replacement: "Asked to send a replacement",
  resolve_conversation: "Proposed to close the conversation",
};

export function offlineSummary(source: SummarySource): {
  wants: string;
  facts: Array<{ label: string; value: string }>;
  tried: string[];
  pending: string;
} {
  const lines: Line[] = source.lines;
  const customer = lines.filter((l) => l.who === "customer");

  // What the customer wants: their first message that is more than small talk.
  const readings = customer.map((l) => ({ line: l, reading: readMessage(l.text) }));
  const first = readings.find((r) => !smallTalk.has(r.reading.intent) && r.line.text.trim().length >= 8);
  const askedForPerson = readings.some((r) => r.reading.intent === "human");
  const wants = first
    ? `${wantsByIntent[first.reading.intent] ?? "Help"}: “${clip(first.line.text.trim(), 160)}”`
    : askedForPerson
      ? "To talk to a person (no details given yet)"
      : customer[0]
        ? `Not clear yet: “${clip(customer[0].text.trim(), 160)}”`
        : "Not clear yet: the customer has not written";

  // Facts: what the header knows, then entities from the customer's words and the tools' results.
  const facts: Array<{ label: string; value: string }> = [];
  const add = (label: string, value: string) => {
    if (facts.length < 10 && !facts.some((f) => f.label === label && f.value === value))
      facts.push({ label, value: clip(value, 160) });
  };
  if (source.account) add("Account", `${source.account.name}, ${source.account.plan} plan`);
  for (const t of source.tickets) add("Ticket", `${t.id} · ${t.subject} (${t.status.replace(/_/g, " ")})`);
  const said = customer.map((l) => l.text).join("\n");
  const entities = extractEntities(said.slice(0, 4000));
  const toolText = lines
    .filter((l) => l.who === "tool")
    .map((l) => l.text)
    .join("\n");
  const toolEntities = extractEntities(toolText.slice(0, 4000));
  for (const id of new Set([...entities.invoices, ...toolEntities.invoices])) add("Invoice", id);
  for (const amount of entities.amounts.slice(0, 3)) add("Amount", amount);
  for (const device of entities.devices.slice(0, 1)) add("Device", device);
  for (const id of new Set([...entities.ticketIds, ...toolEntities.ticketIds]))
    if (!facts.some((f) => f.value.startsWith(id))) add("Ticket", id);

  // What was tried: tools the agents used, the team's replies, and what the customer says they did.
  const tried: string[] = [];
  const note = (text: string) => {
    if (tried.length < 8 && !tried.includes(text)) tried.push(clip(text, 200));
  };
  for (const l of lines) {
    if (l.who === "tool") {
      if (l.name.startsWith("transfer_to_")) note(`Transferred to the ${l.name.slice("transfer_to_".length)} agent`);
      else note(toolDone[l.name] ?? `Used ${l.name}`);
    } else if (l.who === "operator") note(`${l.name || "An operator"} replied`);
  }
  for (const r of readings) {
    const details = readCaseDetails(r.line.text, r.reading.entities);
    if (details.tried && details.tried !== "nothing yet") note(`Customer tried: ${details.tried}`);
  }
  if (!tried.length) note("Nothing yet");

  // Who must act: from the status, and whether the customer had the last word.
  const status = source.status.replace("_", " ");
  const spoken = lines.filter((l) => l.who === "customer" || l.who === "agent" || l.who === "operator");
  const last = spoken.at(-1);
  const lastWord = last?.who === "customer" ? ` Their last message: “${clip(last.text.trim(), 120)}”` : "";
  const pending =
    status === "waiting human"
      ? `A person needs to pick this up.${lastWord}`
      : status === "with human"
        ? last?.who === "customer"
          ? `The customer is waiting for the team's reply.${lastWord}`
          : "Waiting for the customer to answer the team."
        : status === "resolved"
          ? "Nothing: the conversation is resolved."
          : "The AI agent is handling it.";
  return { wants: clip(wants, 300), facts, tried, pending: clip(pending, 300) };
}
