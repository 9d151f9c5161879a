// A note's text with @mentions shown by name.
import type { Assignee } from "../../api/types";
import { assigneeName } from "../assignees";
import { splitMentions } from "./incidentFilters";

export function NoteBody({ body, people }: { body: string; people: Assignee[] | undefined }) {
  return (
    <p className="text-sm whitespace-pre-wrap">
      {splitMentions(body).map((p, i) =>
        "user" in p ? (
          <span key={i} className="rounded bg-sky-100 px-1 font-medium text-sky-800 dark:bg-sky-950 dark:text-sky-200">
            @{assigneeName(p.user, people)}
          </span>
        ) : (
          <span key={i}>{p.text}</span>
        ),
      )}
    </p>
  );
}
