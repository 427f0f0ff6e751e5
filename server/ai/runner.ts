import type { JSONObject, LanguageModelV4 } from "@ai-sdk/provider";
import { generateText, isStepCount, streamText, type ModelMessage } from "ai";
import { and, asc, eq, gt, lt, notInArray, or, sql } from "drizzle-orm";
import { liveInstanceIds } from "../ops/liveness.ts";
import type { Logger } from "pino";
import { conversations, messages, type Conversation, type Message } from "../../drizzle/schema.ts";
import type { Database, Queryable } from "../db/client.ts";
import type { EventBus } from "../events/bus.ts";
import type { EphemeralConversationEvent } from "../events/types.ts";
import { writeStatementWithEvents, writeWithEvents } from "../conversations/log.ts";
import { finishMessage, insertMessage, readHistory } from "../conversations/messages.ts";
import {
  claimResume,
  lockConversation,
  lockConversationIfAny,
  readConversation,
} from "../conversations/transitions.ts";
import { hasDraftAfter, saveDraft } from "../autonomy/drafts.ts";
import { effectiveMode, getAutonomySettings, type AutonomySettings } from "../autonomy/settings.ts";
import { getAgent, type AgentDefinition } from "./agents.ts";
import { buildFacts, FACTS_OPTION, renderFacts, type ConversationFacts } from "./context.ts";
import { buildTools } from "./tools/index.ts";
import { Heartbeats } from "./heartbeats.ts";
import { capReached, capReason, recordSpend, SPEND_CAP_NOTICE, type CapReached, type SpendCaps } from "./spend.ts";
import { escalateConversation } from "../escalations/service.ts";
import { trace, type Tracer } from "@opentelemetry/api";
import { inSpan, traceTools } from "../ops/tracing.ts";
import { handOff, isTransferTool, transferToolName } from "./tools/transfer.ts";
import { afterEachTool, tapWords } from "./word-tap.ts";

export interface RunnerDeps {
  db: Database;
  bus: EventBus;
  log: Logger;
  model: LanguageModelV4;
  modelLabel: string;
  /** Identifies this process as the writer of a streaming message. */
  instanceId: string;
  timeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  persistIntervalMs: number;
  staleAfterMs: number;
  /** Estimated cost in USD of one reply's token usage. */
  pricing: (usage: { inputTokens: number; outputTokens: number }) => number;
  /** Told how each answer went (the metrics). */
  telemetry?: TurnTelemetry;
  /** Spend caps: past one the AI stops and the conversation goes to a person. */
  caps?: SpendCaps;
  /** With tracing on: a span per agent's answer and per tool call (server/ops/tracing.ts). */
  tracer?: Tracer;
  /**
   * With instance leases (server/ops/liveness.ts): a streaming reply whose writer's lease has
   * lapsed this long is an orphan at once, without waiting for its heartbeat to go stale.
   */
  leaseMs?: number;
}

/** How one agent's answer went, for the metrics. */
export interface TurnTelemetry {
  retried(agent: string): void;
  finished(turn: {
    agent: string;
    outcome: "answered" | "handed_off" | "acted" | "draft" | "failed";
    seconds: number;
    /** From the model call to the first word; null when no word came. */
    firstWordSeconds: number | null;
    usage: { inputTokens: number; outputTokens: number };
    costUsd: number;
  }): void;
}

const MAX_HANDOFFS_PER_TURN = 3;
const MAX_STEPS = 6;

export const FAILURE_NOTICE =
  "Sorry, our assistant could not answer just now. Your message is saved; please try again in a moment.";
export const INTERRUPTED_NOTICE = "The assistant's reply was interrupted. It will answer again shortly.";

class DiscardedError extends Error {}

/** A reply in which the AI says it is a person is never sent: it is dropped and replaced by an honest line. */
class HumanClaimError extends Error {}

