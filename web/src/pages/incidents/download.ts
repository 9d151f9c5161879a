// Non-JSON calls of the incident pages (evidence uploads and downloads,
// reports): the session cookie plus the selected org's X-Org-ID header,
// which a plain <a href download> could not send.
import { api, API } from "../../api/client";
import { networkError, parseProblem } from "../../api/problem";

/** raw performs a call with the session cookie and the selected org; a non-2xx answer throws its problem. */
export async function raw(method: string, path: string, body?: Blob, contentType?: string): Promise<Response> {
  const headers: Record<string, string> = {};
  if (api.orgId) headers["X-Org-ID"] = api.orgId;
  if (contentType) headers["Content-Type"] = contentType;
  let res: Response;
  try {
    res = await fetch(`${API}/${path}`, { method, headers, body, credentials: "same-origin" });
  } catch (e) {
    throw networkError(e);
  }
  if (!res.ok) throw await parseProblem(res);
  return res;
}

/** fileName reads the file name of a Content-Disposition header. */
export function fileName(cd: string | null, fallback: string): string {
  const m = /filename\*=(?:UTF-8'')?"?([^";]+)"?/i.exec(cd ?? "") ?? /filename="?([^";]+)"?/i.exec(cd ?? "");
  if (!m?.[1]) return fallback;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** save downloads a response as a file (never rendered inline). */
export async function save(res: Response, fallback: string) {
  const name = fileName(res.headers.get("Content-Disposition"), fallback);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
