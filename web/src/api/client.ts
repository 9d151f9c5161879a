// The API client: same-origin fetch with the session cookie, the selected
// org in X-Org-ID for org-scoped calls, and RFC 9457 problems as ApiError.
import { ApiError, networkError, parseProblem } from "./problem";

export const API = "/api/v1";
const ORG_KEY = "securenexus.org";

type Query = Record<string, string | number | boolean | string[] | undefined | null>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  /** Send X-Org-ID (default true). Set false for calls outside any org. */
  org?: boolean;
  signal?: AbortSignal;
  headers?: Record<string, string>;
}

/** Storage is the subset of localStorage the client uses (tests pass a fake). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export type FetchFn = (input: string, init: RequestInit) => Promise<Response>;

export interface ClientDeps {
  fetch: FetchFn;
  storage?: KeyValueStore;
  /** Called on any 401 from an authenticated call (session expired). */
  onUnauthorized?: (err: ApiError) => void;
}

/** buildQuery encodes a query object, repeating keys for arrays and skipping empties. */
export function buildQuery(q: Query | undefined): string {
  if (!q) return "";
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) {
      for (const item of v) if (item !== "") p.append(k, item);
    } else {
      p.append(k, String(v));
    }
  }
  const s = p.toString();
  return s ? `?${s}` : "";
}

export class Client {
  private deps: ClientDeps;
  private org: string | null;

  constructor(deps: ClientDeps) {
    this.deps = deps;
    this.org = deps.storage?.getItem(ORG_KEY) ?? null;
  }

  /** The selected org id, remembered across reloads. */
  get orgId(): string | null {
    return this.org;
  }

  setOrg(id: string | null) {
    this.org = id;
    if (!this.deps.storage) return;
    if (id) this.deps.storage.setItem(ORG_KEY, id);
    else this.deps.storage.removeItem(ORG_KEY);
  }

  setUnauthorizedHandler(fn: ((err: ApiError) => void) | undefined) {
    this.deps.onUnauthorized = fn;
  }

  /** request performs one call; path is relative to /api/v1 unless it starts with "/". */
  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const url = (path.startsWith("/") ? path : `${API}/${path}`) + buildQuery(opts.query);
    const headers: Record<string, string> = { Accept: "application/json", ...opts.headers };
    if (opts.org !== false && this.org) headers["X-Org-ID"] = this.org;
    const init: RequestInit = { method, headers, credentials: "same-origin", signal: opts.signal };
    if (opts.body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    let res: Response;
    try {
      res = await this.deps.fetch(url, init);
    } catch (e) {
      if (e instanceof DOMException && e.name === "AbortError") throw e;
      throw networkError(e);
    }
    if (!res.ok) {
      const err = await parseProblem(res);
      if (res.status === 401) this.deps.onUnauthorized?.(err);
      throw err;
    }
    if (res.status === 204 || res.status === 205) return undefined as T;
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, { code: "bad_response", detail: "The server sent a response that is not JSON" });
    }
  }

  get<T>(path: string, opts?: RequestOptions) {
    return this.request<T>("GET", path, opts);
  }
  post<T>(path: string, body?: unknown, opts?: RequestOptions) {
    return this.request<T>("POST", path, { ...opts, body });
  }
  patch<T>(path: string, body?: unknown, opts?: RequestOptions) {
    return this.request<T>("PATCH", path, { ...opts, body });
  }
  put<T>(path: string, body?: unknown, opts?: RequestOptions) {
    return this.request<T>("PUT", path, { ...opts, body });
  }
  delete<T>(path: string, opts?: RequestOptions) {
    return this.request<T>("DELETE", path, opts);
  }
}

function browserStorage(): KeyValueStore | undefined {
  try {
    return typeof localStorage === "undefined" ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

/** api is the app-wide client. */
export const api = new Client({
  fetch: (input, init) => fetch(input, init),
  storage: browserStorage(),
});

export { ApiError };
