// Renders a piece of the app the way main.tsx does (auth, services, access), with a fake API.
// The test file must mock ../services with ./servicesMock (see there).
import { render } from "@testing-library/react";
import type { ReactNode } from "react";
import { AccessProvider } from "../access";
import type { ApiClient } from "../api/client";
import { AuthContext, type Auth } from "../auth/auth";
import { services } from "./servicesMock";

/** `path` is the page's address: the app asks /api/me only on pages that need it (ACCESS_PAGES). */
export function renderApp(ui: ReactNode, api: ApiClient, signedIn = true, path = "/dashboard") {
  services.api = api;
  window.history.replaceState(null, "", path);
  const auth: Auth = {
    account: signedIn ? { name: "Alice Martin", username: "alice@contoso.example" } : null,
    busy: false,
    photoUrl: null,
    getToken: async () => "token",
    signOut: async () => undefined,
    providerName: "test",
    identityNote: null,
    switchAccount: null,
    renewal: null,
    SignInPanel: () => <button type="button">Sign in</button>,
    SignInButton: () => <button type="button">Sign in</button>,
  };
  return render(
    <AuthContext.Provider value={auth}>
      <AccessProvider>{ui}</AccessProvider>
    </AuthContext.Provider>,
  );
}
