import { SmartAuthError, SmartAuthErrorCode } from "./errors.js";

/** The typed error of a caller's abort: `aborted`, the signal's reason as `cause`. */
export function abortedError(signal: AbortSignal): SmartAuthError {
  return new SmartAuthError("The caller aborted the request (its AbortSignal)", {
    code: SmartAuthErrorCode.Aborted,
    cause: signal.reason,
  });
}

/**
 * `value`, or a rejection with `abortedError` as soon as `signal` aborts: the caller stops waiting, and
 * the work it waited on (a token request other callers share) goes on. Without a signal, `value` as is.
 */
export function untilAborted<T>(value: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return value;
  if (signal.aborted) {
    value.catch(() => undefined); // the shared work's failure is its other callers' to see
    return Promise.reject(abortedError(signal));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortedError(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    value.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

/** A wait of `ms` that ends early, rejecting with `abortedError`, when `signal` aborts. */
export function abortableSleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise((resolve) => setTimeout(resolve, ms));
  if (signal.aborted) return Promise.reject(abortedError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The per-request signal: the timeout, and the caller's signal when given (AbortSignal.any, Node >= 20.3). */
export function withCallerSignal(timeout: AbortSignal, signal: AbortSignal | undefined): AbortSignal {
  return signal === undefined ? timeout : AbortSignal.any([timeout, signal]);
}

/** A provider's answer: a cached header as it is (the hot path), a pending one until the caller's signal aborts. */
export function waitForAuthorization<T>(value: T | Promise<T>, signal: AbortSignal): T | Promise<T> {
  return value instanceof Promise ? untilAborted(value, signal) : value;
}
