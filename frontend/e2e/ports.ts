/** The SPA's port in the browser tests (http://localhost is a secure context, which MSAL needs). */
export const SPA_PORT = Number(process.env.E2E_PORT ?? 4173);
