// RFC 9457 problem details as the SecureNexus API sends them.

/** One invalid field: location is e.g. "body.email" or "query.limit". */
export interface FieldIssue {
  location?: string;
  message: string;
  value?: unknown;
}

export interface ProblemBody {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  instance?: string;
  code?: string;
  retryable?: boolean;
  request_id?: string;
  errors?: FieldIssue[];
}

/** ApiError is thrown for every non-2xx response and for network failures. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly title: string;
  readonly detail: string;
  readonly retryable: boolean;
  readonly requestId?: string;
  readonly errors: FieldIssue[];

  constructor(status: number, body: ProblemBody) {
    const detail = body.detail || body.title || statusText(status);
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.code = body.code || codeForStatus(status);
    this.title = body.title || statusText(status);
    this.detail = detail;
    this.retryable = body.retryable ?? (status === 429 || status === 503);
    this.requestId = body.request_id;
    this.errors = Array.isArray(body.errors) ? body.errors.filter(isIssue) : [];
  }

  /**
   * fieldErrors maps each invalid field to its message, keyed by the field
   * path without its location prefix ("body.email" → "email",
   * "body.items[0].name" → "items[0].name"). Issues with no location are
   * left out: they belong to the form as a whole (see generalErrors).
   */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.errors) {
      const key = fieldKey(e.location);
      if (key && !(key in out)) out[key] = e.message;
    }
    return out;
  }

  /** Messages of issues not tied to a field. */
  generalErrors(): string[] {
    return this.errors.filter((e) => !fieldKey(e.location)).map((e) => e.message);
  }
}

function isIssue(v: unknown): v is FieldIssue {
  return typeof v === "object" && v !== null && typeof (v as FieldIssue).message === "string";
}

/** fieldKey strips the "body."/"query."/"path."/"header." prefix of a location. */
export function fieldKey(location: string | undefined): string {
  if (!location) return "";
  const m = /^(body|query|path|header|cookie)(?:\.(.*))?$/.exec(location);
  if (!m) return location;
  return m[2] ?? "";
}

/**
 * parseProblem turns a failed response into an ApiError. It accepts
 * problem+json, plain JSON error bodies and anything else (HTML from a proxy,
 * empty bodies), never throwing itself.
 */
export async function parseProblem(res: Response): Promise<ApiError> {
  let body: ProblemBody = {};
  const text = await res.text().catch(() => "");
  if (text) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
        body = parsed as ProblemBody;
      }
    } catch {
      body = { detail: `${res.status} ${res.statusText || statusText(res.status)}` };
    }
  }
  if (!body.request_id) {
    const rid = res.headers.get("X-Request-ID");
    if (rid) body.request_id = rid;
  }
  return new ApiError(res.status, body);
}

/** networkError represents a request that never got a response. */
export function networkError(cause: unknown): ApiError {
  const msg = cause instanceof Error ? cause.message : String(cause);
  return new ApiError(0, {
    code: "network_error",
    title: "Network error",
    detail: `Could not reach the server (${msg})`,
    retryable: true,
  });
}

const texts: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

function statusText(status: number): string {
  return texts[status] ?? `HTTP ${status}`;
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 403:
      return "forbidden";
    case 404:
      return "not_found";
    case 409:
      return "conflict";
    case 422:
      return "validation_failed";
    case 429:
      return "rate_limited";
    case 503:
      return "unavailable";
    default:
      return status >= 500 ? "internal" : "error";
  }
}
