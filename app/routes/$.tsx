import type { LoaderFunctionArgs } from "@remix-run/node";

/**
 * Any path no other route serves: a plain 404, shown by the root error page. Without this route
 * Remix treats an unknown path as an error and prints its stack trace to the log.
 */
export function loader({ request }: LoaderFunctionArgs): never {
  throw new Response(`Nothing at ${new URL(request.url).pathname}.`, { status: 404 });
}

export default function NotFound() {
  return null;
}
