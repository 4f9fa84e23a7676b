import { renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { fakeApi, meWith } from "../test/fakeApi";
import { useMe } from "./useMe";

describe("useMe", () => {
  it("never shows one user's answer (or 'idle') as the next user's, even for one render", async () => {
    const api = fakeApi({ me: vi.fn(async () => meWith(["Viewer"], ["tasks.read"])) });
    const seen: string[] = [];
    const { result, rerender } = renderHook(({ who }) => {
      const r = useMe(api, who);
      seen.push(`${who}:${r.state.status}`);
      return r;
    }, { initialProps: { who: null as string | null } });
    expect(result.current.state.status).toBe("idle");
    rerender({ who: "alice" });
    await waitFor(() => expect(result.current.state.status).toBe("ready"));
    rerender({ who: "bob" });
    await waitFor(() => expect(result.current.state.status).toBe("ready"));
    // Alice's first render is "loading", not the "idle" from before; Bob's is not Alice's answer.
    expect(seen.find((s) => s.startsWith("alice:"))).toBe("alice:loading");
    expect(seen.find((s) => s.startsWith("bob:"))).toBe("bob:loading");
    expect(api.me).toHaveBeenCalledTimes(2);
  });
});
