import { fork, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { writeHeapSnapshot } from "node:v8";

/**
 * A server under measurement, in a process of its own (so its memory and CPU are its own), driven
 * over IPC: it reports its port when ready and answers `mem` (after a full GC) and `stats`.
 */
export interface ServerProcess {
  port: number;
  url: string;
  ask<T = Record<string, number>>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  stop(): Promise<void>;
  /** Sends `signal` and resolves when the process has gone (a crash: SIGKILL). */
  kill(signal: NodeJS.Signals): Promise<void>;
}

export interface Memory {
  rss: number;
  heapUsed: number;
}

export async function startServer(name: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const script = fileURLToPath(new URL(`../servers/${name}.ts`, import.meta.url));
  // The server logs into a file (as cheap for it as a discarded stream), read when it exits.
  const logDir = mkdtempSync(path.join(tmpdir(), "tandem-bench-"));
  const logFile = path.join(logDir, "server.log");
  const logFd = openSync(logFile, "w");
  const child: ChildProcess = fork(script, [], {
    // BENCH_PROFILE=<dir>: each server writes a CPU profile there when it stops. BENCH_NODE_ARGS:
    // more flags for the servers' Node (V8's garbage collector settings, say), space-separated.
    // Servers run as in production: on Node's own type stripping, without tsx.
    execArgv: [
      "--expose-gc",
      ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(" ") : []),
      ...(process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []),
    ],
    env: { ...process.env, ...env },
    stdio: ["ignore", logFd, "inherit", "ipc"],
  });
  closeSync(logFd);
  // When the server has gone, its warnings and errors are shown (a reply that failed explains a
  // missing word); its other lines are dropped. Lines are JSON with a numeric pino level.
  child.once("exit", () => {
    const lines = readFileSync(logFile, "utf8").split("\n");
    rmSync(logDir, { recursive: true, force: true });
    const serious = lines.filter((l) => Number(/^\{"level":(\d+)/.exec(l)?.[1] ?? 0) >= 40);
    for (const line of serious.slice(0, 20)) console.error(`[${name}] ${line.slice(0, 2000)}`);
    if (serious.length > 20) console.error(`[${name}] … and ${serious.length - 20} more warnings and errors`);
  });
  let next = 0;
  const waiting = new Map<number, (value: unknown) => void>();
  const ready = new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${name} exited with ${code} before it was ready`)));
    child.on("message", (m: { type?: string; port?: number; id?: number; value?: unknown }) => {
      if (m.type === "ready") resolve(m.port!);
      else if (m.id !== undefined) {
        waiting.get(m.id)?.(m.value);
        waiting.delete(m.id);
      }
    });
  });
  const port = await ready;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    ask: <T>(cmd: string, args: Record<string, unknown> = {}) =>
      new Promise<T>((resolve) => {
        const id = next++;
        waiting.set(id, resolve as (value: unknown) => void);
        child.send({ id, cmd, ...args });
      }),
    stop: () => kill("SIGTERM"),
    kill,
  };
  function kill(signal: NodeJS.Signals) {
    return new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill(signal);
      setTimeout(() => child.kill("SIGKILL"), 15_000).unref();
    });
  }
}

/** What every server process does: answer `mem` after a full collection, and hand other commands to `handle`. */
export function serveIpc(
  port: number,
  handle: (cmd: string, args: Record<string, unknown>) => Promise<unknown> | unknown,
) {
  process.on("message", async (m: { id: number; cmd: string } & Record<string, unknown>) => {
    let value: unknown;
    if (m.cmd === "mem") {
      for (let i = 0; i < 3; i++) {
        global.gc?.();
        await new Promise((r) => setTimeout(r, 50));
      }
      const { rss, heapUsed } = process.memoryUsage();
      value = { rss, heapUsed } satisfies Memory;
    } else if (m.cmd === "snapshot") {
      // For finding out where memory goes: a heap snapshot file, named in the reply.
      global.gc?.();
      value = { file: writeHeapSnapshot(String(m.file)) };
    } else if (m.cmd === "cpu") {
      const { user, system } = process.cpuUsage();
      value = { ms: (user + system) / 1000 };
    } else value = await handle(m.cmd, m);
    process.send!({ id: m.id, value });
  });
  process.send!({ type: "ready", port });
}
