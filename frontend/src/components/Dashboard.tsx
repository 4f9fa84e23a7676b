import { useAuth } from "../auth/auth";
import { useServices } from "../services";
import { ProfileCard } from "./ProfileCard";
import { TaskPanel } from "./TaskPanel";

export function Dashboard() {
  const { api } = useServices();
  const { account } = useAuth();
  const firstName = account?.name.split(" ")[0];
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
        <TaskPanel api={api} />
        <ProfileCard api={api} />
      </div>
    </div>
  );
}
