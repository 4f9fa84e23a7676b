import { useId, useRef, useState, type FormEvent } from "react";
import type { Failure } from "../api/reference";
import { checkTitle, MAX_TITLE } from "../hooks/titles";
import { ErrorReference } from "./ErrorReference";

/** The new-task box. A title the API refused comes back into the box, with the reason under it. */
export function AddTaskForm({ onAdd, disabled }: { onAdd: (title: string) => Promise<Failure | null>; disabled: boolean }) {
  const [value, setValue] = useState("");
  const [error, setError] = useState<Failure | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const checked = checkTitle(value);
    if (!checked.ok) {
      setError({ message: checked.message });
      input.current?.focus();
      return;
    }
    setError(null);
    setValue("");
    const refused = await onAdd(checked.title);
    if (refused === null) return;
    // Give the text back, unless the user already typed something new.
    setValue((v) => (v === "" ? checked.title : v));
    setError(refused);
  };

  return (
    <form className="add-task" onSubmit={submit} noValidate>
      <label htmlFor={id} className="visually-hidden">
        New task
      </label>
      <input
        ref={input}
        id={id}
        className="input"
        placeholder="What needs doing?"
        value={value}
        maxLength={MAX_TITLE + 50}
        autoComplete="off"
        dir="auto"
        disabled={disabled}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-rule ${id}-error` : `${id}-rule`}
        onChange={(e) => {
          setValue(e.target.value);
          if (error) setError(null);
        }}
      />
      <button type="submit" className="btn btn--primary" disabled={disabled}>
        Add task
      </button>
      <p id={`${id}-rule`} className="muted small">
        One line of up to {MAX_TITLE} characters, without invisible formatting characters. Emoji and every script are
        welcome.
      </p>
      {error && (
        <div className="form-error add-task__error" role="alert">
          <p id={`${id}-error`}>{error.message}</p>
          <ErrorReference traceId={error.traceId} />
        </div>
      )}
    </form>
  );
}
