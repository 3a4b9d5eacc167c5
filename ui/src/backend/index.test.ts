import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, describe, expect, it } from "vitest";
import { BackendError, getAppInfo, toBackendError } from ".";

afterEach(() => {
  clearMocks();
});

describe("getAppInfo", () => {
  it("resolves to the app info the command returns", async () => {
    mockIPC((cmd) =>
      cmd === "app_info"
        ? {
            version: "0.1.0",
            dataDir: "/data",
            profile: null,
            region: "us-east-1",
            sandboxEndpoint: null,
          }
        : undefined,
    );
    await expect(getAppInfo()).resolves.toEqual({
      version: "0.1.0",
      dataDir: "/data",
      profile: null,
      region: "us-east-1",
      sandboxEndpoint: null,
    });
  });

  it("throws a BackendError carrying kind, message and field", async () => {
    mockIPC(() => {
      throw { kind: "invalid_input", message: "region is required", field: "region" };
    });
    const error = await getAppInfo().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(BackendError);
    expect(error).toMatchObject({
      kind: "invalid_input",
      message: "region is required",
      field: "region",
    });
  });
});

describe("toBackendError", () => {
  it("keeps Tauri's plain-string rejections readable", () => {
    const error = toBackendError("command app_info not found");
    expect(error.kind).toBe("transport");
    expect(error.message).toBe("command app_info not found");
    expect(error.field).toBeNull();
  });

  it("never shows an unknown value as [object Object]", () => {
    expect(toBackendError({ unexpected: true }).message).toBe(
      "The backend returned an unexpected answer.",
    );
  });
});
