import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import App from "./App.svelte";
import type { AppInfo, IpcError } from "./backend";

const awsInfo: AppInfo = {
  version: "0.1.0",
  dataDir: "/home/ops/.local/share/dev.amibakery.app",
  profile: "platform-prod",
  region: "eu-west-1",
  sandboxEndpoint: null,
};

/**
 * Answers `app_info` like the Rust command would, and `list_profiles` with no profiles;
 * any other command is a test failure. Events are mocked (the MFA dialog listens).
 */
function backendAnswering(answer: { ok: AppInfo } | { err: IpcError }): string[] {
  const calls: string[] = [];
  mockIPC(
    (cmd) => {
      calls.push(cmd);
      if (cmd === "list_profiles") {
        return {
          profiles: [],
          environment: null,
          configFile: "/home/ops/.aws/config",
          credentialsFile: "/home/ops/.aws/credentials",
          appProfilesFile: "/data/profiles.json",
        };
      }
      // The Templates view (the landing section) lists its starters.
      if (cmd === "template_starters") return [];
      // The History view asks for its window: an empty history.
      if (cmd === "history_timeline") {
        return { lanes: [], total: 0, bakes: [], clusters: [], newest: null };
      }
      if (cmd !== "app_info") throw new Error(`unexpected command ${cmd}`);
      if ("err" in answer) throw answer.err;
      return answer.ok;
    },
    { shouldMockEvents: true },
  );
  return calls;
}

afterEach(() => {
  clearMocks();
});

describe("app frame", () => {
  it("navigates between all five sections from the sidebar", async () => {
    backendAnswering({ ok: awsInfo });
    const user = userEvent.setup();
    render(App);

    // Templates is the landing section.
    expect(screen.getByTestId("section-templates")).toBeInTheDocument();
    expect(screen.getByTestId("nav-templates")).toHaveAttribute("aria-current", "page");

    const sections = [
      ["bakes", "Bakes"],
      ["history", "History"],
      ["profiles", "Profiles"],
      ["about", "About"],
      ["templates", "Templates"],
    ] as const;
    for (const [id, name] of sections) {
      await user.click(screen.getByTestId(`nav-${id}`));
      const section = screen.getByTestId(`section-${id}`);
      expect(within(section).getByRole("heading", { level: 1 })).toHaveTextContent(name);
      expect(screen.getByTestId(`nav-${id}`)).toHaveAttribute("aria-current", "page");
      // Exactly one section is shown and exactly one sidebar item is current.
      expect(screen.getAllByRole("heading", { level: 1 })).toHaveLength(1);
      expect(
        screen.getAllByRole("button").filter((b) => b.getAttribute("aria-current") === "page"),
      ).toHaveLength(1);
      // Focus follows navigation to the new section's heading.
      expect(within(section).getByRole("heading", { level: 1 })).toHaveFocus();
    }
  });

  it("says what an empty history will hold, and lists profiles", async () => {
    backendAnswering({ ok: awsInfo });
    const user = userEvent.setup();
    render(App);

    await user.click(screen.getByTestId("nav-history"));
    await waitFor(() =>
      expect(screen.getByTestId("history-count")).toHaveTextContent(
        "No bakes yet. Every bake — from the Bakes view or from bakery bake — shows up here.",
      ),
    );
    await user.click(screen.getByTestId("nav-profiles"));
    expect(await screen.findByTestId("profiles-empty")).toHaveTextContent(
      "none in /home/ops/.aws/config",
    );
    expect(screen.getByTestId("section-profiles")).toHaveTextContent("keyring");
  });

  it("is operable from the keyboard", async () => {
    backendAnswering({ ok: awsInfo });
    const user = userEvent.setup();
    render(App);

    screen.getByTestId("nav-history").focus();
    await user.keyboard("{Enter}");
    expect(screen.getByTestId("section-history")).toBeInTheDocument();
    expect(screen.getByTestId("nav-history")).toHaveAttribute("aria-current", "page");
  });
});

describe("about view", () => {
  it("shows the version and data directory returned by the backend", async () => {
    const calls = backendAnswering({ ok: awsInfo });
    const user = userEvent.setup();
    render(App);

    await user.click(screen.getByTestId("nav-about"));
    expect(await screen.findByTestId("about-version")).toHaveTextContent(/^0\.1\.0$/);
    expect(screen.getByTestId("about-data-dir")).toHaveTextContent(
      /^\/home\/ops\/\.local\/share\/dev\.amibakery\.app$/,
    );
    expect(screen.getByTestId("about-app-name")).toHaveTextContent("AMI Bakery");
    expect(screen.queryByTestId("about-sandbox-endpoint")).not.toBeInTheDocument();
    expect(
      calls.filter((c) => !c.startsWith("plugin:event|") && c !== "template_starters"),
    ).toEqual(["app_info"]);
  });

  it("shows the sandbox endpoint when there is one", async () => {
    backendAnswering({
      ok: { ...awsInfo, version: "0.2.0-dev", sandboxEndpoint: "http://127.0.0.1:5000" },
    });
    const user = userEvent.setup();
    render(App);

    await user.click(screen.getByTestId("nav-about"));
    expect(await screen.findByTestId("about-version")).toHaveTextContent(/^0\.2\.0-dev$/);
    expect(screen.getByTestId("about-sandbox-endpoint")).toHaveTextContent("http://127.0.0.1:5000");
  });
});

