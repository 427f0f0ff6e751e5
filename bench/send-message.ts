/**
 * `sendMessage` stored and delivered: customers write as fast as they can into conversations a
 * person has taken over (the AI stays out), each watched by a subscriber; a message counts once
 * its event has reached that subscriber. The baseline, in the same run on the same database, is
 * the same transaction in bare postgres.js (lock the conversation, check for a duplicate, take
 * the sequence numbers, insert the message and its event) with the same concurrency and pool.
 * Goal: Tandem at least half the bare transaction's rate.
 */
import postgres from "postgres";
import { startServer } from "./lib/child.ts";
import { benchDatabase } from "./lib/db.ts";
import { sendMessage, subscribe, type Subscriber } from "./lib/socket.ts";
import { rounds, spread, until } from "./lib/stats.ts";

const seconds = Number(process.env.BENCH_SEND_SECONDS ?? 5);
const concurrency = Number(process.env.BENCH_SEND_CONCURRENCY ?? 32);
const POOL = 10;

async function tandemRate(databaseUrl: string): Promise<number> {
  const server = await startServer("tandem", { DATABASE_URL: databaseUrl, DATABASE_POOL_MAX: String(POOL) });
  const sockets: Subscriber[] = [];
  try {
    const conversations = await server.ask<Array<{ id: string; token: string }>>("conversations", {
      count: concurrency,
      human: true,
    });
    let delivered = 0;
    for (const c of conversations)
      sockets.push(
        await subscribe(`ws://127.0.0.1:${server.port}/graphql`, c.token, c.id, (e) => {
          if (e.type === "MESSAGE_CREATED" && e.message?.role === "CUSTOMER") delivered++;
        }),
      );
    await until(async () => (await server.ask("stats")).subscriptions! >= concurrency, 10_000, "subscriptions");
    let stored = 0;
    const send = async (c: { id: string; token: string }) => {
      await sendMessage(server.url, c, "Any news on my order?");
      stored++;
    };
    // Warm-up, then the measured run.
    await Promise.all(conversations.map((c) => send(c)));
    await until(() => delivered >= stored, 10_000, "warm-up delivery");
    const from = { stored, delivered };
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      conversations.map(async (c) => {
        while (performance.now() < deadline) await send(c);
      }),
    );
    await until(() => delivered >= stored, 30_000, "delivery");
    const elapsed = (performance.now() - started) / 1000;
    if (stored - from.stored !== delivered - from.delivered) throw new Error("stored and delivered differ");
    return (delivered - from.delivered) / elapsed;
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
    await server.stop();
  }
}

async function bareRate(databaseUrl: string, ids: string[]): Promise<number> {
  const sql = postgres(databaseUrl, { max: POOL, onnotice: () => {} });
  try {
    const one = (conversationId: string) =>
      sql.begin(async (tx) => {
        const [c] =
          await tx`select id, owner, status, last_seq from conversations where id = ${conversationId} for update`;
        if (!c || c.status === "resolved") throw new Error("closed");
        const clientMessageId = crypto.randomUUID();
        await tx`select id from messages where conversation_id = ${conversationId} and client_message_id = ${clientMessageId}`;
        const [row] = await tx`
          update conversations set last_seq = last_seq + 1, updated_at = now() where id = ${conversationId} returning last_seq`;
        const seq = row!.last_seq as number;
        await tx`insert into messages (conversation_id, seq, role, content, client_message_id)
          values (${conversationId}, ${seq}, 'customer', 'Any news on my order?', ${clientMessageId})`;
        await tx`insert into conversation_events (conversation_id, seq, type, payload)
          values (${conversationId}, ${seq}, 'message_created', ${sql.json({ role: "customer" })})`;
      });
    await Promise.all(ids.map((id) => one(id)));
    let done = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      ids.map(async (id) => {
        while (performance.now() < deadline) {
          await one(id);
          done++;
        }
      }),
    );
    return done / ((performance.now() - started) / 1000);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export async function benchSendMessage() {
  const db = await benchDatabase();
  if (!db) return { row: "`sendMessage` stored and delivered", result: "skipped: needs Postgres (BENCH_POSTGRES)" };
  try {
    const tandem: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < rounds(); i++) {
      tandem.push(await tandemRate(db.url));
      // The bare transaction writes into conversations of its own, made once.
      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      const ids = (
        await sql`insert into conversations (token_hash, customer_name)
          select md5(random()::text || g), 'Bare ' || g from generate_series(1, ${concurrency}) g returning id`
      ).map((r) => r.id as string);
      await sql.end();
      bare.push(await bareRate(db.url, ids));
    }
    const ratios = tandem.map((t, i) => t / bare[i]!);
    return {
      row: "`sendMessage` stored and delivered",
      result: `${spread(tandem, 0)} msg/s`,
      baseline: `the same transaction in bare postgres.js ${spread(bare, 0)}/s`,
      ratio: `Tandem/bare ${spread(ratios)} (goal ≥ 0.5)`,
      pass: Math.min(...ratios) >= 0.5,
    };
  } finally {
    await db.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchSendMessage());