const HUMAN_CLAIM =
  /\b(i'?m|i am)\s+(a\s+|an\s+)?(real\s+|actual\s+)?(human|person|human being|real person)\b(?!\s+(agent|operator|colleague|from our team))|\bi'?m\s+not\s+(a|an)\s+(bot|ai|robot|machine|assistant)\b|\bi am not (a|an) (bot|ai|robot|machine)\b/i;

const PROMISED_HANDOFF =
  /\b(?:transfer(?:ring)?|connect(?:ing)?|hand(?:ing)? (?:you )?(?:over|off)|pass(?:ing)? you|put(?:ting)? you through|mov(?:e|ing) you)\b[^.!?]{0,40}?\b(billing|technical(?: support)?|tech support|sales|triage)\b/i;

/**
 * A handoff the agent's reply promises ("I'll transfer you to our billing team"): the transfer
 * tool that keeps it (to the named agent, or to triage, which routes), or null. This reads the
 * model's own reply to the customer, as the human-claim guard does, never another part's prose.
 */
export function promisedHandoff(
  text: string,
  agent: AgentDefinition,
): { tool: string; via: AgentDefinition["key"]; name: string } | null {
  const named = PROMISED_HANDOFF.exec(text)?.[1]?.toLowerCase();
  if (!named) return null;
  const key = named.startsWith("tech") ? "technical" : (named as AgentDefinition["key"]);
  if (key === agent.key) return null;
  const via = agent.handoffs.includes(key) ? key : agent.handoffs.includes("triage") ? "triage" : null;
  return via ? { tool: transferToolName(via), via, name: getAgent(key).name } : null;
}

/** Whether text has the AI claim to be a person ("I'm a real person", "I am not a bot"). */
export const claimsToBeHuman = (text: string): boolean => HUMAN_CLAIM.test(text);

export const HONEST_LINE =
  "I'm Tandem's AI assistant, not a person. If you'd like to talk to someone from our team, just say so and I'll bring them in.";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function toModelMessages(history: Message[]): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (const m of history) {
    if (m.status !== "complete" || !m.content) continue;
    if (m.role === "customer") out.push({ role: "user", content: m.content });
    else if (m.role === "agent") out.push({ role: "assistant", content: m.content });
    else if (m.role === "operator")
      out.push({ role: "assistant", content: `(${m.authorName ?? "Operator"}): ${m.content}` });
  }
  return out;
}

/**
 * Runs AI turns. One turn at a time per conversation; each turn streams deltas on the bus,
 * persists partial text on an interval (so late joiners and other instances get a snapshot),
 * and ends in exactly one stored outcome: complete, failed (with a visible notice) or discarded.
 */
export class AgentRunner {
  private readonly chains = new Map<string, Promise<void>>();
  private readonly shutdownController = new AbortController();
  private readonly shutdownSignal = this.shutdownController.signal;
  private closing = false;
  private readonly heartbeats: Heartbeats;

  private readonly deps: RunnerDeps;
  constructor(deps: RunnerDeps) {
    this.deps = deps;
    this.heartbeats = new Heartbeats(deps.db, deps.persistIntervalMs, deps.log);
  }

  /** Queues a turn for the conversation behind any turn already running for it. */
  scheduleTurn(conversationId: string, opts: { handBack?: boolean } = {}): Promise<void> {
    if (this.closing) return Promise.resolve();
    const previous = this.chains.get(conversationId) ?? Promise.resolve();
    const next = previous
      .then(() => this.runTurn(conversationId, opts.handBack ?? false))
      .catch((err) => this.deps.log.error({ err, conversationId }, "AI turn failed unexpectedly"));
    this.chains.set(conversationId, next);
    void next.finally(() => {
      if (this.chains.get(conversationId) === next) this.chains.delete(conversationId);
    });
    return next;
  }

  /** Resolves when every queued turn has finished (used by tests and shutdown). */
  async idle(): Promise<void> {
    while (this.chains.size > 0) await Promise.allSettled([...this.chains.values()]);
  }