describe("header", () => {
  it("shows the active profile and region, with no Sandbox badge against AWS", async () => {
    backendAnswering({ ok: awsInfo });
    render(App);

    expect(await screen.findByText("platform-prod")).toBeInTheDocument();
    expect(screen.getByTestId("header-profile")).toHaveTextContent(/^platform-prod$/);
    expect(screen.getByTestId("header-region")).toHaveTextContent(/^eu-west-1$/);
    expect(screen.queryByTestId("header-sandbox")).not.toBeInTheDocument();
    expect(screen.queryByText("Sandbox")).not.toBeInTheDocument();
  });

  it("shows a Sandbox badge when the backend talks to the local sandbox", async () => {
    backendAnswering({
      ok: {
        ...awsInfo,
        profile: "sandbox",
        region: "us-east-1",
        sandboxEndpoint: "http://127.0.0.1:5000",
      },
    });
    render(App);

    expect(await screen.findByTestId("header-sandbox")).toHaveTextContent(/^Sandbox$/);
    expect(screen.getByTestId("header-sandbox-endpoint")).toHaveTextContent(
      /^http:\/\/127\.0\.0\.1:5000$/,
    );
    expect(screen.getByTestId("header-profile")).toHaveTextContent(/^sandbox$/);
    expect(screen.getByTestId("header-region")).toHaveTextContent(/^us-east-1$/);
  });

  it("says when no profile or region is selected", async () => {
    backendAnswering({ ok: { ...awsInfo, profile: null, region: null } });
    render(App);

    expect(await screen.findAllByText("Not set")).toHaveLength(2);
    expect(screen.getByTestId("header-profile")).toHaveTextContent(/^Not set$/);
    expect(screen.getByTestId("header-region")).toHaveTextContent(/^Not set$/);
  });
});

describe("backend errors", () => {
  it("shows an error from the backend readably, with its kind and field", async () => {
    backendAnswering({
      err: {
        kind: "io",
        message: "The data directory /nonexistent/bakery could not be created: permission denied",
        field: "BAKERY_HOME",
      },
    });
    const user = userEvent.setup();
    render(App);

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("The app could not read its settings from the backend");
    expect(screen.getByTestId("app-info-error-message")).toHaveTextContent(
      "The data directory /nonexistent/bakery could not be created: permission denied",
    );
    expect(screen.getByTestId("app-info-error-kind")).toHaveTextContent("File or disk error");
    expect(screen.getByTestId("app-info-error-field")).toHaveTextContent("BAKERY_HOME");
    expect(alert).not.toHaveTextContent("[object Object]");
    expect(screen.getByTestId("header-profile")).toHaveTextContent("Unavailable");

    await user.click(screen.getByTestId("nav-about"));
    expect(screen.queryByTestId("about-version")).not.toBeInTheDocument();
    expect(screen.getByTestId("section-about")).toHaveTextContent("unavailable");
  });

  it("recovers when Try again succeeds", async () => {
    let failures = 1;
    mockIPC(
      (cmd) => {
        if (cmd === "template_starters") return [];
        // The History view asks for its window: an empty history.
        if (cmd === "history_timeline") {
          return { lanes: [], total: 0, bakes: [], clusters: [], newest: null };
        }
        if (cmd !== "app_info") throw new Error(`unexpected command ${cmd}`);
        if (failures-- > 0) {
          throw { kind: "internal", message: "state not ready", field: null } satisfies IpcError;
        }
        return awsInfo;
      },
      { shouldMockEvents: true },
    );
    const user = userEvent.setup();
    render(App);

    await user.click(await screen.findByRole("button", { name: "Try again" }));
    expect(await screen.findByText("platform-prod")).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("explains when the backend cannot be reached at all", async () => {
    // No mockIPC: like opening the UI in a plain browser, outside the Tauri webview.
    render(App);

    expect(await screen.findByTestId("app-info-error-kind")).toHaveTextContent(
      "Backend not reachable",
    );
    expect(screen.getByTestId("app-info-error-message")).toHaveTextContent(
      "The backend could not be reached",
    );
  });
});
