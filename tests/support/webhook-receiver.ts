import { createServer, type Server } from "node:http";
import { verify } from "../../server/webhooks/signing.ts";

export interface Received {
  id: string;
  type: string;
  createdAt: string;
  data: Record<string, unknown>;
  signatureValid: boolean;
  headers: { eventId: string | undefined; eventType: string | undefined };
}

/**
 * A webhook receiver on localhost that does what a real one should: reads the raw body, verifies
 * Tandem-Signature with the shared secret (rejecting stale timestamps), and answers 2xx. It can
 * be told to fail: `failNext` answers 500 that many times, `down` answers 503 until lifted.
 */
export async function startReceiver(secret: string) {
  const received: Received[] = [];
  const attempts: Array<{ status: number; eventId: string | undefined }> = [];
  const state = { failNext: 0, down: false };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const eventId = req.headers["tandem-event-id"] as string | undefined;
      let status = 200;
      if (state.down) status = 503;
      else if (state.failNext > 0) {
        state.failNext--;
        status = 500;
      } else {
        const body = JSON.parse(raw) as { id: string; type: string; createdAt: string; data: Record<string, unknown> };
        const signatureValid = verify(secret, raw, req.headers["tandem-signature"] as string | undefined);
        if (!signatureValid) status = 400;
        received.push({
          ...body,
          signatureValid,
          headers: { eventId, eventType: req.headers["tandem-event-type"] as string | undefined },
        });
      }
      attempts.push({ status, eventId });
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks/tandem`,
    received,
    attempts,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
