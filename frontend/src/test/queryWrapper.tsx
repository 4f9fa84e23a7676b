// Hooks and components that read the API through TanStack Query, rendered with a cache of their own per test.
import { notifyManager, QueryClientProvider, type QueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { createQueryClient } from "../hooks/queries";

// TanStack Query tells React of changes on a setTimeout(0) by default; a test with fake timers would never see them.
notifyManager.setScheduler(queueMicrotask);

/** The app's query client (its policy), with retries off unless `retries`: a test says each answer the API gives. */
export function testQueryClient(retries = false): QueryClient {
  const client = createQueryClient();
  if (!retries) {
    client.setDefaultOptions({
      queries: { ...client.getDefaultOptions().queries, retry: false },
      mutations: { ...client.getDefaultOptions().mutations, retry: false },
    });
  }
  return client;
}

export function queryWrapper(client: QueryClient = testQueryClient()) {
  return ({ children }: { children: ReactNode }) => <QueryClientProvider client={client}>{children}</QueryClientProvider>;
}
