import { and, eq, ne } from "drizzle-orm";
import { z } from "zod";
import { conversations, messages, type Conversation } from "../../drizzle/schema.ts";
import { generateToken, hashToken } from "../auth/tokens.ts";
import type { Config } from "../config.ts";
import { parseMessageInput, postMessage, tellOwnerOfReply, type ConversationDeps } from "../conversations/service.ts";
import { createChannelConversation } from "../conversations/transitions.ts";
import { AppError, badInput, conflict, forbidden, notFound, unauthenticated } from "../errors.ts";
import { validWhatsAppSignature } from "./signature.ts";

/**
 * The WhatsApp channel's way in (Cloud API webhooks). Each sender number has one open
 * conversation; its messages are customer messages like the web chat's, idempotent by WhatsApp's
 * message id (Meta retries deliveries), and the agents and operators answer as in the web chat.
 */

/** Meta's verification handshake: the challenge back when the mode and token match. */
export function verifySubscription(config: Config["whatsapp"], query: Record<string, unknown>): string {
  if (!config.enabled || !config.verifyToken) throw notFound("WhatsApp channel");
  if (query["hub.mode"] !== "subscribe" || query["hub.verify_token"] !== config.verifyToken)
    throw forbidden("The verify token does not match.");
  const challenge = query["hub.challenge"];
  if (typeof challenge !== "string" || !challenge || challenge.length > 200)
    throw badInput("hub.challenge is required.", "hub.challenge");
  return challenge;
}

const webhookSchema = z.object({
  object: z.string(),
  entry: z
    .array(
      z.object({
        changes: z
          .array(
            z.object({
              field: z.string(),
              value: z
                .object({
                  contacts: z
                    .array(
                      z.object({ wa_id: z.string(), profile: z.object({ name: z.string() }).partial().optional() }),
                    )
                    .optional(),
                  messages: z
                    .array(
                      z.object({
                        from: z.string().regex(/^\d{4,20}$/),
                        id: z.string().min(1).max(200),
                        type: z.string(),
                        text: z.object({ body: z.string() }).optional(),
                      }),
                    )
                    .optional(),
                })
                .loose(),
            }),
          )
          .max(100),
      }),
    )
    .max(100),
});

export interface InboundMessage {
  waId: string;
  name: string | null;
  wamid: string;
  content: string;
}

/**
 * Checks the signature on the raw body first (anything unsigned or forged is refused with 401 and
 * changes nothing), then reads the text messages out of the payload. Other kinds are kept as a
 * line saying what was sent, so the team knows.
 */
export function readWebhook(
  config: Config["whatsapp"],
  rawBody: Buffer,
  signature: string | undefined,
): InboundMessage[] {
  if (!config.enabled || !config.appSecret) throw notFound("WhatsApp channel");
  if (!validWhatsAppSignature(config.appSecret, rawBody, signature))
    throw unauthenticated("The X-Hub-Signature-256 signature does not match.");
  let json: unknown;
  try {
    json = JSON.parse(rawBody.toString("utf8"));
  } catch {
    throw badInput("The body is not JSON.");
  }
  const parsed = webhookSchema.safeParse(json);
  if (!parsed.success) throw badInput("Not a WhatsApp Cloud API webhook.");
  const out: InboundMessage[] = [];
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== "messages") continue;
      const names = new Map((change.value.contacts ?? []).map((c) => [c.wa_id, c.profile?.name ?? null]));
      for (const m of change.value.messages ?? []) {
        const content =
          m.type === "text" && m.text ? m.text.body : `(sent a ${m.type} message, which Tandem cannot show)`;
        out.push({ waId: m.from, name: names.get(m.from)?.slice(0, 100) || null, wamid: m.id, content });
      }
    }
  }
  return out;
}

/** The sender's open WhatsApp conversation, opened on their first message (one per number, even under retries). */
async function conversationFor(deps: Pick<ConversationDeps, "db" | "customerTokenTtlMs">, msg: InboundMessage) {
  const open = () =>
    deps.db
      .select()
      .from(conversations)
      .where(
        and(
          eq(conversations.channel, "whatsapp"),
          eq(conversations.externalId, msg.waId),
          ne(conversations.status, "resolved"),
        ),
      )
      .limit(1);
  const [existing] = await open();
  if (existing) return existing;
  const created = await deps.db.transaction((tx) =>
    createChannelConversation(tx, {
      channel: "whatsapp",
      tokenHash: hashToken(generateToken("ct")),
      tokenExpiresAt: new Date(),
      customerName: msg.name,
      externalId: msg.waId,
      externalContact: `+${msg.waId}`,
    }),
  );
  if (created) return created;
  const [raced] = await open();
  if (!raced) throw conflict("Could not open the WhatsApp conversation.");
  return raced;
}

/** Stores one inbound message exactly once, then lets the AI take its turn (or tells the operator who owns it). */
export async function receiveWhatsAppMessage(
  deps: ConversationDeps,
  msg: InboundMessage,
): Promise<{ conversation: Conversation; duplicate: boolean }> {
  // Meta retries: a message id already stored (in any WhatsApp conversation) is answered with it.
  const [seen] = await deps.db
    .select({ conversation: conversations })
    .from(messages)
    .innerJoin(conversations, eq(conversations.id, messages.conversationId))
    .where(and(eq(messages.clientMessageId, msg.wamid), eq(conversations.channel, "whatsapp")))
    .limit(1);
  if (seen) return { conversation: seen.conversation, duplicate: true };
  const body = parseMessageInput(deps.maxMessageLength, {
    content: msg.content.slice(0, deps.maxMessageLength),
    clientMessageId: msg.wamid,
  });
  for (let attempt = 0; ; attempt++) {
    const conversation = await conversationFor(deps, msg);
    try {
      const result = await postMessage(
        deps,
        conversation.id,
        { role: "customer", authorName: conversation.customerName },
        body,
        (c) => {
          if (c.status === "resolved") throw conflict("resolved meanwhile");
        },
        () => deps.rateLimits.sendMessage.take(`customer:${conversation.id}`),
      );
      if (!result.duplicate) {
        deps.onCustomerMessage?.(result.conversation, result.message);
        tellOwnerOfReply(deps.bus, result.conversation, result.message);
      }
      return { conversation: result.conversation, duplicate: result.duplicate };
    } catch (error) {
      // Resolved between the lookup and the write: the message opens a new conversation.
      if (attempt === 0 && error instanceof AppError && error.code === "CONFLICT") continue;
      throw error;
    }
  }
}
