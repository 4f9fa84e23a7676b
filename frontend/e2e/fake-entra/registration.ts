// The SPA's app registration as the fake Entra knows it, built from the same file infra/app/entra.bicep reads
// (infra/app/spa-urls.json), so the registration that `azd up` creates and the one the tests enforce cannot drift.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface SpaUrls {
  redirectPath: string;
  postLogoutPath: string;
  localDevOrigins: string[];
}

export const SPA_URLS: SpaUrls = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../../infra/app/spa-urls.json", import.meta.url)), "utf8"),
) as SpaUrls;

/** The redirect URIs of type `spa`, as entra.bicep registers them, with `siteOrigin` standing for the SWA host. */
export function spaRedirectUris(siteOrigin: string, extraOrigins: string[] = []): string[] {
  const origins = [siteOrigin, ...extraOrigins, ...SPA_URLS.localDevOrigins];
  return [...new Set(origins.flatMap((o) => [`${o}${SPA_URLS.redirectPath}`, `${o}${SPA_URLS.postLogoutPath}`]))];
}
