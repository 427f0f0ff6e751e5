import type { Database } from "../../db/client.ts";
import type { EventBus } from "../../events/bus.ts";
import type { AgentDefinition } from "../agents.ts";

/**
 * What a tool knows about the conversation it acts for. The customer comes from the
 * conversation record, never from anything the customer typed.
 */
export interface ToolContext {
  db: Database;
  bus: EventBus;
  conversationId: string;
  customerId: string | null;
  agent: AgentDefinition;
}

/** Every tool answers with data or with `{ error }`: a refusal the model must relay, not invent around. */
export type ToolError = { error: string };
