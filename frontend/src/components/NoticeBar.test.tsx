import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NoticeBar } from "./NoticeBar";

const offer = { id: 1, kind: "info" as const, message: ["Deleted ", { title: "Buy milk" }, "."], undoDelete: "t1" };

describe("NoticeBar", () => {
  afterEach(cleanup);

  it("Ctrl+Z undoes a delete from anywhere but a text box, whose own undo it is", () => {
    const onUndo = vi.fn();
    render(
      <>
        <input type="checkbox" aria-label="A task" />
        <input aria-label="New task" />
        <NoticeBar notice={offer} onDismiss={() => undefined} onUndo={onUndo} />
      </>,
    );
    expect(screen.getByRole("status").textContent).toContain("Ctrl+Z undoes it.");
    fireEvent.keyDown(screen.getByRole("textbox", { name: "New task" }), { key: "z", ctrlKey: true });
    expect(onUndo).not.toHaveBeenCalled();
    fireEvent.keyDown(screen.getByRole("checkbox", { name: "A task" }), { key: "z", ctrlKey: true });
    expect(onUndo).toHaveBeenCalledWith("t1");
  });

  it("an error shows the reference of the failed call, with its Copy button", () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    render(<NoticeBar notice={{ id: 2, kind: "error", message: ["Could not load more tasks."], traceId }} onDismiss={() => undefined} onUndo={() => undefined} />);
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain(`Could not load more tasks.Reference: ${traceId}`);
    expect(screen.getByRole("button", { name: "Copy reference" })).toBeTruthy();
  });

  it("holds the offer while it is hovered or focused, and lets go when neither", () => {
    const onHold = vi.fn();
    render(<NoticeBar notice={offer} onDismiss={() => undefined} onUndo={() => undefined} onHold={onHold} />);
    const region = screen.getByRole("status");
    act(() => void fireEvent.mouseEnter(region));
    expect(onHold).toHaveBeenLastCalledWith(true);
    act(() => void fireEvent.focus(screen.getByRole("button", { name: "Undo" })));
    act(() => void fireEvent.mouseLeave(region));
    expect(onHold).toHaveBeenLastCalledWith(true); // still focused
    act(() => void fireEvent.blur(screen.getByRole("button", { name: "Undo" })));
    expect(onHold).toHaveBeenLastCalledWith(false);
  });
});
