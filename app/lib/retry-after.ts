import type { HeadersFunction } from "@remix-run/node";

/** Route `headers`: a refused form post (429) keeps its Retry-After on the rendered page, too. */
export const keepRetryAfter: HeadersFunction = ({ actionHeaders }) => {
  const headers = new Headers();
  const retryAfter = actionHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};
