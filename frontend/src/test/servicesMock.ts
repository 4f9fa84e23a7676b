// Stands in for ../services in component tests, so a test hands the app its fake API:
//   vi.mock("../services", async () => (await import("../test/servicesMock")).servicesModule);
import type { ApiClient } from "../api/client";

export const services: { api: ApiClient | null } = { api: null };

export const servicesModule = {
  useServices: () => {
    if (!services.api) throw new Error("services.api is not set");
    return { config: { apiBaseUrl: "" }, api: services.api };
  },
};