  private async runTurn(conversationId: string, handBack: boolean): Promise<void> {
    if (this.closing) return;
    const { db } = this.deps;
    // The team's autonomy settings as the turn starts; an agent taking over mid-turn works under them too.
    let settings: AutonomySettings | undefined;
    for (let hop = 0; hop <= MAX_HANDOFFS_PER_TURN; hop++) {
      const conversation = await readConversation(db, conversationId);
      if (!conversation || conversation.owner !== "ai" || conversation.status !== "open") return;
      const history = await readHistory(db, conversationId);
      // A hand-back turn answers the operator's note, not a new customer message.
      if (hop === 0 && !handBack) {
        const lastCustomer = history.findLast((m) => m.role === "customer");
        const lastAgent = history.findLast((m) => m.role === "agent" && m.status === "complete");
        // Nothing new to answer: a retry, a sweep or a duplicate schedule must not double-reply.
        if (!lastCustomer || (lastAgent && lastAgent.seq > lastCustomer.seq)) return;
      }
      // A reply is still streaming (here or in another process); the sweeper handles it if it dies.
      if (history.some((m) => m.status === "streaming")) return;
      // Manual mode: the reply is a draft only operators see; one draft per customer message.
      settings ??= await getAutonomySettings(db);
      const manual = effectiveMode(conversation, settings) === "manual";
      const answering = history.findLast((m) => m.role === "customer")?.seq ?? 0;
      if (manual && hop === 0 && (await hasDraftAfter(db, conversationId, answering))) return;
      const agent = getAgent(conversation.currentAgent);
      // Past a spend cap the AI says nothing more: a person takes the conversation.
      const capped = this.deps.caps ? await capReached(db, this.deps.caps, conversationId) : null;
      if (capped) {
        await this.handOverForSpend(conversation, agent, capped);
        return;
      }
      const facts = await buildFacts(db, agent, conversation, history);
      const answer = () =>
        this.generate(conversation, agent, toModelMessages(history), facts, manual ? answering : null);
      // Each answer is a trace of its own, linked to the request that asked for it.
      const outcome = this.deps.tracer
        ? await inSpan(
            this.deps.tracer,
            `invoke_agent ${agent.key}`,
            {
              root: true,
              linkActive: true,
              attributes: {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": agent.key,
                "gen_ai.request.model": this.deps.modelLabel,
                "tandem.conversation.id": conversationId,
              },
            },
            answer,
          )
        : await answer();
      // A reply that promises a handoff the model did not make: corrected once, then made for it.
      const promised = !outcome.handedOff && outcome.text ? promisedHandoff(outcome.text, agent) : null;
      if (promised) {
        await this.keepHandoffPromise(conversation, agent, facts, promised);
        continue;
      }
      // A handoff ends the step loop; the next agent answers in the same turn, bounded so two
      // agents cannot bounce a conversation forever.
      if (!outcome.handedOff) return;
    }
    this.deps.log.warn({ conversationId }, "handoff limit reached in one turn");
  }

