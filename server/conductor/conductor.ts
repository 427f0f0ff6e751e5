import { eq, sql } from "drizzle-orm";
import type { Logger } from "pino";
import { customers, conversations, interventions, messages, type AnomalyKind } from "../../drizzle/schema.ts";
import { requestAction } from "../autonomy/decisions.ts";
import { ActionRefused } from "../autonomy/refusal.ts";
import { contextKey, sentimentBucket } from "../autonomy/learning.ts";
import type { Database } from "../db/client.ts";
import { listEventsAfter } from "../conversations/log.ts";
import type { EventBus } from "../events/bus.ts";
import { periodic } from "../ops/periodic.ts";
import { thompsonPick, type Posterior } from "./bandit.ts";
import { explain, signalsOf, THRESHOLDS, type HealthReading } from "./health.ts";
import { eligibleFor, type InterventionArgs, type InterventionName } from "./interventions.ts";
import { posteriorsFor, recordPick, settleDue } from "./outcomes.ts";
import { awaitingIntervention, observe, overdueWaits, type Observation } from "./readings.ts";

/** How long the conductor gathers a conversation's events before it reads them. */
const GATHER_MS = 100;

/** How long the conductor leaves the agent to answer the customer's last message before it steps in. */
export const REPLY_GRACE_MS = 15_000;

interface ConversationState {
  external: boolean;
  replying: boolean;
  /** `kind:episodeSeq` of every anomaly episode with a recorded pick. */
  picked: Set<string>;
}

const awaitingReply = (reading: HealthReading, now: Date) =>
  reading.unansweredSince !== null && now.getTime() - Date.parse(reading.unansweredSince) < REPLY_GRACE_MS;

export interface ConductorDeps {
  db: Database;
  bus: EventBus;
  log: Logger;
  /** Draws for Thompson sampling; tests and simulations pass a seeded one. */
  random?: () => number;
  now?: () => Date;
}

export const interventionLabels: Record<InterventionName, string> = {
  offer_human: "offer a person now",
  raise_priority: "raise the request's priority",
  apologise_with_status: "apologise and give the status",
  switch_specialist: "switch to another specialist",
  send_article: "send the matching help article",
  offer_callback: "offer an email follow-up",
  goodwill_credit: "add a goodwill credit",
};

/** The coarse situation a pick is learned in: the anomaly, the topic, the mood, the plan, the wait. */
export function contextBucket(kind: AnomalyKind, reading: HealthReading, plan: string, now: Date) {
  const s = signalsOf(reading, now);
  return {
    anomaly: kind,
    topic: reading.agent,
    sentiment: sentimentBucket(s.sentiment ?? 0),
    plan,
    waiting: !reading.waitingSince ? "none" : s.waitingMs < THRESHOLDS.waitingMs ? "short" : "long",
  };
}

const percent = (v: number) => `${Math.round(v * 100)} %`;

/**
 * Perceive → Decide → Act; Learn runs on the sweep. Every stored event this instance writes makes
 * it fold that conversation's new events into its health reading (readings.ts); an anomaly
 * without an intervention gets one, picked by Thompson sampling among those eligible for its
 * kind and context and asked for as a decision, so the autonomy mode decides whether it runs. A
 * conversation's work is serialised on this instance, and the database makes it happen once across
 * instances (the reading's row lock, one decision per anomaly episode, one pick per episode).
 */
export class Conductor {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  /** Conversations with events waiting to be read together. */
  private readonly waiting = new Map<string, ReturnType<typeof setTimeout>>();
  private sweeps: { stop(): void } | null = null;
  /** The sweep under way: sweeps never overlap. */
  private sweeping: Promise<void> | null = null;
  private readonly random: () => number;
  private readonly now: () => Date;

  private readonly deps: ConductorDeps;
  constructor(deps: ConductorDeps) {
    this.deps = deps;
    this.random = deps.random ?? Math.random;
    this.now = deps.now ?? (() => new Date());
  }

