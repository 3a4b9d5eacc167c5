import { describe, expect, it } from "vitest";
import { asText, keyPath, listChange, parseTags, problemsAt, tagsText, textChange } from "./fields";
import type { EditorProblem } from "./types";

describe("form fields", () => {
  it("turns typed text into the smallest change", () => {
    const was = { kind: "literal" as const, value: "t3.micro" };
    expect(textChange("builders[0].instance_type", "t3.micro", was)).toBeNull();
    expect(textChange("builders[0].instance_type", "t3.large", was)).toEqual({
      op: "set",
      path: "builders[0].instance_type",
      value: "t3.large",
    });
    expect(textChange("builders[0].instance_type", "  ", was)).toEqual({
      op: "unset",
      path: "builders[0].instance_type",
    });
    expect(textChange("x", "", null)).toBeNull();
    expect(textChange("x.ssh_port", "2222", null, "number")).toEqual({
      op: "set",
      path: "x.ssh_port",
      value: 2222,
    });
  });

  it("keeps an HCL2 expression an expression", () => {
    const was = { kind: "expression" as const, value: "var.region" };
    expect(asText(was)).toBe("var.region");
    expect(textChange("source.amazon-ebs.web.region", "local.region", was)).toEqual({
      op: "set_expression",
      path: "source.amazon-ebs.web.region",
      expression: "local.region",
    });
  });

  it("reads lists as comma or space separated text", () => {
    const was = { kind: "literal" as const, value: ["eu-west-1"] };
    expect(listChange("b.ami_regions", "eu-west-1", was)).toBeNull();
    expect(listChange("b.ami_regions", "eu-west-1, us-west-2 ap-south-1", was)).toEqual({
      op: "set",
      path: "b.ami_regions",
      value: ["eu-west-1", "us-west-2", "ap-south-1"],
    });
    expect(listChange("b.ami_regions", "", was)).toEqual({ op: "unset", path: "b.ami_regions" });
  });

  it("reads tags as KEY=VALUE lines and names the bad ones", () => {
    expect(parseTags("Name=web\n\nOS = Amazon Linux=2023\nbad")).toEqual({
      tags: [
        ["Name", "web"],
        ["OS", "Amazon Linux=2023"],
      ],
      bad: [4],
    });
    expect(tagsText([["a", "1"]])).toBe("a=1");
  });

  it("quotes keys that are not identifiers and finds a field's problems", () => {
    expect(keyPath("builders[0].tags", "Name")).toBe("builders[0].tags.Name");
    expect(keyPath("builders[0].tags", "cost center")).toBe('builders[0].tags["cost center"]');
    const problem = (field: string | null): EditorProblem => ({
      severity: "error",
      message: "m",
      help: null,
      file: "f",
      line: 1,
      column: 1,
      field,
      from: 0,
      to: 1,
      fix: null,
    });
    const all = [
      problem("builders[0].tags"),
      problem("builders[0].tags.Name"),
      problem("builders[0].tagsx"),
      problem(null),
    ];
    expect(problemsAt(all, "builders[0].tags")).toHaveLength(2);
  });
});
