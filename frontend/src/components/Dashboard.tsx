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
      <h1 className="dashboard__title">{firstName ? `${firstName}’s tasks` : "Your tasks"}</h1>
      <div className="dashboard__grid">
        <TaskPanel api={api} />
        <ProfileCard api={api} />
      </div>
    </div>
  );
}
