import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { EVENTS, send, startConversation, startTestApp, type TestApp } from "../support/app.ts";

const TOKEN = "metrics-token-0123456789";
let t: TestApp;
before(async () => {
  // Real limits, never refilled during the test, so a refusal can be counted.
  t = await startTestApp({ METRICS_TOKEN: TOKEN, RATE_LIMIT_TYPING: "1/1h" }, { realRateLimits: true, noRefill: true });
});
after(() => t.close());

const scrape = async (token?: string) => {
  const res = await fetch(`${t.url}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
};

/** The value of one series, e.g. value(text, 'tandem_ai_tokens_total{model="…",agent="…",direction="output"}'). */
const series = (text: string, name: string) =>
  text.split("\n").filter((line) => line.startsWith(name) && !line.startsWith("#"));

test("/metrics answers only with the metrics token", async () => {
  assert.equal((await scrape()).status, 401);
  assert.equal((await scrape("wrong-token-0123456789")).status, 401);
  const ok = await scrape(TOKEN);
  assert.equal(ok.status, 200);
  assert.match(ok.type ?? "", /^text\/plain; version=0\.0\.4/);
  assert.match(ok.text, /^tandem_process_cpu_user_seconds_total \d/m);
});

test("without METRICS_TOKEN there is no /metrics", async () => {
  const plain = await startTestApp();
  try {
    const res = await fetch(`${plain.url}/metrics`);
    assert.equal(res.status, 404);
  } finally {
    await plain.close();
  }
});

test("requests, operations, the AI's answers, events, sockets and refusals are counted with their labels", async () => {
  const conv = await startConversation(t);
  const client = t.ws(conv.token);
  let seen = 0;
  const stop = client.subscribe(
    { query: EVENTS, variables: { conversationId: conv.id, after: 0 } },
    { next: () => seen++, error: () => {}, complete: () => {} },
  );
  await send(t, conv, "My laptop won't boot");
  await t.app.services.runner.idle();
  const typing = `mutation ($id: ID!) { setTyping(conversationId: $id) }`;
  await t.gql(typing, { id: conv.id }, conv.token);
  const refused = await t.gql(typing, { id: conv.id }, conv.token);
  assert.equal(refused.errors?.[0]?.extensions?.code, "RATE_LIMITED");

  const { text } = await scrape(TOKEN);
  assert.ok(seen > 0);
  assert.ok(
    series(text, 'tandem_http_request_duration_seconds_count{method="POST",route="/graphql",status="200"}').length,
  );
  assert.ok(
    series(text, 'tandem_graphql_operation_duration_seconds_count{operation="Send",type="mutation",outcome="ok"}')
      .length,
  );
  assert.ok(
    series(
      text,
      'tandem_graphql_operation_duration_seconds_count{operation="anonymous",type="mutation",outcome="error"}',
    ).length,
  );
  assert.match(text, /^tandem_ws_connections [1-9]/m);
  assert.match(text, /^tandem_subscriptions_active [1-9]/m);
  assert.match(text, /^tandem_events_published_total\{topic="conversation"\} [1-9]/m);
  assert.match(
    text,
    /^tandem_ai_time_to_first_token_seconds_count\{agent="technical",model="Tandem offline model"\} [1-9]/m,
  );
  assert.match(
    text,
    /^tandem_ai_turn_duration_seconds_count\{agent="triage",model="Tandem offline model",outcome="handed_off"\} 1/m,
  );
  assert.match(
    text,
    /^tandem_ai_tokens_total\{model="Tandem offline model",agent="technical",direction="output"\} [1-9]/m,
  );
  assert.match(text, /^tandem_ai_cost_usd_total\{model="Tandem offline model",agent="technical"\} 0/m);
  assert.match(text, /^tandem_rate_limited_total\{limit="typing"\} 1$/m);
  assert.match(text, /^tandem_escalations_waiting \d+$/m);
  assert.match(text, /^# TYPE tandem_decisions_total counter$/m);
  assert.match(text, /^# TYPE tandem_interventions gauge$/m);
  stop();
});

test("operation names are bounded: past 200 distinct names, the rest are labelled other", async () => {
  for (let i = 0; i < 205; i++) await t.gql(`query Name${i} { __typename }`);
  const { text } = await scrape(TOKEN);
  assert.match(
    text,
    /tandem_graphql_operation_duration_seconds_count\{operation="other",type="query",outcome="ok"\} [1-9]/,
  );
  const names = new Set(
    series(text, "tandem_graphql_operation_duration_seconds_count").map((l) => /operation="([^"]+)"/.exec(l)?.[1]),
  );
  assert.ok(names.size <= 202, `${names.size} operation labels`);
});