  private async generate(
    conversation: Conversation,
    agent: AgentDefinition,
    prompt: ModelMessage[],
    facts: ConversationFacts,
    /** Manual mode: the seq of the customer message this draft answers; null: reply live. */
    draftFor: number | null = null,
  ): Promise<{ handedOff: boolean; text?: string }> {
    const { deps } = this;
    const asDraft = draftFor !== null;
    const keepDraft = (content: string) =>
      saveDraft(deps, {
        conversationId: conversation.id,
        agent: agent.key,
        agentName: agent.name,
        content,
        afterSeq: draftFor ?? 0,
      });
    let reply: Message | null = null;
    let text = "";
    const started = performance.now();
    let firstWordAt: number | null = null;
    const report = (
      outcome: Parameters<TurnTelemetry["finished"]>[0]["outcome"],
      usage = { inputTokens: 0, outputTokens: 0 },
    ) => {
      trace.getActiveSpan()?.setAttributes({
        "tandem.outcome": outcome,
        "gen_ai.usage.input_tokens": usage.inputTokens,
        "gen_ai.usage.output_tokens": usage.outputTokens,
      });
      deps.telemetry?.finished({
        agent: agent.key,
        outcome,
        seconds: (performance.now() - started) / 1000,
        firstWordSeconds: firstWordAt === null ? null : (firstWordAt - started) / 1000,
        usage,
        costUsd: deps.pricing(usage),
      });
    };
    let toolsRan = false;
    let handedOff = false;
    const publish = (type: EphemeralConversationEvent["type"], offset: number, chunk: string) =>
      deps.bus.publish("conversation", conversation.id, {
        conversationId: conversation.id,
        seq: null,
        type,
        at: new Date().toISOString(),
        payload: { messageId: reply!.id, offset, text: chunk },
      });
    // The reply row is created at the first word, so an agent that only hands off leaves no
    // empty bubble behind.
    const ensureReply = async () => {
      if (reply) return reply;
      reply = await writeStatementWithEvents(deps.db, deps.bus, (statement, batch) =>
        insertMessage(statement, batch, conversation.id, {
          role: "agent",
          author: agent.key,
          authorName: agent.name,
          content: "",
          status: "streaming",
          streamOwner: deps.instanceId,
          heartbeatAt: new Date(),
        }),
      );
      heartbeat();
      return reply;
    };

    // The heartbeat persists partial text, publishes a snapshot, and notices if the message was
    // taken from us (failed by a sweeper, discarded on takeover) so we stop streaming.
    let lost = false;
    let stopBeating = () => {};
    const heartbeat = () => {
      stopBeating = this.heartbeats.add({
        messageId: reply!.id,
        text: () => text,
        lost: () => (lost = true),
        persisted: (snapshot) => publish("message_snapshot", 0, snapshot),
      });
    };

    const built = buildTools(agent, this.toolContext(conversation, agent));
    // A tool's result is recorded as the tool returns, before `streamText` can start the next
    // step: the words of that step reach the conversation straight from the model (onWord), so
    // recording results as `fullStream` yields them could put them after words said after them.
    // A word or a result the runner could not take stops the turn with that error: the model is
    // not asked again (after a result that was not stored it would be told the tool failed,
    // though it acted, and might act twice).
    let stopped: unknown = null;
    const halt = new AbortController();
    const stopWith = (err: unknown) => {
      stopped ??= err;
      halt.abort(err);
      return err;
    };
    const tools = afterEachTool(deps.tracer ? traceTools(deps.tracer, built) : built, async (name, input, output) => {
      if (lost) return;
      toolsRan = true;
      if (isTransferTool(name)) handedOff = true;
      try {
        await this.recordToolResult(conversation.id, agent.key, name, input, output);
      } catch (err) {
        throw stopWith(err);
      }
    });
    try {
      let usage = { inputTokens: 0, outputTokens: 0 };
      // The words are read at the model's stream (see word-tap.ts); a sink that throws ends the
      // model's stream, and the error it threw is the one the turn ends with.
      const onWord = async (delta: string) => {
        try {
          if (lost) throw new DiscardedError();
          firstWordAt ??= performance.now();
          if (claimsToBeHuman(text + delta)) throw new HumanClaimError();
          // A draft is written quietly: nothing of it goes to the conversation.
          if (!asDraft) {
            await ensureReply();
            publish("message_delta", text.length, delta);
          }
          text += delta;
        } catch (err) {
          throw stopWith(err);
        }
      };
      const model = tapWords(deps.model, onWord);
      for (let attempt = 0; ; attempt++) {
        try {
          const result = streamText({
            model,
            instructions: renderFacts(agent, facts),
            messages: prompt,
            // The offline model reads the facts as a value; hosted models ignore this key.
            providerOptions: { [FACTS_OPTION]: { facts: facts as unknown as JSONObject } },
            tools,
            stopWhen: [
              isStepCount(MAX_STEPS),
              ({ steps }) => steps.some((st) => st.toolCalls.some((c) => isTransferTool(c.toolName))),
            ],
            maxRetries: 0,
            // Errors arrive as stream parts and are handled below; the default would log them twice.
            onError: () => {},
            abortSignal: AbortSignal.any([this.shutdownSignal, AbortSignal.timeout(deps.timeoutMs), halt.signal]),
          });
          for await (const part of result.fullStream) {
            if (lost) throw new DiscardedError();
            // Text parts here repeat, a block at a time, what onWord has had word by word, and
            // tool results were recorded as their tools returned.
            if (part.type === "error") throw stopped ?? part.error;
          }
          if (stopped) throw stopped;
          const total = await result.totalUsage;
          usage = { inputTokens: total.inputTokens ?? 0, outputTokens: total.outputTokens ?? 0 };
          break;
        } catch (err) {
          // A retry is only invisible while nothing has been streamed and no tool has acted;
          // after that a restart would repeat words or side effects.
          if (
            this.shutdownSignal.aborted ||
            lost ||
            err instanceof DiscardedError ||
            err instanceof HumanClaimError ||
            text.length > 0 ||
            toolsRan ||
            attempt >= deps.maxRetries
          )
            throw err;
          deps.log.warn({ err, attempt, conversationId: conversation.id }, "model call failed; retrying");
          deps.telemetry?.retried(agent.key);
          await sleep(deps.retryBaseMs * 2 ** attempt);
        }
      }
      stopBeating();
      await recordSpend(deps.db, {
        conversationId: conversation.id,
        purpose: "reply",
        agent: agent.key,
        model: deps.modelLabel,
        ...usage,
        costUsd: deps.pricing(usage),
      });
      if (asDraft && text) await keepDraft(text);
      else if (reply) await this.complete(conversation, reply, text, usage);
      else if (!handedOff && !toolsRan) await this.fail(null, conversation.id, "", "ai_failed");
      report(asDraft ? "draft" : reply ? "answered" : handedOff ? "handed_off" : toolsRan ? "acted" : "failed", usage);
      return { handedOff, text: reply && !asDraft ? text : undefined };
    } catch (err) {
      stopBeating();
      if (lost || err instanceof DiscardedError) return { handedOff: false };
      if (err instanceof HumanClaimError) {
        deps.log.warn({ conversationId: conversation.id }, "AI reply claimed to be human; dropped");
        if (asDraft) {
          await keepDraft(HONEST_LINE);
          return { handedOff: false };
        }
        await writeWithEvents(deps.db, deps.bus, async (tx, batch) => {
          if (reply) await finishMessage(tx, batch, reply.id, { content: "", status: "discarded" });
          await insertMessage(tx, batch, conversation.id, {
            role: "agent",
            author: agent.key,
            authorName: agent.name,
            content: HONEST_LINE,
          });
        });
        return { handedOff: false };
      }
      const shuttingDown = this.closing;
      if (!shuttingDown) deps.log.error({ err, conversationId: conversation.id }, "AI reply failed");
      report("failed");
      await this.fail(reply, conversation.id, text, shuttingDown ? "ai_interrupted" : "ai_failed");
      return { handedOff: false };
    }
  }

