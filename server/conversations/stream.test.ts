import assert from "node:assert/strict";
import { test } from "node:test";
import type { ConversationEvent, EphemeralConversationEvent } from "../events/types.ts";
import { TextSent } from "./stream.ts";

const piece = (type: EphemeralConversationEvent["type"], messageId: string, offset: number, text: string) =>
  ({ conversationId: "c", seq: null, type, at: "", payload: { messageId, offset, text } }) as const;

test("a long-lived subscription forgets each reply once its completion has gone out", () => {
  const sent = new TextSent();
  for (let i = 0; i < 100; i++) {
    const id = `m${i}`;
    sent.wants(piece("message_delta", id, 0, "Hello"));
    sent.finished({
      conversationId: "c",
      seq: i + 1,
      type: "message_completed",
      at: "",
      payload: { message: { id } },
    } as ConversationEvent);
  }
  assert.equal(sent.size, 0);
  // Only a completion ends the tracking: the message's creation does not.
  sent.wants(piece("message_delta", "c", 0, "Hi"));
  sent.finished({
    conversationId: "c",
    seq: 200,
    type: "message_created",
    at: "",
    payload: { message: { id: "c" } },
  } as ConversationEvent);
  assert.equal(sent.size, 1);
  assert.equal(sent.wants(piece("message_snapshot", "c", 0, "Hi")), false);
  // Replies are told apart: one's text says nothing of another's.
  sent.wants(piece("message_delta", "a", 0, "Hello there"));
  assert.equal(sent.wants(piece("message_snapshot", "b", 0, "Hi")), true);
  assert.equal(sent.wants(piece("message_snapshot", "a", 0, "Hello")), false);
});
