//! The HCL2 functions' tests: each function's results and errors as Packer 1.6.6's
//! `packer console` gives them (or Terraform's documentation, for the conversion
//! functions 1.6.6 lacks), and their errors located in a template.

use hcl::eval::Evaluate;

use super::functions::{Evaluation, base_context, glob_regex};
use super::stdlib::{json_text, translate_re2};
use super::*;

fn listing(dir: &str) -> std::io::Result<Vec<String>> {
    match dir {
        "/t/files" => Ok([
            "a.txt",
            "b.sh",
            "sub/c.txt",
            "sub/deep/d.txt",
            "sub/e.sh",
            ".hidden.txt",
        ]
        .map(String::from)
        .to_vec()),
        "/t/locked" => Err(std::io::ErrorKind::PermissionDenied.into()),
        _ => Err(std::io::ErrorKind::NotFound.into()),
    }
}

/// Evaluates `expr` in a check's evaluation: HOME=/home/u, path.root /t, path.cwd /work.
fn eval(expr: &str) -> Result<hcl::Value, String> {
    let mut ctx = RenderContext::fixed();
    ctx.env.insert("HOME".into(), "/home/u".into());
    ctx.template_dir = "/t".into();
    ctx.working_dir = "/work".into();
    let options = CheckOptions {
        list_local_files: Some(listing),
        ..CheckOptions::default()
    };
    let evaluation = Evaluation::begin(&mut ctx, &options);
    let context = base_context(evaluation.ctx());
    let value = expr
        .parse::<hcl::Expression>()
        .map_err(|e| format!("parse: {e}"))?
        .evaluate(&context)
        .map_err(|e| e.to_string());
    drop(evaluation);
    value
}

/// The value as JSON (a string as its text).
fn ok(expr: &str) -> String {
    match eval(expr) {
        Ok(hcl::Value::String(s)) => s,
        Ok(value) => json_text(&value),
        Err(err) => panic!("{expr}: {err}"),
    }
}

/// The error's message.
fn err(expr: &str) -> String {
    match eval(expr) {
        Ok(value) => panic!("{expr} gave {value:?}"),
        Err(err) => err,
    }
}

