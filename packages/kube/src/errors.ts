/** The HTTP status of a Kubernetes API error (client-node ApiException), or undefined for other errors. */
export function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && code >= 100 && code < 600 ? code : undefined;
}

export const isNotFound = (err: unknown): boolean => statusOf(err) === 404;
export const isAlreadyExists = (err: unknown): boolean => statusOf(err) === 409;
/** 409 on an update or delete: the object changed since it was read (a precondition or resourceVersion failed). */
export const isConflict = (err: unknown): boolean => statusOf(err) === 409;
export const isForbidden = (err: unknown): boolean => statusOf(err) === 403;
export const isGone = (err: unknown): boolean => statusOf(err) === 410;

/**
 * Errors a retry cannot fix: the request itself is wrong (400 bad request, 422 invalid object) or an admission
 * policy refused it (403 naming a ValidatingAdmissionPolicy: the policy decides on the object, not on timing).
 * Everything else (network, 5xx, 429, 409 conflicts, a plain 403 while RBAC propagates) is worth retrying.
 */
export function isPermanentKubeError(err: unknown): boolean {
  const s = statusOf(err);
  return s === 400 || s === 422 || (s === 403 && kubeErrorMessage(err).includes('ValidatingAdmissionPolicy'));
}

/** A short, log-safe description: status and the API's message, never a request body. */
export function kubeErrorMessage(err: unknown): string {
  const s = statusOf(err);
  const body = (err as { body?: unknown } | null)?.body;
  let message: string | undefined;
  if (typeof body === 'string') {
    try {
      message = (JSON.parse(body) as { message?: string }).message;
    } catch {
      message = body.slice(0, 300);
    }
  } else if (body && typeof body === 'object') {
    message = (body as { message?: string }).message;
  }
  const fallback = err instanceof Error ? err.message : String(err);
  return s ? `HTTP ${s}: ${message ?? fallback}` : fallback;
}

/** The result of a read, or undefined when the object does not exist (404); other errors are rethrown. */
export async function orUndefinedIfNotFound<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
