import { describe, expect, it } from "vitest";
import { readListParams, writeListParams } from "./useListParams";

describe("list parameters in the address", () => {
  it("reads the API's own names: q, and done=false for hiding done tasks", () => {
    expect(readListParams("?q=%20milk%20&done=false")).toEqual({ q: "milk", hideDone: true });
    expect(readListParams("?done=true")).toEqual({ q: "", hideDone: false });
    expect(readListParams("")).toEqual({ q: "", hideDone: false });
  });

  it("writes only what is set and keeps parameters it does not own", () => {
    expect(writeListParams("?tab=1", { q: "Öl & Brot", hideDone: true })).toBe("?tab=1&q=%C3%96l+%26+Brot&done=false");
    expect(writeListParams("?q=x&done=false", { q: "  ", hideDone: false })).toBe("");
    expect(readListParams(writeListParams("", { q: "a+b=c?", hideDone: false }))).toEqual({ q: "a+b=c?", hideDone: false });
  });
});