  /** Starts watching: every stored event this instance writes, and a sweep for clocks and outcomes. */
  start(sweepMs: number): void {
    this.deps.bus.observeLocal((name, id, event) => {
      if (name !== "conversation" || !("seq" in event) || event.seq === null) return;
      this.nudge(id);
    });
    this.sweeps = periodic(
      () => this.sweep(),
      sweepMs,
      (err) => this.deps.log.warn({ err }, "conductor sweep failed"),
    );
  }

  /**
   * An event came: conduct the conversation shortly. A turn writes several events within
   * milliseconds (the message, the reply, its completion, a handoff); they are read in one go.
   */
  private nudge(conversationId: string): void {
    if (this.waiting.has(conversationId)) return;
    const timer = setTimeout(() => {
      this.waiting.delete(conversationId);
      this.schedule(conversationId);
    }, GATHER_MS);
    timer.unref?.();
    this.waiting.set(conversationId, timer);
  }

  schedule(conversationId: string): void {
    if (this.running.has(conversationId)) {
      this.again.add(conversationId);
      return;
    }
    const run = this.conduct(conversationId)
      .catch((err) => this.deps.log.warn({ err, conversationId }, "conductor failed on a conversation"))
      .finally(() => {
        this.running.delete(conversationId);
        if (this.again.delete(conversationId)) this.schedule(conversationId);
      });
    this.running.set(conversationId, run);
  }

  /** Waits for the conversation work under way (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size || this.waiting.size) {
      if (this.waiting.size) await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
      await Promise.all([...this.running.values()]);
    }
  }

  close(): void {
    this.sweeps?.stop();
    this.sweeps = null;
    for (const timer of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }

  /**
   * The clock's part: waits that grew too long, then outcomes whose time has come. A sweep asked
   * for while another runs starts once that one has ended.
   */
  async sweep(): Promise<void> {
    while (this.sweeping) await this.sweeping.catch(() => {});
    const run = this.sweepOnce();
    this.sweeping = run;
    try {
      await run;
    } finally {
      if (this.sweeping === run) this.sweeping = null;
    }
  }

  private async sweepOnce(): Promise<void> {
    const now = this.now();
    for (const id of await overdueWaits(this.deps.db, now)) this.schedule(id);
    // Anomalies left without an intervention: held back for a reply, or a crash between the two.
    for (const id of await awaitingIntervention(this.deps.db)) this.schedule(id);
    await this.idle();
    if (await settleDue(this.deps.db, now)) this.announce("intervention_changed", null);
  }

  private announce(type: "health_changed" | "intervention_changed", conversationId: string | null): void {
    this.deps.bus.publish("conductor", "all", { type, conversationId, at: this.now().toISOString() });
  }

  /** Perceive, then act on every open anomaly that has no intervention yet. */
  async conduct(conversationId: string): Promise<void> {
    const now = this.now();
    const seen = await observe(this.deps.db, conversationId, now);
    if (seen.changed) this.announce("health_changed", conversationId);
    if (seen.reading.owner === "human" || seen.reading.status === "resolved") return;
    let state: ConversationState | null = null;
    for (const [kind, episodeSeq] of Object.entries(seen.open) as Array<[AnomalyKind, number]>) {
      state ??= await this.stateOf(conversationId);
      // Another system's agent speaks in the conversations it handed over: the conductor only reads their health.
      if (state.external) return;
      if (state.picked.has(`${kind}:${episodeSeq}`)) continue;
      // Never talk over the agent: while its answer to the customer's last message may still come
      // (or is being written), wait; its completion, or the sweep after REPLY_GRACE_MS, brings the
      // conductor back. In Manual the answer is a draft, so the grace is what ends the wait.
      if (awaitingReply(seen.reading, now) || state.replying) return;
      await this.act(seen, kind, episodeSeq, now);
      // What it did may have started a reply: the next anomaly reads the conversation afresh.
      state = null;
    }
  }

