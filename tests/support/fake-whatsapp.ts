import { createServer, type Server } from "node:http";
import { signWhatsApp } from "../../server/whatsapp/signature.ts";

export const PHONE_NUMBER_ID = "106540352242922";
export const ACCESS_TOKEN = "EAAG-fake-access-token-for-tests";
export const APP_SECRET = "fake-app-secret-0123456789";
export const VERIFY_TOKEN = "verify-me-0123";

export interface SentMessage {
  to: string;
  body: string;
  wamid: string;
}

/**
 * A fake WhatsApp Cloud API on localhost. It checks what the real one checks of a text message
 * (the path with the phone number id, the bearer token, the JSON shape) and answers as it does;
 * `failNext` makes it answer 500 that many times, `down` 503 until lifted.
 */
export async function startFakeWhatsApp() {
  const sent: SentMessage[] = [];
  const refused: Array<{ status: number; reason: string }> = [];
  const state = { failNext: 0, down: false };
  let counter = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const answer = (status: number, body: unknown, reason?: string) => {
        if (reason) refused.push({ status, reason });
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      };
      const error = (status: number, message: string) =>
        answer(status, { error: { message, type: "OAuthException", code: status } }, message);
      if (req.method !== "POST" || req.url !== `/v21.0/${PHONE_NUMBER_ID}/messages`) return error(404, "Unknown path");
      if (req.headers.authorization !== `Bearer ${ACCESS_TOKEN}`) return error(401, "Invalid OAuth access token");
      if (!String(req.headers["content-type"]).startsWith("application/json")) return error(400, "Not JSON");
      if (state.down) return error(503, "Service temporarily unavailable");
      if (state.failNext > 0) {
        state.failNext--;
        return error(500, "An unexpected error has occurred");
      }
      let body: {
        messaging_product?: string;
        to?: string;
        type?: string;
        text?: { body?: string };
      };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      } catch {
        return error(400, "Invalid JSON");
      }
      if (body.messaging_product !== "whatsapp" || body.type !== "text" || !body.to || !body.text?.body)
        return error(400, "Invalid parameter");
      const wamid = `wamid.fake-${++counter}`;
      sent.push({ to: body.to, body: body.text.body, wamid });
      answer(200, {
        messaging_product: "whatsapp",
        contacts: [{ input: body.to, wa_id: body.to }],
        messages: [{ id: wamid }],
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    apiUrl: `http://127.0.0.1:${port}/v21.0`,
    sent,
    refused,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A Cloud API webhook body with one text message, as Meta sends it. */
export function inboundText(from: string, name: string, wamid: string, text: string) {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "102290129340398",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "15550783881", phone_number_id: PHONE_NUMBER_ID },
              contacts: [{ profile: { name }, wa_id: from }],
              messages: [
                {
                  from,
                  id: wamid,
                  timestamp: String(Math.floor(Date.now() / 1000)),
                  type: "text",
                  text: { body: text },
                },
              ],
            },
          },
        ],
      },
    ],
  });
}

/** POSTs a webhook body to Tandem as Meta does, signed with the app secret (or with the signature given). */
export function deliverInbound(baseUrl: string, body: string, signature = signWhatsApp(APP_SECRET, body)) {
  return fetch(`${baseUrl}/webhooks/whatsapp`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signature },
    body,
  });
}
