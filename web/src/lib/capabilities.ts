// Which optional API operations this server has, read from its OpenAPI
// document (cached for the session): pages and panels for features that
// land later (SLA, metrics, suppressions) appear only when the server
// serves them, so no request ends in a 404.
import { useQuery } from "@tanstack/react-query";
import { openapi } from "../api/endpoints";

/** useHasPath reports whether the server's OpenAPI document lists an API path (false while loading). */
export function useHasPath(path: string): boolean {
  const q = useQuery({ queryKey: ["openapi"], queryFn: openapi.get, staleTime: Infinity });
  const paths = (q.data as { paths?: Record<string, unknown> } | undefined)?.paths;
  return !!paths && path in paths;
}

export const SLA_PAUSE_PATH = "/api/v1/incidents/{id}/sla/pause";
export const METRICS_PATH = "/api/v1/incidents/metrics";
export const SUPPRESSIONS_PATH = "/api/v1/correlation/suppressions";
