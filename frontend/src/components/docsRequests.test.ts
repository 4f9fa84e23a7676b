import { describe, expect, it } from "vitest";
import { isApiRequest, openApiUrl, tokenForCall } from "./docsRequests";

describe("docs page requests", () => {
  const page = "https://app.example.net/docs";

  it("finds the document under the API base URL", () => {
    expect(openApiUrl("https://api.example.net/")).toBe("https://api.example.net/api/openapi.json");
    expect(openApiUrl("")).toBe("/api/openapi.json");
  });

  it("sends the token only to the API's own routes", () => {
    const spec = openApiUrl("https://api.example.net");
    expect(isApiRequest("https://api.example.net/api/tasks?limit=5", spec, page)).toBe(true);
    expect(isApiRequest("https://api.example.net/api/tasks/01JDQ1E5W1ZK8J6B6X9F4YV7QH", spec, page)).toBe(true);
    expect(isApiRequest("https://evil.example.net/api/tasks", spec, page)).toBe(false);
    expect(isApiRequest("http://api.example.net/api/tasks", spec, page)).toBe(false);
    expect(isApiRequest("https://api.example.net/other", spec, page)).toBe(false);
    expect(isApiRequest("https://app.example.net/api/tasks", spec, page)).toBe(false);
  });

  it("treats a same-origin API as the page's origin", () => {
    const spec = openApiUrl("");
    expect(isApiRequest("/api/me", spec, page)).toBe(true);
    expect(isApiRequest("https://app.example.net/api/me", spec, page)).toBe(true);
    expect(isApiRequest("https://api.example.net/api/me", spec, page)).toBe(false);
  });

  it("lets a pasted token win over the user's, for the API only", () => {
    const spec = openApiUrl("https://api.example.net");
    const api = "https://api.example.net/api/users";
    expect(tokenForCall(api, spec, true, true, page)).toBe("pasted");
    expect(tokenForCall(api, spec, true, false, page)).toBe("pasted");
    expect(tokenForCall(api, spec, false, true, page)).toBe("user");
    expect(tokenForCall(api, spec, false, false, page)).toBe("none");
    expect(tokenForCall("https://evil.example.net/api/users", spec, true, true, page)).toBe("none");
  });
});
