import { act, renderHook, waitFor } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import type { Page } from "../api/types";
import type { PageParams } from "../api/client";
import { usePaged } from "./usePaged";

describe("usePaged", () => {
  it("drops a later page that was asked for before a reload, so old rows never join the new list", async () => {
    let releaseMore!: (p: Page<string>) => void;
    const load = vi.fn(async (params: PageParams): Promise<Page<string>> => {
      if (params.next === "2") return new Promise((res) => (releaseMore = res));
      return load.mock.calls.length === 1 ? { items: ["old-1"], next: "2" } : { items: ["new-1"] };
    });
    const { result, rerender } = renderHook(({ version }) => usePaged(load, 10, version), { initialProps: { version: 0 } });
    await waitFor(() => expect(result.current.state.items).toEqual(["old-1"]));
    let more!: Promise<void>;
    act(() => {
      more = result.current.loadMore();
    });
    rerender({ version: 1 });
    await waitFor(() => expect(result.current.state.items).toEqual(["new-1"]));
    await act(async () => {
      releaseMore({ items: ["old-2"] });
      await more;
    });
    expect(result.current.state.items).toEqual(["new-1"]);
    expect(result.current.state.next).toBeUndefined();
  });
});
