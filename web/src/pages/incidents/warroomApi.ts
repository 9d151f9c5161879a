// API of the war room features that land beside the incident module:
// post-incident review and report (internal/report), kept here rather than
// in the shared api/ files. Each is shown only when the server's OpenAPI
// document has its path (lib/capabilities.ts).
import { api } from "../../api/client";
import type { TaskStatus } from "../../api/types";

const inc = (id: string) => `incidents/${encodeURIComponent(id)}`;

export const REVIEW_PATH = "/api/v1/incidents/{id}/review";
export const REPORT_PATH = "/api/v1/incidents/{id}/report";

export interface FollowUp {
  task_id: string;
  title: string;
  status: TaskStatus;
  assignee?: string;
  due_at?: string;
}

export interface Review {
  incident_id: string;
  exists: boolean;
  /** The incident is resolved or closed: only then may a review be saved. */
  editable: boolean;
  incident_status: string;
  root_cause: string;
  impact: string;
  lessons_learned: string;
  follow_ups: FollowUp[] | null;
  version: number;
  created_by?: string;
  created_at?: string;
  updated_by?: string;
  updated_at?: string;
}

/** A follow-up as saved: an existing task, or a new one to create. */
export type FollowUpInput = { task_id: string } | { title: string; assignee?: string; due_at?: string };

export interface ReviewInput {
  root_cause: string;
  impact: string;
  lessons_learned: string;
  follow_ups: FollowUpInput[];
  version?: number;
}

export const review = {
  get: (id: string) => api.get<Review>(`${inc(id)}/review`),
  put: (id: string, r: ReviewInput) => api.put<Review>(`${inc(id)}/review`, r),
};

export const reportPath = (id: string, format: "markdown" | "pdf") => `${inc(id)}/report?format=${format}`;
