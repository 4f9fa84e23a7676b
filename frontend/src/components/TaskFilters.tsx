import { useEffect, useId, useState, type FormEvent } from "react";
import type { ListParams } from "../hooks/useListParams";
import "./TaskFilters.css";

interface Props {
  params: ListParams;
  onChange: (next: Partial<ListParams>) => void;
  disabled?: boolean;
}

/**
 * Search and "Hide done tasks" above the task list. A search runs when it is submitted (Enter or the button), not on
 * every key: the API has no text index and reads up to 1,000 tasks per search request (docs/scale.md). Emptying the
 * box shows every task again at once. The toggle applies when it changes.
 */
export function TaskFilters({ params, onChange, disabled = false }: Props) {
  const [draft, setDraft] = useState(params.q);
  // The address changed under us (Back, Forward, a link): show its search.
  useEffect(() => setDraft(params.q), [params.q]);
  const id = useId();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    onChange({ q: draft.trim() });
  };

  return (
    <form role="search" aria-label="Filter tasks" className="task-filters" onSubmit={submit}>
      <label htmlFor={`${id}-q`} className="visually-hidden">
        Search tasks
      </label>
      <input
        id={`${id}-q`}
        type="search"
        className="input task-filters__input"
        placeholder="Search tasks"
        value={draft}
        maxLength={200}
        autoComplete="off"
        dir="auto"
        enterKeyHint="search"
        onChange={(e) => {
          setDraft(e.target.value);
          if (e.target.value === "" && params.q !== "") onChange({ q: "" });
        }}
      />
      <button type="submit" className="btn btn--secondary" disabled={disabled}>
        Search
      </button>
      <label className="task-filters__toggle">
        <input type="checkbox" checked={params.hideDone} onChange={(e) => onChange({ hideDone: e.target.checked })} />
        Hide done tasks
      </label>
    </form>
  );
}