#[test]
fn string_functions() {
    assert_eq!(ok(r#"trimspace("  \n a b \t")"#), "a b");
    assert_eq!(ok(r#"trim("?!hello?!", "!?")"#), "hello");
    assert_eq!(ok(r#"trimprefix("helloworld", "hello")"#), "world");
    assert_eq!(ok(r#"trimprefix("helloworld", "x")"#), "helloworld");
    assert_eq!(ok(r#"trimsuffix("helloworld", "world")"#), "hello");
    assert_eq!(ok(r#"chomp("a\n\r\n")"#), "a");
    assert_eq!(ok(r#"chomp("a\nb")"#), "a\nb");
    assert_eq!(
        ok(r#"title("hello wORLD-foo_bar x.y")"#),
        "Hello WORLD-Foo_bar X.Y"
    );
    assert_eq!(ok(r#"title("ÿes sir")"#), "Ÿes Sir");
    assert_eq!(ok(r#"substr("hello world", 1, 4)"#), "ello");
    assert_eq!(ok(r#"substr("abcd", -2, -1)"#), "cd");
    assert_eq!(ok(r#"substr("abcd", 1, 10)"#), "bcd");
    assert_eq!(ok(r#"substr("abcd", -9, 2)"#), "ab");
    assert_eq!(ok(r#"substr("héllo", 1, 3)"#), "éll");
    // Past the end is empty, as in Packer.
    assert_eq!(ok(r#"substr("abcd", 9, 1)"#), "");
    assert!(err(r#"substr("abcd", 0, -2)"#).contains("use -1 for the rest"));
    assert_eq!(ok(r#"substr("abcd", 1, 9223372036854775807)"#), "bcd");
    assert!(err(r#"indent(1e18, "a\nb")"#).contains("not between 0 and 1000000"));
    assert!(err(r#"format("%999999999d", 1)"#).contains("is over 1000000"));
    assert!(err("setproduct(range(1000), range(1000), range(1000))").contains("more than"));
    assert!(err(r#"timeadd("2017-11-22T00:00:00Z", "9999999999h")"#).contains("292 years"));
    assert_eq!(ok(r#"strrev("héllo")"#), "olléh");
    assert_eq!(ok(r#"indent(2, "a\nb\n")"#), "a\n  b\n  ");
    assert_eq!(ok(r#"urlencode("a b&c/d~é")"#), "a+b%26c%2Fd~%C3%A9");
    assert_eq!(ok("upper(5)"), "5", "a number where a string goes");
    assert!(err(r#"trimspace(["a"])"#).contains("trimspace: expected a string, got a list"));
}

#[test]
fn format_has_terraforms_verbs() {
    assert_eq!(
        ok(
            r#"format("%d|%05.1f|%x|%t|%%|%8.3s|%-5d|%+d|%e|%o|%X", 42, 3.14159, 255, true, "abcdef", 7, 3, 1500.0, 8, 255)"#
        ),
        "42|003.1|ff|true|%|     abc|7    |+3|1.500000e+03|10|FF"
    );
    assert_eq!(ok(r#"format("%b", 5)"#), "101");
    assert_eq!(ok(r#"format("%[2]s %[1]s", "a", "b")"#), "b a");
    assert_eq!(
        ok(r#"format("%v|%v|%v|%#v", 1.5, true, null, "x")"#),
        "1.5|true|null|\"x\""
    );
    assert_eq!(
        ok(r#"format("%q %v %v", 5, "s", {a = 1})"#),
        "\"5\" s {\"a\":1}"
    );
    assert_eq!(ok(r#"format("%s", 1.5)"#), "1.5");
    assert_eq!(ok(r#"format("%d", "12")"#), "12");
    assert_eq!(
        ok(r#"format("%f %g %.2e %g %g", 1, 1.5, 12345.678, 100000, 1000000)"#),
        "1.000000 1.5 1.23e+04 100000 1e+06"
    );
    assert_eq!(ok(r#"format("%q", "é\n\"")"#), "\"é\\n\\\"\"");
    assert_eq!(ok(r#"format("Hello, %s!", "Ander")"#), "Hello, Ander!");
    assert_eq!(ok(r#"format("%6.2f%%", 12.3456)"#), " 12.35%");
    assert_eq!(
        ok(r#"format("%10.4v|%.2s", "abcdefgh", "abc")"#),
        "  abcdefgh|ab"
    );
    assert!(err(r#"format("%s %s", "a")"#).contains("needs argument 2"));
    assert!(err(r#"format("%s", "a", "b")"#).contains("argument 3 is not used"));
    assert!(err(r#"format("%d", 1.5)"#).contains("needs a whole number"));
    assert!(err(r#"format("%s", [1])"#).contains("needs a string"));
    assert!(err(r#"format("%c", 65)"#).contains("unsupported verb %c"));
    assert!(err(r#"format("50%")"#).contains("write %% for a percent sign"));

    assert_eq!(
        ok(r#"formatlist("%s-%s", ["a", "b"], "x")"#),
        r#"["a-x","b-x"]"#
    );
    assert_eq!(ok(r#"formatlist("%s", [])"#), "[]");
    assert_eq!(ok(r#"formatlist("%s", "a")"#), r#"["a"]"#);
    assert!(
        err(r#"formatlist("%s%s", ["a"], ["b", "c"])"#).contains("lists must be of one length")
    );
}

#[test]
fn collection_functions() {
    assert_eq!(ok(r#"contains(["a", "b"], "b")"#), "true");
    assert_eq!(ok(r#"contains([1, 2], "1")"#), "false");
    assert_eq!(ok(r#"distinct(["a", "b", "a", "c"])"#), r#"["a","b","c"]"#);
    assert_eq!(ok(r#"distinct([1, "1", 2])"#), r#"["1","2"]"#);
    assert_eq!(ok(r#"element(["a", "b", "c"], 1)"#), "b");
    assert_eq!(ok(r#"element(["a", "b"], 5)"#), "b", "wraps around");
    assert!(err(r#"element([], 0)"#).contains("element: the list is empty"));
    assert!(err(r#"element(["a"], -1)"#).contains("is negative"));
    assert_eq!(ok("flatten([[1, [2]], 3, []])"), "[1,2,3]");
    assert_eq!(ok("keys({b = 1, a = 2})"), r#"["a","b"]"#);
    assert_eq!(ok("values({b = 1, a = 2})"), "[2,1]", "sorted by key");
    assert!(err("keys([1])").contains("keys: expected a map, got a list"));
    assert_eq!(ok(r#"length("héllo")"#), "5");
    assert_eq!(ok("length({a = 1})"), "1");
    assert_eq!(ok(r#"max(1, "5", 3)"#), "5");
    assert_eq!(ok("min(4, -2.5, 3)"), "-2.5");
    assert!(err("min()").contains("at least one number"));
    assert!(err(r#"max("a")"#).contains("\"a\" is not a number"));
    assert_eq!(ok("range(3)"), "[0,1,2]");
    assert_eq!(ok("range(-3)"), "[0,-1,-2]");
    assert_eq!(ok("range(5, 1)"), "[5,4,3,2]");
    assert_eq!(ok("range(1, 2, 0.5)"), "[1,1.5]");
    assert_eq!(ok("range(0, 10, 4)"), "[0,4,8]");
    assert!(err("range(1, 5, -1)").contains("negative"));
    assert!(err("range(0, 1, 0)").contains("step must not be zero"));
    assert!(err("range(0, 5000)").contains("more than 1024"));
    assert_eq!(ok("reverse([1, 2, 3])"), "[3,2,1]");
    assert_eq!(ok(r#"slice(["a", "b", "c", "d"], 1, 3)"#), r#"["b","c"]"#);
    assert!(err(r#"slice(["a", "b", "c"], 1, 5)"#).contains("past the end of a list of 3"));
    assert!(err(r#"slice(["a", "b"], 2, 1)"#).contains("after end index"));
    assert_eq!(
        ok(r#"sort(["b", "a", "10", "9"])"#),
        r#"["10","9","a","b"]"#
    );
    assert_eq!(ok("sort([3, 1])"), r#"["1","3"]"#);
    assert_eq!(ok(r#"toset(["b", "a", "b"])"#), r#"["a","b"]"#);
    assert_eq!(ok("toset([3, 1, 10, 1])"), "[1,3,10]");
    assert_eq!(ok(r#"tolist(["a", 1])"#), r#"["a","1"]"#);
    assert_eq!(ok(r#"tomap({a = 1, b = "x"})"#), r#"{"a":1,"b":"x"}"#);
    assert!(err(r#"tomap(["a"])"#).contains("can't be a map"));
    assert_eq!(ok(r#"tonumber("42")"#), "42");
    assert_eq!(ok(r#"tonumber("1.5")"#), "1.5");
    assert!(err(r#"tonumber("ten")"#).contains("\"ten\" is not a number"));
    assert_eq!(ok("tostring(5)"), "5");
    assert_eq!(ok("tostring(true)"), "true");
    assert_eq!(ok("tostring(null)"), "null");
    assert!(err("tostring([1])").contains("use jsonencode() or join()"));
    assert_eq!(ok(r#"tobool("true")"#), "true");
    assert_eq!(ok("tobool(false)"), "false");
    assert!(err(r#"tobool("yes")"#).contains("use \"true\" or \"false\""));
    assert_eq!(ok(r#"zipmap(["a", "b"], [1, 2])"#), r#"{"a":1,"b":2}"#);
    assert!(err(r#"zipmap(["a"], [1, 2])"#).contains("1 keys but 2 values"));
    assert_eq!(ok(r#"compact(["a", "", null, "b"])"#), r#"["a","b"]"#);
    assert_eq!(ok(r#"index(["a", "b", "c"], "b")"#), "1");
    assert!(err(r#"index(["a", "b"], "c")"#).contains("\"c\" is not in the list"));
    assert_eq!(ok("coalescelist([], [1], [2])"), "[1]");
    assert!(err("coalescelist([], [])").contains("every list is empty"));
    assert_eq!(
        ok(r#"chunklist(["a", "b", "c"], 2)"#),
        r#"[["a","b"],["c"]]"#
    );
    assert_eq!(ok(r#"chunklist(["a", "b", "c"], 0)"#), r#"[["a","b","c"]]"#);
    assert_eq!(ok(r#"setunion(["b"], ["a", "b"])"#), r#"["a","b"]"#);
    assert_eq!(ok(r#"setunion([1], ["a"])"#), r#"["1","a"]"#);
    assert_eq!(
        ok(r#"setproduct(["a", "b"], [1, 2])"#),
        r#"[["a",1],["a",2],["b",1],["b",2]]"#
    );
    assert_eq!(ok(r#"setproduct(["a"], [])"#), "[]");
    assert_eq!(
        ok(r#"setintersection(["b", "a", "c"], ["c", "b"])"#),
        r#"["b","c"]"#
    );
}

#[test]
fn number_functions() {
    assert_eq!(ok("abs(-2.5)"), "2.5");
    assert_eq!(ok("ceil(1.2)"), "2");
    assert_eq!(ok("floor(-1.2)"), "-2");
    assert_eq!(ok("log(16, 2)"), "4");
    assert!(err("log(-1, 2)").contains("use a positive number"));
    assert_eq!(ok("pow(3, 2)"), "9");
    assert_eq!(ok("signum(-7)"), "-1");
    assert_eq!(ok(r#"parseint("FF", 16)"#), "255");
    assert_eq!(ok(r#"parseint("-1010", 2)"#), "-10");
    assert!(err(r#"parseint("12", 1)"#).contains("not between 2 and 62"));
    assert!(err(r#"parseint("9", 8)"#).contains("not a number in base 8"));
}

#[test]
fn network_functions() {
    assert_eq!(ok(r#"cidrnetmask("10.0.0.0/16")"#), "255.255.0.0");
    assert_eq!(ok(r#"cidrnetmask("10.1.2.3/7")"#), "254.0.0.0");
    assert_eq!(ok(r#"cidrnetmask("fd00::/8")"#), "ff00::");
    assert_eq!(ok(r#"cidrhost("10.12.112.0/20", 268)"#), "10.12.113.12");
    assert_eq!(ok(r#"cidrhost("10.12.112.0/20", -2)"#), "10.12.127.254");
    assert_eq!(ok(r#"cidrhost("10.0.0.0/8", -1)"#), "10.255.255.255");
    assert_eq!(
        ok(r#"cidrhost("fd00:fd12:3456:7890::/56", 16)"#),
        "fd00:fd12:3456:7800::10"
    );
    assert!(
        err(r#"cidrhost("10.12.112.0/20", 5000)"#)
            .contains("a /20 network has 4096 addresses; host 5000 is not one of them")
    );
    assert_eq!(ok(r#"cidrsubnet("172.16.0.0/12", 4, 2)"#), "172.18.0.0/16");
    assert_eq!(ok(r#"cidrsubnet("10.1.2.0/24", 4, 15)"#), "10.1.2.240/28");
    assert_eq!(ok(r#"cidrsubnet("10.1.2.3/24", 0, 0)"#), "10.1.2.0/24");
    assert_eq!(
        ok(r#"cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)"#),
        "fd00:fd12:3456:7800:a200::/72"
    );
    assert_eq!(ok(r#"cidrsubnet("::/0", 0, 0)"#), "::/0");
    assert!(err(r#"cidrsubnet("10.1.2.0/24", 4, 16)"#).contains("make 16 subnets (0 to 15)"));
    assert!(err(r#"cidrsubnet("10.1.2.0/24", 9, 0)"#).contains("at most /32"));
    assert!(err(r#"cidrsubnet("10.1.2.0/24", 4, -1)"#).contains("is negative"));
    assert_eq!(
        ok(r#"cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)"#),
        r#"["10.1.0.0/20","10.1.16.0/20","10.1.32.0/24","10.1.48.0/20"]"#
    );
    assert_eq!(
        ok(r#"cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16, 16, 32)"#),
        r#"["fd00:fd12:3456:7800::/72","fd00:fd12:3456:7800:100::/72","fd00:fd12:3456:7800:200::/72","fd00:fd12:3456:7800:300::/88"]"#
    );
    assert_eq!(
        ok(r#"cidrsubnets("10.0.0.0/16", 8, 4, 8, 4, 8)"#),
        r#"["10.0.0.0/24","10.0.16.0/20","10.0.32.0/24","10.0.48.0/20","10.0.64.0/24"]"#
    );
    assert_eq!(ok(r#"cidrsubnets("10.0.0.0/8")"#), "[]");
    // Packer starts after the subnet before the prefix: at address 0 there is none.
    assert!(err(r#"cidrsubnets("0.0.0.0/0", 1)"#).contains("no room left"));
    assert!(err(r#"cidrsubnets("fd00::/8", 33)"#).contains("at most 32 bits"));
    assert!(
        err(r#"cidrsubnets("10.0.0.0/30", 1, 1, 1)"#)
            .contains("no room left in /30 for a /31 after 10.0.0.2/31")
    );
    assert!(err(r#"cidrsubnets("0.0.0.0/0", 1, 1, 1)"#).contains("no room left"));
    assert!(err(r#"cidrsubnets("10.0.0.0/8", 0)"#).contains("at least one bit"));
    assert!(err(r#"cidrnetmask("bad")"#).contains("is not a CIDR prefix"));
    assert!(err(r#"cidrnetmask("10.0.0.0/33")"#).contains("is not a CIDR prefix"));
}

#[test]
fn encoding_and_hash_functions() {
    assert_eq!(ok(r#"base64encode("Hello World")"#), "SGVsbG8gV29ybGQ=");
    assert_eq!(ok(r#"base64decode("aGk=")"#), "hi");
    assert!(err(r#"base64decode("!!")"#).contains("\"!!\" is not base64"));
    assert!(err(r#"base64decode("/w==")"#).contains("not UTF-8"));
    assert_eq!(
        ok(r#"textencodebase64("Hello World", "UTF-16LE")"#),
        "SABlAGwAbABvACAAVwBvAHIAbABkAA=="
    );
    assert_eq!(
        ok(r#"textdecodebase64("SABlAGwAbABvACAAVwBvAHIAbABkAA==", "utf-16le")"#),
        "Hello World"
    );
    assert_eq!(ok(r#"textencodebase64("é", "ISO-8859-1")"#), "6Q==");
    assert_eq!(ok(r#"textdecodebase64("6Q==", "latin1")"#), "é");
    assert!(err(r#"textencodebase64("é", "US-ASCII")"#).contains("can't represent"));
    assert!(err(r#"textencodebase64("x", "EBCDIC")"#).contains("not supported yet; use UTF-8"));
    assert!(err(r#"textdecodebase64("AA==", "UTF-16BE")"#).contains("not valid UTF-16BE"));
    assert_eq!(
        ok(r#"jsonencode({b = "<a&>", a = [1, 2.5, true, null]})"#),
        r#"{"a":[1,2.5,true,null],"b":"\u003ca\u0026\u003e"}"#
    );
    assert_eq!(ok("jsonencode(1.0)"), "1");
    assert_eq!(
        ok(r#"jsondecode("{\"a\":[1,2.5],\"b\":null}")"#),
        r#"{"a":[1,2.5],"b":null}"#
    );
    assert!(err(r#"jsondecode("{")"#).contains("jsondecode: not valid JSON"));
    assert_eq!(
        ok(r#"yamlencode({a = [1, "x"], b = { c = true }})"#),
        "\"a\":\n- 1\n- \"x\"\n\"b\":\n  \"c\": true\n"
    );
    assert_eq!(
        ok(r#"yamlencode({a = "multi\nline", b = 1.5, c = null})"#),
        "\"a\": |-\n  multi\n  line\n\"b\": 1.5\n\"c\": null\n"
    );
    assert_eq!(ok(r#"yamlencode("x")"#), "\"x\"\n");
    assert_eq!(
        ok(r#"yamlencode({a = "trail\n", b = "trail\n\n"})"#),
        "\"a\": |\n  trail\n\"b\": |+\n  trail\n\n"
    );
    assert_eq!(ok("yamlencode([])"), "[]\n");
    assert_eq!(
        ok(r#"yamlencode({c = "x\r\ny", d = ["m\nl"], e = { f = "g\nh" }})"#),
        "\"c\": \"x\\r\\ny\"\n\"d\":\n- |-\n  m\n  l\n\"e\":\n  \"f\": |-\n    g\n    h\n"
    );
    assert_eq!(
        ok(r#"yamlencode([{a = 1, b = 2}, [3]])"#),
        "- \"a\": 1\n  \"b\": 2\n- - 3\n"
    );
    assert_eq!(
        ok(r#"yamldecode("a: [1, x]\nb: 2.5\n")"#),
        r#"{"a":[1,"x"],"b":2.5}"#
    );
    assert!(err(r#"yamldecode("a: [")"#).contains("yamldecode: not valid YAML"));
    assert_eq!(
        ok(r#"csvdecode("a,b\n1,2\n3,4\n")"#),
        r#"[{"a":"1","b":"2"},{"a":"3","b":"4"}]"#
    );
    assert!(
        err(r#"csvdecode("a,b\n1\n")"#).contains("line 2 has 1 fields but the header line has 2")
    );
    assert!(err(r#"csvdecode("")"#).contains("no header line"));
    assert_eq!(ok(r#"md5("hi")"#), "49f68a5c8493ec2c0bf489821c21fc3b");
    assert_eq!(
        ok(r#"sha1("hi")"#),
        "c22b5f9178342609428d6f51b2c5af4c0bde6a42"
    );
    assert_eq!(
        ok(r#"sha256("hi")"#),
        "8f434346648f6b96df89dda901c5176b10a6d83961dd3c1ac88b59b2dc327aa4"
    );
    assert_eq!(
        ok(r#"sha512("a")"#),
        "1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f5302860c652bf08d560252aa5e74210546f369fbbbce8c12cfc7957b2652fe9a75"
    );
    assert_eq!(
        ok(r#"uuidv5("dns", "example.com")"#),
        "cfbff0d1-9375-5685-968c-48ce8b15ae17"
    );
    assert_eq!(
        ok(r#"uuidv5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "x")"#),
        "4cd605e7-afa2-5360-b5b9-c5e9fb5c76f4"
    );
    assert!(err(r#"uuidv5("bogus", "x")"#).contains("not dns, url, oid, x500 or a UUID"));
}

#[test]
fn path_functions() {
    assert_eq!(
        ok(r#"abspath("x/../y")"#),
        "/work/y",
        "relative to path.cwd"
    );
    assert_eq!(ok(r#"abspath("/a/./b/../c/")"#), "/a/c");
    assert_eq!(ok(r#"basename("/a/b/")"#), "b");
    assert_eq!(ok(r#"basename("")"#), ".");
    assert_eq!(ok(r#"basename("/")"#), "/");
    assert_eq!(ok(r#"dirname("a/b/")"#), "a/b");
    assert_eq!(ok(r#"dirname("/a/b.txt")"#), "/a");
    assert_eq!(ok(r#"dirname("a")"#), ".");
    assert_eq!(ok(r#"dirname("/")"#), "/");
    assert_eq!(ok(r#"pathexpand("~/x")"#), "/home/u/x");
    assert_eq!(ok(r#"pathexpand("~")"#), "/home/u");
    assert_eq!(ok(r#"pathexpand("/etc/~x")"#), "/etc/~x");
    assert!(err(r#"pathexpand("~bob/x")"#).contains("not another user's"));

    assert_eq!(
        ok(r#"fileset("files", "*.txt")"#),
        r#"[".hidden.txt","a.txt"]"#
    );
    assert_eq!(
        ok(r#"fileset("files", "**/*.txt")"#),
        r#"[".hidden.txt","a.txt","sub/c.txt","sub/deep/d.txt"]"#
    );
    assert_eq!(
        ok(r#"fileset("/t/files", "sub/**")"#),
        r#"["sub/c.txt","sub/deep/d.txt","sub/e.sh"]"#
    );
    assert_eq!(
        ok(r#"fileset("${path.root}/files", "{a,b}.*")"#),
        r#"["a.txt","b.sh"]"#
    );
    assert_eq!(ok(r#"fileset("files", "[ab].?x?")"#), r#"["a.txt"]"#);
    assert_eq!(
        ok(r#"fileset("files", "[!a]*")"#),
        r#"[".hidden.txt","b.sh"]"#
    );
    assert_eq!(ok(r#"fileset("files", "sub/*.sh")"#), r#"["sub/e.sh"]"#);
    assert_eq!(ok(r#"fileset("nowhere", "*")"#), "[]");
    assert!(err(r#"fileset("locked", "*")"#).contains("can't be listed (looked in /t/locked)"));
    assert!(err(r#"fileset("files", "{a")"#).contains("is not closed"));
    assert!(glob_regex("**/x").unwrap().is_match("x"));
    assert!(glob_regex("a/**/x").unwrap().is_match("a/x"));
    assert!(!glob_regex("*.txt").unwrap().is_match("sub/c.txt"));

    // Outside a check there is nothing to list.
    let outside = "fileset(\"files\", \"*\")"
        .parse::<hcl::Expression>()
        .unwrap()
        .evaluate(&base_context(&RenderContext::fixed()));
    assert!(
        outside
            .unwrap_err()
            .to_string()
            .contains("can't list local files here")
    );
}

#[test]
fn timeadd_takes_go_durations() {
    assert_eq!(
        ok(r#"timeadd("2017-11-22T00:00:00Z", "10m")"#),
        "2017-11-22T00:10:00Z"
    );
    assert_eq!(
        ok(r#"timeadd("2017-11-22T00:00:00Z", "-1h30.5m")"#),
        "2017-11-21T22:29:30Z"
    );
    assert_eq!(
        ok(r#"timeadd("2017-11-22T00:00:00+02:00", "25h")"#),
        "2017-11-23T01:00:00+02:00"
    );
    assert_eq!(
        ok(r#"timeadd("2024-02-28T23:00:00Z", "2h")"#),
        "2024-02-29T01:00:00Z",
        "a leap day"
    );
    assert_eq!(
        ok(r#"timeadd("2017-11-22T00:00:00.5Z", "1µs")"#),
        "2017-11-22T00:00:00Z"
    );
    assert_eq!(ok(r#"timeadd(timestamp(), "1h")"#), "2025-03-04T06:06:07Z");
    assert!(err(r#"timeadd("2017-11-22T00:00:00Z", "1d")"#).contains("no days: write 24h"));
    assert!(err(r#"timeadd("2017-11-22T00:00:00Z", "10")"#).contains("without a unit"));
    assert!(err(r#"timeadd("bad", "1h")"#).contains("is not an RFC 3339 time"));
}

#[test]
fn legacy_strftime_formats_the_time_of_the_run() {
    // RenderContext::fixed(): 2025-03-04T05:06:07Z, a Tuesday.
    assert_eq!(
        ok(r#"legacy_strftime("%Y-%m-%d %H:%M:%S")"#),
        "2025-03-04 05:06:07"
    );
    assert_eq!(
        ok(r#"legacy_strftime("%a %A %b %B %e|%j|%I %p|%k|%l|%y %C|%Z %z|%F %T|%%Y")"#),
        "Tue Tuesday Mar March  4|063|05 AM| 5| 5|25 20|UTC +0000|2025-03-04 05:06:07|%Y"
    );
    assert_eq!(
        ok(r#"legacy_strftime("2006 Jan")"#),
        "2006 Jan",
        "literal text stays"
    );
    assert!(err(r#"legacy_strftime("%U")"#).contains("not supported yet"));
    assert!(err(r#"legacy_strftime("%Q")"#).contains("not a strftime directive"));
    assert!(err(r#"legacy_strftime("50%")"#).contains("write %% for a percent sign"));
}

#[test]
fn regex_patterns_are_read_as_re2() {
    assert_eq!(ok(r#"regex_replace("a[b", "[[]", "x")"#), "axb");
    assert_eq!(ok(r#"regex_replace("a]b", "[]]", "x")"#), "axb");
    assert_eq!(ok(r#"regex_replace("a&b~c", "[&~]", "-")"#), "a-b-c");
    assert_eq!(ok(r#"regex_replace("a&&b", "[a&&b]+", "x")"#), "x");
    assert_eq!(ok(r#"regex_replace("a-b", "[a--]", "x")"#), "xxb");
    assert_eq!(ok(r#"regex("[[:alpha:]]+", "ab1")"#), "ab");
    assert_eq!(ok(r#"regex("\\Qa.b\\E", "xa.b")"#), "a.b");
    assert_eq!(ok(r#"regex("a{,2}", "xa{,2}")"#), "a{,2}");
    assert_eq!(ok(r#"regex("a{2}", "xaaa")"#), "aa");
    assert_eq!(ok(r#"regex("x{", "x{")"#), "x{");
    assert_eq!(
        ok(r#"regex("(?P<major>[0-9]+)\\.(?P<minor>[0-9]+)", "v1.22")"#),
        r#"{"major":"1","minor":"22"}"#
    );
    assert!(err(r#"regex("\\pL+", "héllo")"#).contains("Unicode class \\pL"));
    assert!(err(r#"regex("[a", "a")"#).contains("not closed"));
    assert_eq!(ok(r#"regex("(a)?b", "b")"#), r#"[""]"#);
    assert_eq!(ok(r#"regex("\\101[\\102]", "xAB")"#), "AB", "octal escapes");
    assert!(err(r#"regex("(a)\\1", "aa")"#).contains("backreference"));
    assert!(err(r#"regex("(?P<x>a)(b)", "ab")"#).contains("name all of them or none"));
    assert_eq!(
        ok(r#"regexall("[a-z]+([0-9])", "ab1 cd2 ef")"#),
        r#"[["1"],["2"]]"#
    );
    assert_eq!(ok(r#"regexall("[0-9]+", "a1b22")"#), r#"["1","22"]"#);
    assert_eq!(ok(r#"length(regexall("x", "abc"))"#), "0");
    // Packer's replace is literal, also for a /substring/ (Packer 1.6.6 and later).
    assert_eq!(ok(r#"replace("a1b22", "/[0-9]+/", "_")"#), "a1b22");
    assert_eq!(ok(r#"replace("a/1/b", "/1/", "_")"#), "a_b");
    assert_eq!(ok(r#"replace("a.b", ".", "-")"#), "a-b");
    assert_eq!(translate_re2("[^]a]").unwrap(), "[^\\]a]");
    assert_eq!(translate_re2("[[:digit:][]").unwrap(), "[[:digit:]\\[]");
}

fn source(extra: &str) -> String {
    format!(
        "{extra}source \"amazon-ebs\" \"x\" {{\n  region        = \"us-east-1\"\n  source_ami    = \"ami-01ccc867\"\n  instance_type = \"t3.micro\"\n  ssh_username  = \"u\"\n  ami_name      = \"x-{{{{timestamp}}}}\"\n  tags = {{ A = local.name, B = \"${{local.name}}-b\" }}\n  ami_description = upper(local.name)\n}}\nbuild {{\n  sources = [\"source.amazon-ebs.x\"]\n  provisioner \"shell\" {{ inline = [local.name] }}\n}}\n"
    )
}

#[test]
fn a_failing_local_is_one_error_not_one_per_use() {
    let text = source("locals {\n  name = frobnicate(\"x\")\n  derived = \"${local.name}-d\"\n}\n");
    let checked = check_hcl(
        "t.pkr.hcl",
        &text,
        &CheckOptions::default(),
        &mut RenderContext::fixed(),
    );
    let errors: Vec<(u32, u32, String)> = checked
        .errors()
        .map(|d| (d.line, d.column, d.message.clone()))
        .collect();
    assert_eq!(
        errors,
        [(2, 10, "function frobnicate() is not defined".to_string())],
        "{:#?}",
        checked.diagnostics
    );
    // A not-yet function in a local: one error too.
    let text = source("locals {\n  name = bcrypt(\"x\")\n}\n");
    let checked = check_hcl(
        "t.pkr.hcl",
        &text,
        &CheckOptions::default(),
        &mut RenderContext::fixed(),
    );
    let errors: Vec<(u32, u32, Code)> = checked
        .errors()
        .map(|d| (d.line, d.column, d.code))
        .collect();
    assert_eq!(
        errors,
        [(2, 10, Code::NotSupported)],
        "{:#?}",
        checked.diagnostics
    );
    // A local that is simply missing is still reported at each use.
    let checked = check_hcl(
        "t.pkr.hcl",
        &source(""),
        &CheckOptions::default(),
        &mut RenderContext::fixed(),
    );
    assert_eq!(checked.errors().count(), 3, "{:#?}", checked.diagnostics);
}

#[test]
fn function_errors_are_located_at_the_call_and_say_what_to_do() {
    let text = source("locals {\n  name = \"web\"\n  cut  = substr(\"abcd\", 0, -3)\n}\n");
    let checked = check_hcl(
        "t.pkr.hcl",
        &text,
        &CheckOptions::default(),
        &mut RenderContext::fixed(),
    );
    let errors: Vec<(u32, u32, String)> = checked
        .errors()
        .map(|d| (d.line, d.column, d.message.clone()))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!((errors[0].0, errors[0].1), (3, 10));
    assert!(
        errors[0].2.contains("use -1 for the rest of the string"),
        "{errors:#?}"
    );

    // A call inside a string: at the call.
    let text = source("locals {\n  name = \"web-${element([], 0)}\"\n}\n");
    let checked = check_hcl(
        "t.pkr.hcl",
        &text,
        &CheckOptions::default(),
        &mut RenderContext::fixed(),
    );
    let errors: Vec<(u32, u32)> = checked.errors().map(|d| (d.line, d.column)).collect();
    assert_eq!(errors, [(2, 17)], "{:#?}", checked.diagnostics);

    // fileset() without a disk is a local-file error.
    let text = source("locals {\n  name = join(\",\", fileset(path.root, \"*.sh\"))\n}\n");
    let checked = check_hcl(
        "t.pkr.hcl",
        &text,
        &CheckOptions::default(),
        &mut RenderContext::fixed(),
    );
    let errors: Vec<(u32, u32, Code)> = checked
        .errors()
        .map(|d| (d.line, d.column, d.code))
        .collect();
    assert_eq!(
        errors,
        [(2, 20, Code::LocalFile)],
        "{:#?}",
        checked.diagnostics
    );
}

#[test]
fn functions_evaluate_in_a_template() {
    let text = source(
        "locals {\n  parts = split(\",\", \"b,a,b\")\n  name = format(\"%s-%03d\", join(\"-\", sort(distinct(local.parts))), length(local.parts))\n}\n",
    );
    let checked = check_hcl(
        "t.pkr.hcl",
        &text,
        &CheckOptions::default(),
        &mut RenderContext::fixed(),
    );
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let crate::model::Builder::AmazonEbs(ebs) = &checked.template.unwrap().builders[0];
    assert_eq!(ebs.ami_description.as_deref(), Some("A-B-003"));
}

#[test]
fn the_functions_corpus_template_bakes_what_its_functions_compute() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus-hcl");
    let text = std::fs::read_to_string(format!("{folder}/h11-functions.pkr.hcl")).unwrap();
    let fixed = text.replace("lowr(", "lower(");
    let options = CheckOptions {
        local_file_exists: Some(|file| std::path::Path::new(file).exists()),
        read_local_file: Some(|file| std::fs::read_to_string(file)),
        list_local_files: Some(crate::local_files_under),
        ..CheckOptions::default()
    };
    let mut ctx = RenderContext::fixed();
    ctx.template_dir = folder.to_string();
    let checked = check_hcl("h11.pkr.hcl", &fixed, &options, &mut ctx);
    assert!(checked.is_valid(), "{:#?}", checked.diagnostics);
    let template = checked.template.unwrap();
    let crate::model::Builder::AmazonEbs(ebs) = &template.builders[0];
    assert_eq!(ebs.ami_name.as_deref(), Some("web-Dev-002-1741064767"));
    assert_eq!(
        ebs.ami_description.as_deref(),
        Some(r#"["dev","prod","stage"] until 2025-04-03T05:06:07Z by platform"#)
    );
    let tags = ebs.tags.as_ref().unwrap();
    assert_eq!(tags["prod"], "PROD");
    assert_eq!(tags["Scripts"], "setup.sh,user-data.sh");
    assert_eq!(tags["Id"].len(), 36);
    let crate::model::Provisioner::Shell(shell) = &template.provisioners[0] else {
        panic!("a shell step")
    };
    assert_eq!(
        shell.scripts.as_ref().unwrap(),
        &[
            format!("{folder}/scripts/setup.sh"),
            format!("{folder}/scripts/user-data.sh")
        ]
    );
}

#[test]
fn locals_that_use_each_other_in_a_cycle_are_each_reported() {
    let text = source("locals {\n  name = local.other\n  other = local.name\n}\n");
    let checked = check_hcl(
        "t.pkr.hcl",
        &text,
        &CheckOptions::default(),
        &mut RenderContext::fixed(),
    );
    let lines: Vec<u32> = checked.errors().map(|d| d.line).collect();
    assert_eq!(lines, [2, 3], "{:#?}", checked.diagnostics);
}

#[test]
fn a_failing_variable_default_is_one_error() {
    let text =
        source("variable \"v\" {\n  default = lowr(\"A\")\n}\nlocals {\n  name = var.v\n}\n");
    let checked = check_hcl(
        "t.pkr.hcl",
        &text,
        &CheckOptions::default(),
        &mut RenderContext::fixed(),
    );
    let errors: Vec<(u32, u32, String)> = checked
        .errors()
        .map(|d| (d.line, d.column, d.message.clone()))
        .collect();
    assert_eq!(
        errors,
        [(2, 13, "function lowr() is not defined".to_string())],
        "{:#?}",
        checked.diagnostics
    );
}
