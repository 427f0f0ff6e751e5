import type { ApiScope } from "../../drizzle/schema.ts";

/** Who is asking. Every resolver, loader and subscription decides from this alone. */
export type Actor =
  | { kind: "customer"; conversationId: string }
  | { kind: "operator"; operatorId: string; role: "operator" | "admin"; name: string; mustChangePassword?: boolean }
  /** A third party calling with an API key: it may do what its scopes grant, and never acts as a person. */
  | { kind: "integration"; apiKeyId: string; name: string; scopes: readonly ApiScope[]; rateLimitPerMinute: number }
  | { kind: "anonymous" };

export const anonymous: Actor = { kind: "anonymous" };