  /**
   * The agent told the customer it would hand them over but called no transfer tool. One more
   * call, with a correction and only that transfer tool, gives the model the chance to make it;
   * its text is never shown. If it still does not, the runner makes the handoff itself.
   */
  private async keepHandoffPromise(
    conversation: Conversation,
    agent: AgentDefinition,
    facts: ConversationFacts,
    promise: NonNullable<ReturnType<typeof promisedHandoff>>,
  ): Promise<void> {
    const { deps } = this;
    const history = await deps.db
      .select()
      .from(messages)
      .where(eq(messages.conversationId, conversation.id))
      .orderBy(asc(messages.seq));
    const tools = buildTools(agent, this.toolContext(conversation, agent));
    const correction = `Correction: you told the customer you would hand them to ${promise.name}, but you did not call ${promise.tool}. Call ${promise.tool} now, with a short reason.`;
    try {
      const result = await generateText({
        model: deps.model,
        instructions: `${renderFacts(agent, facts)}\n\n${correction}`,
        messages: toModelMessages(history),
        tools,
        activeTools: [promise.tool],
        stopWhen: isStepCount(1),
        maxRetries: 0,
        providerOptions: { [FACTS_OPTION]: { facts: facts as unknown as JSONObject } },
        abortSignal: AbortSignal.any([this.shutdownSignal, AbortSignal.timeout(deps.timeoutMs)]),
      });
      const made = result.toolResults.find((r) => r.toolName === promise.tool);
      if (made) {
        await this.recordToolResult(conversation.id, agent.key, made.toolName, made.input, made.output);
        return;
      }
    } catch (err) {
      deps.log.warn({ err, conversationId: conversation.id }, "handoff correction failed; handing off for the agent");
    }
    const input = { reason: `${agent.name} said it would hand over to ${promise.name} but did not` };
    const output = await handOff(this.toolContext(conversation, agent), getAgent(promise.via), input.reason);
    await this.recordToolResult(conversation.id, agent.key, promise.tool, input, output);
  }