  /**
   * What deciding on a conversation's anomalies needs, in one read: whether another system's agent
   * has it, whether a reply is being written, and the anomaly episodes that already have a pick.
   */
  private async stateOf(conversationId: string): Promise<ConversationState> {
    const [row] = await this.deps.db
      .select({
        integrationId: conversations.integrationId,
        // Written out in full: a one-table select names its own columns without the table, which
        // inside these subqueries would name the subquery's columns instead.
        replying: sql<boolean>`exists (select 1 from ${messages} m
          where m.conversation_id = ${conversations}.id and m.status = 'streaming')`,
        picked: sql<string | null>`(select string_agg(i.anomaly || ':' || i.episode_seq, ' ') from ${interventions} i
          where i.conversation_id = ${conversations}.id)`,
      })
      .from(conversations)
      .where(eq(conversations.id, conversationId));
    return {
      external: Boolean(row?.integrationId),
      replying: Boolean(row?.replying),
      picked: new Set(row?.picked ? row.picked.split(" ") : []),
    };
  }

  private async eventTime(conversationId: string, seq: number): Promise<Date | null> {
    const [event] = await listEventsAfter(this.deps.db, conversationId, seq - 1, 1);
    return event?.seq === seq ? new Date(event.at) : null;
  }

  private async planOf(conversationId: string): Promise<string> {
    const [row] = await this.deps.db
      .select({ plan: customers.plan })
      .from(conversations)
      .leftJoin(customers, eq(customers.id, conversations.customerId))
      .where(eq(conversations.id, conversationId));
    return row?.plan ?? "none";
  }

  /** Decide and act on one anomaly episode: pick by Thompson sampling, ask for it as a decision. */
  private async act(seen: Observation, kind: AnomalyKind, episodeSeq: number, now: Date): Promise<void> {
    const bucket = contextBucket(kind, seen.reading, await this.planOf(seen.conversationId), now);
    const key = contextKey(bucket);
    const arms: Record<string, Posterior> = await posteriorsFor(this.deps.db, key, eligibleFor[kind]);
    const why = explain(kind, seen.reading, now);
    while (Object.keys(arms).length) {
      const pick = thompsonPick(arms, this.random);
      const arm = pick.arm as InterventionName;
      const record = arms[arm]!;
      const args: InterventionArgs = {
        anomaly: kind,
        episodeSeq,
        bucket,
        pick: {
          sampled: pick.sampled,
          mean: pick.mean,
          attempts: record.attempts,
          successes: record.successes,
          explored: pick.explored,
        },
      };
      const reasoning = [
        why,
        `Chose to ${interventionLabels[arm]} by Thompson sampling (draw ${pick.sampled.toFixed(2)}).`,
        record.attempts
          ? `Here it worked ${record.successes} of ${record.attempts} times (posterior mean ${percent(pick.mean)}).`
          : "It has not been tried in this situation yet.",
        pick.explored ? "This pick explores: another intervention has the better record so far." : "",
      ]
        .filter(Boolean)
        .join(" ");
      try {
        const { decision } = await requestAction(
          { db: this.deps.db, bus: this.deps.bus },
          {
            conversationId: seen.conversationId,
            agent: "conductor",
            action: arm,
            args: args as unknown as Record<string, unknown>,
            reasoning,
            confidence: pick.sampled,
          },
          now,
        );
        // An existing decision for this episode (another instance got there first) is the pick:
        // its action, draw and context are recorded, whichever instance records them.
        const asked = decision.arguments as unknown as Partial<InterventionArgs>;
        await recordPick(
          this.deps.db,
          {
            conversationId: seen.conversationId,
            decisionId: decision.id,
            anomaly: kind,
            episodeSeq,
            anomalyAt: await this.eventTime(seen.conversationId, episodeSeq),
            intervention: decision.action,
            contextKey: asked.bucket ? contextKey(asked.bucket) : key,
            sampled: asked.pick?.sampled ?? pick.sampled,
            explored: asked.pick?.explored ?? pick.explored,
            scoreBefore: seen.score,
          },
          now,
        );
        this.announce("intervention_changed", seen.conversationId);
        return;
      } catch (err) {
        if (!(err instanceof ActionRefused)) throw err;
        // A person has it now: stand back. Otherwise this one does not fit: try the others.
        if (err.reason === "not_ai") return;
        delete arms[arm];
      }
    }
  }
}
