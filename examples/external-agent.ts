/**
 * A small external agent (a voice bot, say) that hands a hard question to Tandem's people:
 * it creates an escalation with the conversation so far, prints the team's answer as it
 * arrives over the escalationEvents subscription, and exits.
 *
 *   TANDEM_URL=http://localhost:3000 TANDEM_API_KEY=tdm_… node --import tsx examples/external-agent.ts
 *
 * The key needs the escalations:write scope (Dashboard → Developers).
 */
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const url = (process.env.TANDEM_URL ?? "http://localhost:3000").replace(/\/$/, "");
const apiKey = process.env.TANDEM_API_KEY;
if (!apiKey) {
  console.error("Set TANDEM_API_KEY to a key with the escalations:write scope.");
  process.exit(2);
}

const question = "Should I accept this 10,000 euro offer?";

async function graphql<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const response = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (!body.data) throw new Error(body.errors?.map((e) => e.message).join("; ") ?? `HTTP ${response.status}`);
  return body.data;
}

const { createEscalation } = await graphql<{
  createEscalation: { escalation: { id: string }; duplicate: boolean };
}>(
  `
    mutation ($input: CreateEscalationInput!) {
      createEscalation(input: $input) {
        escalation {
          id
        }
        duplicate
      }
    }
  `,
  {
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
  },
);
const escalationId = createEscalation.escalation.id;
console.log(`Escalated as ${escalationId}. Waiting for a person…`);

const client = createClient({
  url: `${url.replace(/^http/, "ws")}/graphql`,
  webSocketImpl: WebSocket,
  connectionParams: { apiKey },
});

type Event = {
  type: string;
  status: string | null;
  message: { role: string; content: string; authorName: string | null } | null;
};
const events = client.iterate<{ escalationEvents: Event }>({
  query: `subscription ($id: ID!) { escalationEvents(escalationId: $id, after: 0) { type status message { role content authorName } } }`,
  variables: { id: escalationId },
});

let answered = false;
for await (const result of events) {
  const event = result.data?.escalationEvents;
  if (!event) throw new Error(JSON.stringify(result.errors));
  if (event.type === "OPERATOR_JOINED") console.log("A person joined.");
  // Replies arrive whole (message_created); the first one from a person is the answer.
  if (event.message?.role === "OPERATOR" && event.type === "MESSAGE_CREATED") {
    console.log(`${event.message.authorName ?? "Support"}: ${event.message.content}`);
    answered = true;
    break;
  }
  if (event.status === "RESOLVED") break;
}
await client.dispose();
process.exit(answered ? 0 : 1);
