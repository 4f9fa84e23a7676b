import { describe, expect, it } from "vitest";
import type { AdminUser } from "../../api/types";
import { byName, formatTime, matches } from "./format";

const user = (id: string, name: string, email = ""): AdminUser => ({ id, name, email, taskCount: 1, lastActivity: "2026-12-06T08:00:00Z" });

describe("the admin panel's users", () => {
  it("sort by name as a reader expects (case, accents, numbers), else email, else id", () => {
    const sorted = byName([user("3", "zoë"), user("1", "Émile"), user("2", "", "adam@contoso.example"), user("4", "User 10"), user("5", "User 9")]);
    expect(sorted.map((u) => u.name || u.email)).toEqual(["adam@contoso.example", "Émile", "User 9", "User 10", "zoë"]);
  });

  it("match every word typed in the name, email or id, ignoring case and accents", () => {
    const emile = user("e0e0", "Émile Zola", "emile@contoso.example");
    expect(matches(emile, "emile")).toBe(true);
    expect(matches(emile, "ZOLA contoso")).toBe(true);
    expect(matches(emile, "e0e0")).toBe(true);
    expect(matches(emile, "zola bob")).toBe(false);
    expect(matches(emile, "   ")).toBe(true);
  });

  it("show times to the second", () => {
    expect(formatTime("2026-12-06T08:52:19Z")).toMatch(/:\d\d:19/);
    expect(formatTime("not a time")).toBe("not a time");
  });
});
