import type { ClientLoaderFunctionArgs } from "@remix-run/react";

const last = new Map<string, unknown>();

/**
 * A dashboard route's clientLoader: the server's data, or, when the network is down, the data
 * this page last had. A refetch that a network blip cuts short (live updates refetch often) then
 * leaves the page as it was instead of replacing the dashboard with an error page. Redirects and
 * HTTP errors (403, 404) still go to the error boundary; only a request that got no answer falls
 * back, and only to data this browser already holds.
 */
export function keepLastData(routeId: string) {
  return async ({ request, serverLoader }: ClientLoaderFunctionArgs) => {
    const url = new URL(request.url);
    const key = `${routeId} ${url.pathname}${url.search}`;
    if (typeof navigator !== "undefined" && !navigator.onLine && last.has(key)) return last.get(key);
    try {
      const data = await serverLoader();
      last.set(key, data);
      return data;
    } catch (error) {
      // A refetch the router itself cut short (a navigation overtook it): its result is never
      // used, so it ends quietly instead of surfacing an AbortError.
      if (request.signal.aborted) return last.get(key) ?? null;
      if (error instanceof TypeError && last.has(key)) return last.get(key);
      throw error;
    }
  };
}
