/**
 * Errors provoked by the App Launch tests, plus the secrets those tests used, so one test
 * (app-error-leaks.test.ts) can serialise every error and prove no secret leaks. Each test file runs in
 * its own worker, so every file that records errors checks its own records in an afterAll.
 */
import { afterAll, expect } from "vitest";

const errors: unknown[] = [];
const secrets = new Set<string>();

/** Record an error (returned, so `.catch((e) => recordError(e))` keeps tests short). */
export function recordError<T>(error: T): T {
  errors.push(error);
  return error;
}

/** Remember a secret value that must never appear in any recorded error. */
export function recordSecret(...values: (string | undefined)[]): void {
  for (const v of values) if (typeof v === "string" && v.length >= 6) secrets.add(v);
}

/** Everything an error can show: message, stack, own properties, toString, JSON, and the cause chain. */
export function serialiseError(error: unknown, depth = 0): string {
  if (depth > 5 || error === null || error === undefined) return "";
  if (typeof error !== "object") return String(error);
  const e = error as Error & { cause?: unknown };
  const parts = [String(e), e.message ?? "", e.stack ?? ""];
  try {
    parts.push(JSON.stringify(e));
  } catch {
    parts.push("(unserialisable)");
  }
  for (const key of Object.keys(e)) {
    const value = (e as unknown as Record<string, unknown>)[key];
    parts.push(`${key}=${typeof value === "object" ? safeJson(value) : String(value)}`);
  }
  return parts.join("\n") + serialiseError(e.cause, depth + 1);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "(unserialisable)";
  }
}

export function leaksIn(): { error: string; secret: string }[] {
  const leaks: { error: string; secret: string }[] = [];
  for (const error of errors) {
    const text = serialiseError(error);
    for (const secret of secrets)
      if (text.includes(secret)) leaks.push({ error: String(error), secret: `${secret.slice(0, 4)}…` });
  }
  return leaks;
}

export function provokedCount(): number {
  return errors.length;
}

/** Call once per test file: after its tests, no recorded error may contain a recorded secret. */
export function checkNoLeaksAfterAll(): void {
  afterAll(() => {
    expect(leaksIn()).toEqual([]);
  });
}

export function secretCount(): number {
  return secrets.size;
}
