import { useAccess } from "../access";
import { useAuth } from "../auth/auth";
import { useServices } from "../services";
import { ProfileCard } from "./ProfileCard";
import { Spinner } from "./Spinner";
import { TaskPanel } from "./TaskPanel";

export function Dashboard() {
  const { api } = useServices();
  const { account } = useAuth();
  const { me, access } = useAccess();
  const firstName = account?.name.split(" ")[0];
  // Wait for /api/me before showing the panel, so a Viewer never sees controls flash up and go.
  // If /api/me fails, show the full panel: the API still refuses what the role does not allow.
  const knowing = me.status === "loading";
  return (
    <div className="dashboard">
      {/* The name is isolated: a right-to-left name must not reorder the rest of the heading. */}
      <h1 className="dashboard__title">
        {firstName ? (
          <>
            <bdi>{firstName}</bdi>’s tasks
          </>
        ) : (
          "Your tasks"
        )}
      </h1>
      <div className="dashboard__grid">
        {knowing ? (
          <section className="card tasks" aria-labelledby="tasks-title">
            <div className="tasks__head">
              <h2 id="tasks-title">Tasks</h2>
            </div>
            <div className="tasks__state">
              <Spinner label="Loading tasks" />
            </div>
          </section>
        ) : (
          <TaskPanel api={api} readOnly={access !== null && !access.permissions.includes("tasks.write")} />
        )}
        <ProfileCard />
      </div>
    </div>
  );
}
