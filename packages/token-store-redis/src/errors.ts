import { TokenStoreError, TokenStoreErrorCode } from "@fhir-dsl/token-store";

/**
 * ioredis attaches `command: { name, args }` to its errors, and the args of a SET hold the token:
 * keep the error as `cause` but without the args, so logging the cause chain cannot leak a token.
 */
export function redactCause(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  const command = (error as { command?: { name?: unknown; args?: unknown } }).command;
  if (command === undefined || command === null || typeof command !== "object") return error;
  const copy = new Error(error.message);
  copy.name = error.name;
  if (error.stack !== undefined) copy.stack = error.stack;
  Object.defineProperty(copy, "command", { value: { name: command.name }, enumerable: true });
  return copy;
}

/** A Redis reply saying the key holds another data type: a foreign value, not an outage. */
export function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith("WRONGTYPE");
}

export function unavailable(operation: string, key: string, reason: string, cause?: unknown): TokenStoreError {
  return new TokenStoreError(`Redis token store ${operation} of key "${key}" failed: ${reason}`, {
    code: TokenStoreErrorCode.Unavailable,
    key,
    retryable: true,
    cause: cause === undefined ? undefined : redactCause(cause),
  });
}

export function foreignType(key: string, cause: unknown): TokenStoreError {
  return new TokenStoreError(
    `Value under token-store key "${key}" is not a token this store wrote: not a Redis string`,
    {
      code: TokenStoreErrorCode.CorruptValue,
      key,
      cause: redactCause(cause),
    },
  );
}
