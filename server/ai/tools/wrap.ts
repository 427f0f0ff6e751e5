import type { ToolSet } from "ai";

/** A tool's `execute`, called with the tool's input and the SDK's call options. */
export type ToolExecute = (
  input: unknown,
  options: Parameters<NonNullable<ToolSet[string]["execute"]>>[1],
) => Promise<unknown>;

/**
 * The same tools with each tool's `execute` replaced by `wrap(name, execute)` (tools the model
 * only calls, with no `execute`, stay as they are). Everything else about a tool is kept.
 */
export function wrapEachExecute<T extends ToolSet>(
  tools: T,
  wrap: (name: string, execute: ToolExecute) => ToolExecute,
): T {
  const wrapped: ToolSet = {};
  for (const [name, tool] of Object.entries(tools)) {
    const execute = tool.execute;
    wrapped[name] = execute
      ? { ...tool, execute: wrap(name, async (input, options) => (await execute(input, options)) as unknown) }
      : tool;
  }
  return wrapped as T;
}
