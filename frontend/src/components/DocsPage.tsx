import { useEffect, useRef, useState } from "react";
import { describeError } from "../api/client";
import { useAuth } from "../auth/auth";
import { useServices } from "../services";
import { Spinner } from "./Spinner";
import { openApiUrl, tokenForCall } from "./docsRequests";
import "swagger-ui-dist/swagger-ui.css";
import "./docs.css";

/**
 * /docs: the API's own OpenAPI document (served by the handler at /api/openapi.json), rendered
 * by Swagger UI. Calls tried from the page carry the signed-in user's token for the API,
 * fetched per call (so it is fresh) and attached only to requests for the API's origin.
 * Swagger UI's Authorize dialog offers only the document's `bearer` scheme: a token pasted there
 * (an app-only one from `make token APP=...`, or any other, docs/app-callers.md) wins over the
 * user's, kept in memory for this page only. Its OAuth2 schemes are left out: their flows would
 * need another redirect URI on the SPA's app registration (authorization code) or a client
 * secret in the browser (client credentials), and the user is already signed in here.
 */
export default function DocsPage() {
  const { config } = useServices();
  const { account, getToken, SignInButton } = useAuth();
  const signedIn = account !== null;
  // The interceptor is created once per render of Swagger UI; it reads the sign-in state now.
  const signedInRef = useRef(signedIn);
  signedInRef.current = signedIn;

  const host = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<"loading" | "ready" | string>("loading");
  const specUrl = openApiUrl(config.apiBaseUrl);

  useEffect(() => {
    let cancelled = false;
    let observer: MutationObserver | undefined;
    let stopKeeping: (() => void) | undefined;
    (async () => {
      const { default: SwaggerUIBundle } = await import("swagger-ui-dist/swagger-ui-es-bundle.js");
      if (cancelled || !host.current) return;
      SwaggerUIBundle({
        url: specUrl,
        domNode: host.current,
        deepLinking: false,
        defaultModelsExpandDepth: 0,
        displayRequestDuration: true,
        plugins: [bearerOnlyAuthorize],
        requestInterceptor: async (req) => {
          // Swagger UI has already put a pasted token on the request (swagger-client applies the
          // scheme before the interceptor runs).
          const pasted = Boolean(req.headers["Authorization"]);
          const token = tokenForCall(req.url, specUrl, pasted, signedInRef.current);
          if (token === "user") req.headers["Authorization"] = `Bearer ${await getToken({ forceRefresh: false })}`;
          if (token === "none") delete req.headers["Authorization"];
          return req;
        },
        onComplete: () => !cancelled && setState("ready"),
      });
      observer = fitIntoOurPage(host.current);
      stopKeeping = keepFocusOnExecute(host.current);
    })().catch((err: unknown) => !cancelled && setState(describeError(err)));
    return () => {
      cancelled = true;
      observer?.disconnect();
      stopKeeping?.();
    };
  }, [specUrl, getToken]);

  return (
    <div className="docs">
      <div className="docs__intro">
        <h1>API documentation</h1>
        <p className="muted">
          The Tasks API as described by its OpenAPI 3.1 document,{" "}
          <a href={specUrl} className="mono">
            /api/openapi.json
          </a>
          . The API's tests check every answer against this document, so it is what the API really does.
        </p>
        {signedIn ? (
          <p className="notice notice--info">
            You are signed in: “Try it out” calls the API with your own token, on your own tasks. A token pasted in
            Authorize (an app's, say) is used instead.
          </p>
        ) : (
          <p className="notice notice--info">
            Sign in to try the calls with your token, or paste one in Authorize; without one the API answers 401.{" "}
            <SignInButton small />
          </p>
        )}
        {state === "loading" && <Spinner label="Loading the API description" />}
        {state !== "loading" && state !== "ready" && (
          <p className="notice notice--error" role="alert">
            The API description could not be shown: {state}
          </p>
        )}
      </div>
      <div ref={host} className="docs__swagger" data-testid="swagger-ui" />
    </div>
  );
}

/** An immutable.js list of security requirements, each a map from scheme name to scheme, as Swagger UI holds them. */
interface SchemeGroups {
  map(f: (group: SchemeGroup) => SchemeGroup): SchemeGroups;
  filter(f: (group: SchemeGroup) => boolean): SchemeGroups;
}
interface SchemeGroup {
  size: number;
  filter(f: (scheme: { get(key: string): unknown }) => boolean): SchemeGroup;
}

/**
 * A Swagger UI plugin: the Authorize dialog lists the schemes a token can be pasted into and no
 * OAuth2 flow (see DocsPage). The per-operation lock buttons, which open the same dialog with each
 * operation's own schemes, stay hidden.
 */
function bearerOnlyAuthorize() {
  return {
    components: { authorizeOperationBtn: () => null },
    statePlugins: {
      auth: {
        wrapSelectors: {
          // Swagger UI calls a wrapper as wrapper(original, system)(state, ...args) (swagger-ui's
          // getWrappedAndBoundSelectors); the dialog shows what definitionsToAuthorize returns.
          definitionsToAuthorize:
            (original: () => SchemeGroups) =>
            (): SchemeGroups =>
              original()
                .map((group) => group.filter((scheme) => scheme.get("type") !== "oauth2"))
                .filter((group) => group.size > 0),
        },
      },
    },
  };
}

/**
 * Swagger UI renders a page of its own: <main> elements (the operations, the schemas) and an <h1>
 * (the API's title). Inside our page they would be a second main landmark and a second title, so
 * they become named regions and a level-2 heading; its server picker gets the label it lacks. Done
 * now and whenever Swagger UI re-renders them.
 */
function fitIntoOurPage(root: HTMLElement): MutationObserver {
  const fit = () => {
    for (const main of root.querySelectorAll<HTMLElement>("main:not([role])")) {
      main.setAttribute("role", "region");
      if (!main.hasAttribute("aria-label")) main.setAttribute("aria-label", main.id === "operations" ? "Operations" : "Schemas");
    }
    for (const h1 of root.querySelectorAll<HTMLElement>("h1:not([aria-level])")) h1.setAttribute("aria-level", "2");
    for (const select of root.querySelectorAll<HTMLSelectElement>("select#servers:not([aria-label])")) select.setAttribute("aria-label", "Server");
  };
  fit();
  const observer = new MutationObserver(fit);
  observer.observe(root, { childList: true, subtree: true });
  return observer;
}

/**
 * Swagger UI replaces the Execute button it was clicked on (with Execute and Clear) when the answer
 * arrives, and focus, on a button no longer in the page, falls to the start of the document: a
 * keyboard or screen reader user is thrown back to the top. While an operation's call is under way,
 * focus that falls out of the page goes to that operation's new Execute button, just above the answer.
 */
function keepFocusOnExecute(root: HTMLElement): () => void {
  let operation: string | null = null;
  const onClick = (e: Event) => {
    const button = e.target instanceof Element ? e.target.closest("button.execute") : null;
    operation = button?.closest(".opblock")?.id || null;
  };
  const onFocusIn = (e: FocusEvent) => {
    // The user moved on by themselves: leave their focus alone.
    if (operation && !(e.target instanceof Element && e.target.matches("button.execute"))) operation = null;
  };
  const rescue = () => {
    if (!operation) return;
    const active = document.activeElement;
    if (active && active !== document.body && active.isConnected) return;
    const again = root.querySelector<HTMLElement>(`#${CSS.escape(operation)} button.execute`);
    if (again) {
      again.focus();
      operation = null;
    }
  };
  const observer = new MutationObserver(rescue);
  observer.observe(root, { childList: true, subtree: true });
  root.addEventListener("click", onClick);
  document.addEventListener("focusin", onFocusIn);
  return () => {
    observer.disconnect();
    root.removeEventListener("click", onClick);
    document.removeEventListener("focusin", onFocusIn);
  };
}
