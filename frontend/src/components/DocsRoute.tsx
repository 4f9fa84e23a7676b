import { lazy, Suspense } from "react";
import { Spinner } from "./Spinner";

// Swagger UI is large (~1.7 MB): it loads only when someone opens /docs.
const DocsPage = lazy(() => import("./DocsPage"));

export function DocsRoute() {
  return (
    <Suspense
      fallback={
        <div className="center-pad">
          <Spinner label="Loading the API documentation" />
        </div>
      }
    >
      <DocsPage />
    </Suspense>
  );
}
