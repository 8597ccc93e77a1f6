import { decodeJwt, decodeProtectedHeader } from "jose";
import { table, when, type Paint } from "./style.js";

const TIME_CLAIMS = ["exp", "iat", "nbf", "auth_time"];

/** Header and claims of a compact JWT, or undefined when it is not one (e.g. an opaque access token). */
export function tryDecode(
  token: string,
): { header: Record<string, unknown>; claims: Record<string, unknown> } | undefined {
  if (token.split(".").length !== 3) return undefined;
  try {
    return {
      header: decodeProtectedHeader(token) as Record<string, unknown>,
      claims: decodeJwt(token) as Record<string, unknown>,
    };
  } catch {
    return undefined;
  }
}

/** Time claims in words: `{ exp: { iso, relative } }`. */
export function timesOf(
  claims: Record<string, unknown>,
  nowMs: number,
): Record<string, { iso: string; inWords: string }> {
  const out: Record<string, { iso: string; inWords: string }> = {};
  for (const name of TIME_CLAIMS) {
    const value = claims[name];
    if (typeof value !== "number") continue;
    const text = when(value, nowMs);
    out[name] = { iso: text.split(" ")[0] ?? "", inWords: text.slice(text.indexOf("(") + 1, -1) };
  }
  return out;
}

/** Claims as rows; times also in words. */
export function claimRows(values: Record<string, unknown>, nowMs: number, paint: Paint): string {
  return table(
    Object.entries(values).map(([name, value]) => [
      paint.bold(name),
      TIME_CLAIMS.includes(name) && typeof value === "number"
        ? `${value}  ${when(value, nowMs)}`
        : typeof value === "string"
          ? value
          : JSON.stringify(value),
    ]),
  );
}
