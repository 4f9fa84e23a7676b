/** A busy indicator whose status role is named by `label`, so "Loading tasks" can be found (and waited for) by name. */
export function Spinner({ label }: { label: string }) {
  return (
    <span className="spinner" role="status" aria-label={label}>
      <span className="spinner__ring" aria-hidden="true" />
      <span className="visually-hidden">{label}</span>
    </span>
  );
}