  /** A spend cap was reached: the customer is told, and the team gets the conversation. */
  private async handOverForSpend(conversation: Conversation, agent: AgentDefinition, reached: CapReached) {
    this.deps.log.warn({ conversationId: conversation.id, cap: reached.cap }, "AI spend cap reached; handing over");
    await writeWithEvents(this.deps.db, this.deps.bus, async (tx, batch) => {
      const current = await lockConversation(tx, conversation.id);
      // Someone took it meanwhile: nothing to hand over.
      if (current.owner !== "ai" || current.status !== "open") return;
      await insertMessage(tx, batch, conversation.id, {
        role: "system",
        content: SPEND_CAP_NOTICE,
        notice: "ai_spend_cap",
      });
      await escalateConversation(tx, batch, {
        conversationId: conversation.id,
        reason: capReason(reached),
        summary: current.summary?.wants ?? "The AI stopped at its spend cap before the case was summarised.",
        priority: "medium",
        agent: agent.key,
      });
    });
  }

  /** What an agent's tools act on: this conversation, its linked customer, and who is acting. */
  private toolContext(conversation: Conversation, agent: AgentDefinition) {
    return {
      db: this.deps.db,
      bus: this.deps.bus,
      conversationId: conversation.id,
      customerId: conversation.customerId,
      agent,
    };
  }

  private async recordToolResult(conversationId: string, agent: string, tool: string, input: unknown, output: unknown) {
    await writeStatementWithEvents(this.deps.db, this.deps.bus, (statement, batch) =>
      batch.append(statement, conversationId, "tool_result", {
        agent,
        tool,
        input: input ?? null,
        output: output ?? null,
      }),
    );
  }

  private async complete(
    conversation: Conversation,
    reply: Message,
    text: string,
    usage: { inputTokens: number; outputTokens: number },
  ): Promise<void> {
    await writeWithEvents(this.deps.db, this.deps.bus, async (tx, batch) => {
      const current = await lockConversationIfAny(tx, conversation.id);
      // No talk-over: if ownership changed while we were generating, the reply is discarded.
      const stillOurs = current && current.owner === "ai" && current.generation === conversation.generation;
      await finishMessage(tx, batch, reply.id, {
        content: text,
        status: stillOurs ? "complete" : "discarded",
        usage: { ...usage, model: this.deps.modelLabel, costUsd: this.deps.pricing(usage) },
      });
    });
  }

  private async fail(
    reply: Message | null,
    conversationId: string,
    partial: string,
    notice: "ai_failed" | "ai_interrupted",
  ): Promise<void> {
    await writeWithEvents(this.deps.db, this.deps.bus, async (tx, batch) => {
      // finishMessage returns null if someone else (a sweeper, a takeover) already settled it.
      const failed = reply ? await finishMessage(tx, batch, reply.id, { content: partial, status: "failed" }) : true;
      const content = notice === "ai_interrupted" ? INTERRUPTED_NOTICE : FAILURE_NOTICE;
      if (failed) await insertMessage(tx, batch, conversationId, { role: "system", content, notice });
    });
  }

