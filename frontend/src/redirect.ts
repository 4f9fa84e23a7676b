// MSAL v5 redirect bridge. Entra's pages send Cross-Origin-Opener-Policy, so popups and the
// hidden iframe cannot hand their result to the app directly: Entra redirects here, and this
// page passes the response on (BroadcastChannel for popup/silent, sessionStorage + navigation
// back for full-page redirects). It must stay outside MsalProvider and must not load the app.
import { broadcastResponseToMainFrame } from "@azure/msal-browser/redirect-bridge";

broadcastResponseToMainFrame().catch((err: unknown) => {
  const code = typeof err === "object" && err !== null && "errorCode" in err ? String(err.errorCode) : "unknown";
  const p = document.getElementById("bridge-status");
  if (p) p.textContent = `Sign-in could not be completed (${code}). Close this window and try again.`;
});
