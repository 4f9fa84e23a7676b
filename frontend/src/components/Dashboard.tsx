import { useMsal } from "@azure/msal-react";
import { useServices } from "../services";
import { ProfileCard } from "./ProfileCard";
import { TaskPanel } from "./TaskPanel";

export function Dashboard() {
  const { api } = useServices();
  const { accounts, instance } = useMsal();
  const account = instance.getActiveAccount() ?? accounts[0];
  const firstName = account?.name?.split(" ")[0];
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
