import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ErrorReference } from "./ErrorReference";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

/** Replaces the page's clipboard (undefined: none, as outside a secure context) for one test. */
function clipboard(value: Partial<Clipboard> | undefined) {
  Object.defineProperty(navigator, "clipboard", { value, configurable: true });
}

describe("ErrorReference", () => {
  afterEach(() => {
    cleanup();
    window.getSelection()?.removeAllRanges();
  });

  it("shows the reference and copies exactly the id, saying Copied in a polite status", async () => {
    const writeText = vi.fn(async (_: string) => undefined);
    clipboard({ writeText });
    render(<ErrorReference traceId={TRACE} />);
    expect(screen.getByText(TRACE).closest(".error-ref")?.textContent).toContain(`Reference: ${TRACE}`);
    const status = screen.getByRole("status");
    expect(status.textContent).toBe("");

    await act(async () => void fireEvent.click(screen.getByRole("button", { name: "Copy reference" })));
    expect(writeText).toHaveBeenCalledTimes(1);
    expect(writeText).toHaveBeenCalledWith(TRACE);
    expect(status.textContent).toBe("Copied");
  });

  it("the Copied status goes after a few seconds", async () => {
    vi.useFakeTimers();
    try {
      clipboard({ writeText: async () => undefined });
      render(<ErrorReference traceId={TRACE} />);
      await act(async () => void fireEvent.click(screen.getByRole("button", { name: "Copy reference" })));
      expect(screen.getByRole("status").textContent).toBe("Copied");
      await act(async () => void vi.advanceTimersByTime(5000));
      expect(screen.getByRole("status").textContent).toBe("");
    } finally {
      vi.useRealTimers();
    }
  });

  it.each([
    ["no clipboard (an insecure origin)", undefined],
    ["a clipboard that refuses", { writeText: async () => Promise.reject(new DOMException("denied", "NotAllowedError")) }],
  ])("with %s: selects the id for the user to copy, and says so", async (_, board) => {
    clipboard(board);
    render(<ErrorReference traceId={TRACE} />);
    await act(async () => void fireEvent.click(screen.getByRole("button", { name: "Copy reference" })));
    expect(window.getSelection()?.toString()).toBe(TRACE);
    expect(screen.getByRole("status").textContent).toMatch(/^Selected: copy it/);
  });

  it.each([undefined, "", TRACE.toUpperCase(), `${TRACE} `, "0".repeat(32), "<img src=x onerror=alert(1)>"])("shows nothing for %j", (traceId) => {
    const { container } = render(<ErrorReference traceId={traceId} />);
    expect(container.innerHTML).toBe("");
  });
});
