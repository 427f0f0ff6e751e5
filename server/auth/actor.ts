/** Who is asking. Every resolver, loader and subscription decides from this alone. */
export type Actor =
  | { kind: "customer"; conversationId: string }
  | { kind: "operator"; operatorId: string; role: "operator" | "admin"; name: string; mustChangePassword?: boolean }
  | { kind: "anonymous" };

export const anonymous: Actor = { kind: "anonymous" };
