import express, { type Router } from "express";
import { AppError } from "../errors.ts";
import type { Services } from "../services.ts";
import { readWebhook, receiveWhatsAppMessage, verifySubscription } from "./inbound.ts";

/**
 * The Cloud API's webhook, thin over the domain: GET answers Meta's verification handshake; POST
 * reads the raw body (the signature covers its exact bytes), checks it, and stores each message.
 * It answers 200 only once every message is stored, so Meta retries anything that was not.
 */
export function whatsappRouter(services: Services): Router {
  const router = express.Router();
  const fail = (res: express.Response, error: unknown) => {
    if (error instanceof AppError) return res.status(error.status).json({ error: error.message, code: error.code });
    services.log.error({ err: error }, "WhatsApp webhook failed");
    return res.status(500).json({ error: "Something went wrong." });
  };
  router.get("/", (req, res) => {
    try {
      res.type("text/plain").send(verifySubscription(services.config.whatsapp, req.query));
    } catch (error) {
      fail(res, error);
    }
  });
  router.post("/", express.raw({ type: () => true, limit: services.config.http.maxBodyBytes }), async (req, res) => {
    try {
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const inbound = readWebhook(services.config.whatsapp, body, req.get("x-hub-signature-256"));
      for (const message of inbound) await receiveWhatsAppMessage(services.conversationDeps, message);
      res.sendStatus(200);
    } catch (error) {
      fail(res, error);
    }
  });
  return router;
}
