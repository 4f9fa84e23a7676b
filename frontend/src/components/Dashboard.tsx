import { useEffect, useState } from "react";
import { useAccess } from "../access";
import { useAuth } from "../auth/auth";
import { taskListFor } from "../hooks/taskList";
import { readListParams } from "../hooks/useListParams";
import { useServices } from "../services";
import { ProfileCard } from "./ProfileCard";
import { Spinner } from "./Spinner";

// The task panel (its list logic and TanStack Query) is its own chunk: loaded on the dashboard, not in the first
// download (the initial JavaScript has a budget, e2e/js-budget.spec.ts).
// Not React.lazy: React 19 holds a Suspense boundary's content back up to 300 ms after its fallback showed
// (react-dom-client FALLBACK_THROTTLE_MS = 300), which made the first task appear ~300 ms later on a fast network
// (make bench-frontend, loopback median: 244 ms before the split, 543 ms with lazy, 217 ms with this state).
type PanelModule = typeof import("./TaskPanel");
let panel: PanelModule | undefined;
const loadPanel = () => import("./TaskPanel").then((m) => (panel = m));

export function Dashboard() {
  const { api } = useServices();
  const { account } = useAuth();
  const { me, access } = useAccess();
  // The first page of tasks is asked for now, while /api/me is on its way, not after it (issue 30, finding 11), and
  // the panel's code is fetched meanwhile. Once that code is here, its query cache decides whether to ask.
  const who = account?.username ?? "";
  const [module, setModule] = useState(panel);
  useEffect(() => {
    const list = taskListFor(readListParams(window.location.search)); // the search and filter in the address
    const early = panel ? undefined : api.listTasks(list);
    early?.catch(() => undefined); // its failure is the query's to report
    void loadPanel().then((m) => {
      setModule(m);
      return m.prefetchTasks(api, who, list, early);
    });
  }, [api, who]);
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
        {knowing || !module ? (
          <LoadingPanel />
        ) : (
          <module.TaskPanel api={api} who={who} readOnly={access !== null && !access.permissions.includes("tasks.write")} />
        )}
        <ProfileCard />
      </div>
    </div>
  );
}

function LoadingPanel() {
  return (
    <section className="card tasks" aria-labelledby="tasks-title">
      <div className="tasks__head">
        <h2 id="tasks-title">Tasks</h2>
      </div>
      <div className="tasks__state">
        <Spinner label="Loading tasks" />
      </div>
    </section>
  );
}
