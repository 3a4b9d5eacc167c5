import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import { afterEach, describe, expect, it } from "vitest";
import type { ProfileList, ProfileView } from "../../backend";
import MfaDialog from "../profiles/MfaDialog.svelte";
import ProfilesView from "./ProfilesView.svelte";

function profile(name: string, more: Partial<ProfileView>): ProfileView {
  return {
    name,
    kind: "static_keys",
    kindLabel: "static keys",
    mfa: false,
    region: "eu-west-1",
    endpointUrl: null,
    source: "~/.aws/config:1",
    secret: { type: "none" },
    chain: [name],
    problem: null,
    signIn: null,
    signInNeeded: false,
    active: false,
    ...more,
  };
}

const list: ProfileList = {
  profiles: [
    profile("old-keys", {
      secret: { type: "plaintextFile", path: "/home/ops/.aws/credentials" },
    }),
    profile("mine", {
      kind: "app_keyring",
      kindLabel: "app keyring",
      secret: { type: "keyring", present: true },
    }),
    profile("corp", { kind: "sso", kindLabel: "SSO", signIn: "not signed in", signInNeeded: true }),
    profile("typo", {
      kind: "assume_role",
      kindLabel: "assume-role",
      problem: 'names source_profile "defualt"',
    }),
  ],
  environment: null,
  configFile: "/home/ops/.aws/config",
  credentialsFile: "/home/ops/.aws/credentials",
  appProfilesFile: "/data/profiles.json",
};

type Call = { cmd: string; args: Record<string, unknown> };

function backend(answers: Record<string, (args: Record<string, unknown>) => unknown>): Call[] {
  const calls: Call[] = [];
  mockIPC(
    (cmd, args) => {
      const payload = (args ?? {}) as Record<string, unknown>;
      if (cmd.startsWith("plugin:event|")) return undefined;
      calls.push({ cmd, args: payload });
      const answer = answers[cmd];
      if (answer === undefined) throw new Error(`unexpected command ${cmd}`);
      return answer(payload);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

afterEach(() => {
  clearMocks();
});

describe("profiles view", () => {
  it("offers what each kind of profile needs, and shows what is wrong", async () => {
    backend({ list_profiles: () => list });
    render(ProfilesView, { onprofilechange: () => {} });

    expect(await screen.findByTestId("profile-row-old-keys")).toBeInTheDocument();
    expect(screen.getByTestId("profile-import-old-keys")).toHaveTextContent("Move to keyring");
    expect(screen.getByTestId("profile-secret-mine")).toHaveTextContent("OS keyring");
    expect(screen.getByTestId("profile-remove-mine")).toBeInTheDocument();
    expect(screen.queryByTestId("profile-remove-old-keys")).not.toBeInTheDocument();
    expect(screen.getByTestId("profile-signin-corp")).toHaveClass("primary");
    expect(screen.getByTestId("profile-problem-typo")).toHaveTextContent("defualt");
    expect(screen.getByTestId("profile-use-typo")).toBeDisabled();
  });

  it("says when the environment's keys are used, and that they go to the sandbox", async () => {
    backend({
      list_profiles: () => ({
        ...list,
        profiles: [],
        environment: {
          accessKeyId: "testing",
          region: "us-east-1",
          endpointUrl: "http://127.0.0.1:5000",
          sandbox: true,
        },
      }),
    });
    render(ProfilesView, { onprofilechange: () => {} });

    const note = await screen.findByTestId("profiles-environment");
    expect(note).toHaveTextContent("Sandbox");
    expect(note).toHaveTextContent("AWS_ACCESS_KEY_ID=testing, region us-east-1");
    expect(screen.getByTestId("profiles-empty")).toBeInTheDocument();
  });

  it("points at the form field the backend names, and keeps the form open", async () => {
    const calls = backend({
      list_profiles: () => list,
      add_profile: () => {
        throw {
          kind: "invalid_input",
          message: 'endpoint URL "ftp://x" must start with http:// or https://',
          field: "endpointUrl",
        };
      },
    });
    const user = userEvent.setup();
    render(ProfilesView, { onprofilechange: () => {} });

    await user.click(await screen.findByTestId("profile-add-open"));
    await user.type(screen.getByTestId("add-name"), "new");
    await user.type(screen.getByTestId("add-access-key-id"), "AKIAEXAMPLE");
    await user.type(screen.getByTestId("add-secret"), "s3cret");
    await user.type(screen.getByTestId("add-endpoint"), "ftp://x");
    await user.click(screen.getByTestId("add-submit"));

    expect(await screen.findByTestId("add-error-endpointUrl")).toHaveTextContent("http://");
    expect(screen.getByTestId("add-endpoint")).toHaveAttribute("aria-invalid", "true");
    const add = calls.find((c) => c.cmd === "add_profile");
    expect(add?.args.profile).toEqual({
      name: "new",
      accessKeyId: "AKIAEXAMPLE",
      secretAccessKey: "s3cret",
      region: null,
      endpointUrl: "ftp://x",
    });
  });

  it("tests a profile and shows the account and ARN", async () => {
    backend({
      list_profiles: () => list,
      test_profile: ({ name }) => ({
        profile: name,
        account: "123456789012",
        arn: "arn:aws:iam::123456789012:user/ops",
        userId: "AIDA",
      }),
    });
    const user = userEvent.setup();
    render(ProfilesView, { onprofilechange: () => {} });

    await user.click(await screen.findByTestId("profile-test-mine"));
    expect(await screen.findByTestId("profile-status-mine")).toHaveTextContent(
      "Account 123456789012 · arn:aws:iam::123456789012:user/ops",
    );
  });
});

describe("MFA dialog", () => {
  it("asks when Rust asks, and answers the question it was asked", async () => {
    const calls = backend({ answer_mfa: () => true });
    const user = userEvent.setup();
    render(MfaDialog);

    await waitFor(async () => {
      await emit("mfa-requested", { id: 7, profile: "admin", serial: "arn:aws:iam::1:mfa/me" });
      expect(screen.getByTestId("mfa-dialog")).toBeInTheDocument();
    });
    expect(screen.getByTestId("mfa-serial")).toHaveTextContent("arn:aws:iam::1:mfa/me");
    await user.type(screen.getByTestId("mfa-code"), "123456");
    await user.click(screen.getByTestId("mfa-submit"));

    expect(screen.queryByTestId("mfa-dialog")).not.toBeInTheDocument();
    expect(calls).toEqual([{ cmd: "answer_mfa", args: { id: 7, code: "123456" } }]);
  });

  it("cancelling answers null", async () => {
    const calls = backend({ answer_mfa: () => true });
    const user = userEvent.setup();
    render(MfaDialog);

    await waitFor(async () => {
      await emit("mfa-requested", { id: 3, profile: "admin", serial: "arn:aws:iam::1:mfa/me" });
      expect(screen.getByTestId("mfa-dialog")).toBeInTheDocument();
    });
    await user.click(screen.getByTestId("mfa-cancel"));
    expect(calls).toEqual([{ cmd: "answer_mfa", args: { id: 3, code: null } }]);
  });
});
