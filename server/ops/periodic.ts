/**
 * Runs `work` every `intervalMs`. A tick that comes while the previous run is still going is
 * skipped: a sweep slower than its interval (a slow database, a long backlog) runs again at the
 * first tick after it ends, instead of piling up beside itself.
 */
export function periodic(
  work: () => Promise<unknown>,
  intervalMs: number,
  onError: (err: unknown) => void,
): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    work()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref?.();
  return { stop: () => clearInterval(timer) };
}
