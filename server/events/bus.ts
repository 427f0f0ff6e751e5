import { setMaxListeners } from "node:events";
import { createRedisEventTarget } from "@graphql-yoga/redis-event-target";
import { Redis } from "ioredis";
import type { Logger } from "pino";
import { topicKey, type TopicName, type Topics } from "./types.ts";

type Listener = (event: CustomEvent) => void;
interface Target {
  addEventListener(type: string, listener: Listener): void;
  removeEventListener(type: string, listener: Listener): void;
  dispatchEvent(event: CustomEvent): boolean;
}

export interface BusSubscription<T> extends AsyncIterableIterator<T> {
  return(): Promise<IteratorResult<T>>;
  /**
   * Resolves once the subscription is live everywhere it needs to be (for Redis: the SUBSCRIBE
   * was acknowledged). Anything published after this point is delivered; callers replay stored
   * state only after awaiting it, so there is no gap between replay and live.
   */
  ready: Promise<void>;
}

/** How many undelivered events one slow subscriber may hold before it is cut off to resubscribe. */
const MAX_BUFFERED = 10_000;

export class SlowConsumerError extends Error {
  constructor() {
    super("Subscriber fell too far behind; reconnect and resume from the last seq.");
  }
}

export class EventBus {
  readonly kind: "memory" | "redis";
  /** Live subscriptions on this instance: each is a listener that must go away when its reader does. */
  private live = 0;
  get activeSubscriptions(): number {
    return this.live;
  }
  private readonly target: Target;
  private readonly barrier: () => Promise<void>;
  private readonly shutdown: () => Promise<void>;
  /** Prefix of every channel, so two deployments sharing one Redis never see each other's events. */
  private readonly namespace: string;
  /** Answers once both of the bus's connections answer (for Redis, a PING on each). */
  private readonly pingBoth: () => Promise<void>;
  private constructor(
    target: Target,
    barrier: () => Promise<void>,
    shutdown: () => Promise<void>,
    kind: "memory" | "redis",
    namespace = "tandem",
    pingBoth: () => Promise<void> = async () => {},
  ) {
    this.target = target;
    this.barrier = barrier;
    this.shutdown = shutdown;
    this.namespace = namespace;
    this.pingBoth = pingBoth;
    this.kind = kind;
  }

  private channel(name: TopicName, id: string): string {
    return `${this.namespace}:${topicKey(name, id)}`;
  }

  static inMemory(): EventBus {
    const target = new EventTarget();
    // Thousands may watch one conversation: each is a listener, and that is no leak.
    setMaxListeners(0, target);
    return new EventBus(
      target as unknown as Target,
      async () => {},
      async () => {},
      "memory",
    );
  }

  static redis(url: string, log: Logger, namespace = "tandem"): EventBus {
    const opts = { maxRetriesPerRequest: null, lazyConnect: false } as const;
    const publishClient = new Redis(url, opts);
    // No ready check (an INFO) on the subscriber: a SUBSCRIBE sent while the connection comes up
    // puts it in subscriber mode, where ioredis then refuses its own INFO and reports an error.
    const subscribeClient = new Redis(url, { ...opts, enableReadyCheck: false });
    for (const c of [publishClient, subscribeClient])
      c.on("error", (err) => log.warn({ err }, "redis connection error"));
    // The event target sends PUBLISH, SUBSCRIBE and UNSUBSCRIBE without waiting on them; while Redis
    // is away (or the bus is closing) they fail, and each failure must be logged, not left unhandled.
    // A lost publish loses nothing stored: readers resume from the event log with `after`.
    const logFailure = (command: string) => (err: unknown) => log.warn({ err, command }, "redis command failed");
    const target = createRedisEventTarget({
      publishClient: {
        publish: (channel: string, message: string) =>
          publishClient.publish(channel, message).catch(logFailure("publish")),
      } as unknown as Redis,
      subscribeClient: {
        on: (event: string, listener: (...args: unknown[]) => void) => subscribeClient.on(event, listener),
        subscribe: (channel: string) => subscribeClient.subscribe(channel).catch(logFailure("subscribe")),
        unsubscribe: (channel: string) => subscribeClient.unsubscribe(channel).catch(logFailure("unsubscribe")),
      } as unknown as Redis,
    }) as unknown as Target;
    // Redis answers commands on one connection in order, so a PING answered after SUBSCRIBE
    // proves the SUBSCRIBE took effect.
    const barrier = async () => {
      await subscribeClient.ping();
    };
    // QUIT waits for Redis; a Redis that is away would hold the shutdown forever, so after a second
    // the connections are simply dropped.
    const shutdown = async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([publishClient.quit(), subscribeClient.quit()]),
        new Promise((resolve) => (timer = setTimeout(resolve, 1000))),
      ]);
      clearTimeout(timer);
      publishClient.disconnect();
      subscribeClient.disconnect();
    };
    const ping = async () => {
      await Promise.all([publishClient.ping(), subscribeClient.ping()]);
    };
    return new EventBus(target, barrier, shutdown, "redis", namespace, ping);
  }

  /** Whether the bus answers within `timeoutMs` (commands queue while Redis is away, so never wait unbounded). */
  async ping(timeoutMs = 2000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.pingBoth(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("the event bus did not answer")), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  publish<K extends TopicName>(name: K, id: string, event: Topics[K]): void {
    this.target.dispatchEvent(new CustomEvent(this.channel(name, id), { detail: event }));
    for (const observer of this.observers) observer(name, id, event);
  }

  private readonly observers: Array<(name: TopicName, id: string, event: Topics[TopicName]) => void> = [];

  /**
   * Sees what this process publishes, and only that: work that follows an event (a summary to
   * write) is done once, by the instance that wrote the event, never by every instance.
   */
  observeLocal(observer: (name: TopicName, id: string, event: Topics[TopicName]) => void): void {
    this.observers.push(observer);
  }

  subscribe<K extends TopicName>(name: K, id: string, signal?: AbortSignal): BusSubscription<Topics[K]> {
    const type = this.channel(name, id);
    const buffer: Topics[K][] = [];
    let wake: (() => void) | null = null;
    let failure: Error | null = null;
    let done = false;

    const listener: Listener = (event) => {
      if (done) return;
      if (buffer.length >= MAX_BUFFERED) {
        failure = new SlowConsumerError();
        stop();
      } else {
        buffer.push(event.detail as Topics[K]);
      }
      wake?.();
    };
    const stop = () => {
      if (done) return;
      done = true;
      this.live--;
      this.target.removeEventListener(type, listener);
      signal?.removeEventListener("abort", stop);
      wake?.();
    };
    this.target.addEventListener(type, listener);
    this.live++;
    signal?.addEventListener("abort", stop, { once: true });
    if (signal?.aborted) stop();

    const iterator: BusSubscription<Topics[K]> = {
      ready: this.barrier(),
      async next() {
        while (buffer.length === 0 && !done) {
          await new Promise<void>((resolve) => (wake = resolve));
          wake = null;
        }
        if (buffer.length > 0) return { value: buffer.shift()!, done: false };
        if (failure) throw failure;
        return { value: undefined, done: true };
      },
      async return() {
        stop();
        buffer.length = 0;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  close(): Promise<void> {
    return this.shutdown();
  }
}
