/**
 * A small external agent (a voice bot, say) that hands a hard question to Tandem's people:
 * it creates an escalation with the conversation so far, prints the team's answer as it
 * arrives over the escalationEvents subscription, and exits.
 *
 *   TANDEM_URL=http://localhost:3000 TANDEM_API_KEY=tdm_… node --import tsx examples/external-agent.ts
 *
 * The key needs the escalations:write scope (Dashboard → Developers). The operations are typed
 * document nodes generated from the schema (examples/operations/, `npm run codegen`).
 */
import { tandemClient } from "./client.ts";
import { CreateEscalationDocument, EscalationEventsDocument } from "./generated/graphql.ts";

const url = process.env.TANDEM_URL ?? "http://localhost:3000";
const apiKey = process.env.TANDEM_API_KEY;
if (!apiKey) {
  console.error("Set TANDEM_API_KEY to a key with the escalations:write scope.");
  process.exit(2);
}

const question = "Should I accept this 10,000 euro offer?";
const tandem = tandemClient({ url, token: apiKey });

const { createEscalation } = await tandem.request(CreateEscalationDocument, {
  input: {
    externalConversationId: `example-${Date.now()}`,
    customerName: "Sam (phone)",
    customerContact: "+1 555 0100",
    reason: "Asks for financial advice the bot may not give",
    summary: `The caller asks: "${question}" The bot does not give financial advice.`,
    priority: "HIGH",
    transcript: [
      { role: "CUSTOMER", content: question },
      { role: "AGENT", content: "That's one for a person. I'm asking someone from the team now." },
    ],
  },
});
const escalationId = createEscalation.escalation.id;
console.log(`Escalated as ${escalationId}. Waiting for a person…`);

let answered = false;
for await (const { escalationEvents: event } of tandem.subscribe(EscalationEventsDocument, {
  escalationId,
  after: 0,
})) {
  if (event.type === "OPERATOR_JOINED") console.log("A person joined.");
  // Replies arrive whole (MESSAGE_CREATED); the first one from a person is the answer.
  if (event.message?.role === "OPERATOR" && event.type === "MESSAGE_CREATED") {
    console.log(`${event.message.authorName ?? "Support"}: ${event.message.content}`);
    answered = true;
    break;
  }
  if (event.status === "RESOLVED") break;
}
await tandem.dispose();
process.exit(answered ? 0 : 1);