  /**
   * Fails streaming messages whose writer stopped heartbeating (a crashed process), posts a
   * visible notice, and answers again; never one this instance is streaming. Safe to run on
   * every instance at once: the guarded UPDATE lets exactly one of them claim each orphan.
   */
  async sweepOrphans(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.deps.staleAfterMs);
    // Orphaned: its heartbeat went stale, or the instance writing it no longer holds its lease.
    const orphaned = and(
      eq(messages.status, "streaming"),
      this.deps.leaseMs
        ? or(lt(messages.heartbeatAt, cutoff), notInArray(messages.streamOwner, liveInstanceIds(this.deps.leaseMs)))
        : lt(messages.heartbeatAt, cutoff),
    );
    const stale = await this.deps.db
      .select({ id: messages.id, conversationId: messages.conversationId, content: messages.content })
      .from(messages)
      .where(orphaned);
    let swept = 0;
    for (const orphan of stale) {
      // A reply this instance is streaming is not an orphan, however late its heartbeat or this
      // instance's lease: a held-up main thread can let both lapse while the writer lives.
      if (this.heartbeats.has(orphan.id)) continue;
      const claimed = await writeWithEvents(this.deps.db, this.deps.bus, async (tx, batch) => {
        const [row] = await tx
          .select()
          .from(messages)
          .where(and(eq(messages.id, orphan.id), orphaned))
          .for("update");
        if (!row) return false;
        await finishMessage(tx, batch, row.id, { content: row.content, status: "failed" });
        const notice = await insertMessage(tx, batch, row.conversationId, {
          role: "system",
          content: INTERRUPTED_NOTICE,
          notice: "ai_interrupted",
        });
        // This sweep answers it; a restart's resume must not answer it a second time.
        return this.claimResume(tx, row.conversationId, notice.seq);
      });
      if (claimed) {
        swept++;
        void this.scheduleTurn(orphan.conversationId);
      }
    }
    if (swept > 0) this.deps.log.warn({ swept }, "failed orphaned AI replies");
    return swept;
  }

  /**
   * After a restart, answers the conversations whose latest line is the "interrupted" notice: a
   * shutdown cut their reply off and promised another. A reply that failed for other reasons
   * (the model was down) is not retried behind the customer's back. Instances starting together
   * race for each conversation; a guarded UPDATE lets exactly one of them answer.
   */
  async resumePendingTurns(now = new Date(), withinMs = 60 * 60_000): Promise<void> {
    const interrupted = await this.deps.db
      .select({ id: messages.conversationId, seq: messages.seq })
      .from(messages)
      .innerJoin(conversations, eq(conversations.id, messages.conversationId))
      .where(
        and(
          eq(messages.role, "system"),
          eq(messages.notice, "ai_interrupted"),
          gt(messages.createdAt, new Date(now.getTime() - withinMs)),
          eq(conversations.status, "open"),
          eq(conversations.owner, "ai"),
          eq(
            messages.seq,
            sql`(select max(m2.seq) from messages m2 where m2.conversation_id = ${messages.conversationId})`,
          ),
        ),
      )
      .limit(200);
    for (const c of interrupted) if (await this.claimResume(this.deps.db, c.id, c.seq)) void this.scheduleTurn(c.id);
  }

  /** Takes on answering the notice at `seq`: true for exactly one caller, and only while nothing came after it. */
  private claimResume(db: Queryable, conversationId: string, seq: number): Promise<boolean> {
    return claimResume(db, conversationId, seq);
  }

  /** Stops new turns, fails in-flight replies visibly, and waits for them to be recorded. */
  async shutdown(): Promise<void> {
    this.closing = true;
    this.shutdownController.abort(new Error("server shutting down"));
    await this.idle();
    this.heartbeats.close();
  }
}
