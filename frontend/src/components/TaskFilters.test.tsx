import { fireEvent, render, screen } from "@testing-library/react";
import { useLayoutEffect } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { readListParams, useListParams } from "../hooks/useListParams";
import { TaskFilters } from "./TaskFilters";

/** The filters as the task panel wires them, recording at every commit whether the box agrees with the address. */
function Filters({ commits }: { commits: { address: boolean; box: boolean }[] }) {
  const [params, setParams] = useListParams();
  useLayoutEffect(() => {
    const box = document.querySelector<HTMLInputElement>('input[type="checkbox"]');
    commits.push({ address: readListParams(window.location.search).hideDone, box: box?.checked ?? false });
  });
  return <TaskFilters params={params} onChange={setParams} />;
}

describe("Hide done tasks", () => {
  afterEach(() => window.history.replaceState(null, "", "/"));

  // The box is controlled by the address. React puts a controlled box back to its rendered value right after the click,
  // so if the parameters followed the address one render late (an effect), the box showed the old state in between:
  // a user saw it flicker, and Playwright's check() in e2e/list.spec.ts failed "did not change its state" in CI.
  it("is checked in the very render that follows the click, and the address says done=false", () => {
    window.history.replaceState(null, "", "/dashboard");
    const commits: { address: boolean; box: boolean }[] = [];
    render(<Filters commits={commits} />);
    const box = screen.getByRole<HTMLInputElement>("checkbox", { name: "Hide done tasks" });
    fireEvent.click(box);
    expect(box.checked).toBe(true);
    expect(window.location.search).toBe("?done=false");
    expect(commits.filter((c) => c.address !== c.box)).toEqual([]);
    fireEvent.click(box);
    expect(box.checked).toBe(false);
    expect(window.location.search).toBe("");
    expect(commits.filter((c) => c.address !== c.box)).toEqual([]);
  });
});
