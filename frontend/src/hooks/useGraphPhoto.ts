import { useEffect, useState } from "react";
import { InteractionStatus, type AccountInfo } from "@azure/msal-browser";
import { useMsal } from "../auth/msalState";
import { GRAPH_SCOPES } from "../auth/msal";

export const GRAPH_PHOTO_URL = "https://graph.microsoft.com/v1.0/me/photo/$value";

/**
 * The signed-in user's photo from Microsoft Graph as an object URL, or null (no photo, no
 * consent, any error). Never prompts: a missing photo is not worth a popup.
 */
export function useGraphPhoto(account: AccountInfo | null): string | null {
  const { instance, inProgress } = useMsal();
  const [url, setUrl] = useState<string | null>(null);
  const accountId = account?.homeAccountId;

  useEffect(() => {
    if (!account || inProgress !== InteractionStatus.None) return;
    let objectUrl: string | null = null;
    const ac = new AbortController();
    (async () => {
      try {
        const { accessToken } = await instance.acquireTokenSilent({ scopes: GRAPH_SCOPES, account });
        const res = await fetch(GRAPH_PHOTO_URL, {
          headers: { Authorization: `Bearer ${accessToken}` },
          signal: ac.signal,
        });
        if (!res.ok) return;
        objectUrl = URL.createObjectURL(await res.blob());
        if (!ac.signal.aborted) setUrl(objectUrl);
      } catch {
        // initials are shown instead
      }
    })();
    return () => {
      ac.abort();
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      setUrl(null);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the account's id
  }, [instance, inProgress, accountId]);

  return url;
}

export function initials(name: string | undefined, fallback = "?"): string {
  const words = (name ?? "").trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return fallback;
  const first = words[0]!.charAt(0);
  const last = words.length > 1 ? words[words.length - 1]!.charAt(0) : "";
  return (first + last).toUpperCase();
}
